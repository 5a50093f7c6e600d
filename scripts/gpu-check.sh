#!/bin/sh
# The device check of the training engine, in one run (../shared/docs/GPU.md): what the machine
# has, the GPU vs CPU agreement test (test/unit/train/device-agreement.test.ts) and the training
# bench on the GPU and, for comparison, on the CPU of the same machine. Results go to $OUT (the
# device tool's output folder; test-artifacts/gpu when unset), one file per part, so a part that
# fails or runs out of time leaves the others. Needs `npm run build` output in dist/.
#   On the GPU machine:  bash .gpu/enter.sh sh scripts/gpu-check.sh
#   Here, to check the script itself:  MEMAUDIT_AGREEMENT_DEVICE=cpu sh scripts/gpu-check.sh
set -u
OUT=${OUT:-test-artifacts/gpu}
DEVICE=${MEMAUDIT_AGREEMENT_DEVICE:-webgpu}
mkdir -p "$OUT"
{
  date -u
  uname -a
  node --version
  nproc
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 || echo 'no nvidia-smi'
  ls /usr/local/nvidia/share/vulkan/icd.d 2>&1 || true
  # Set, WebGPU runs on that (software) driver and the timings below say nothing about a GPU.
  echo "MEMAUDIT_VULKAN_DRIVER=${MEMAUDIT_VULKAN_DRIVER:-}"
} > "$OUT/machine.txt" 2>&1
cat "$OUT/machine.txt"

echo "== agreement ($DEVICE vs cpu)"
MEMAUDIT_AGREEMENT_DEVICE=$DEVICE node --test dist/test/unit/train/device-agreement.test.js > "$OUT/agreement.tap" 2>&1
echo "rc=$?"
grep -E '^# (pass|fail|skipped)|Δ|SKIPPED|nodes on|^not ok' "$OUT/agreement.tap"

echo "== train bench on $DEVICE"
node dist/bench/main.js train --model all --device "$DEVICE" --threads 2 > "$OUT/bench-train-$DEVICE.jsonl" 2> "$OUT/bench-train-$DEVICE.err"
echo "rc=$?"
cat "$OUT/bench-train-$DEVICE.jsonl"
tail -5 "$OUT/bench-train-$DEVICE.err"

if [ "$DEVICE" != cpu ]; then
  echo "== train bench on cpu (same machine)"
  node dist/bench/main.js train --model bag --device cpu --threads "$(nproc)" > "$OUT/bench-train-cpu.jsonl" 2> "$OUT/bench-train-cpu.err"
  echo "rc=$?"
  cat "$OUT/bench-train-cpu.jsonl"
fi
