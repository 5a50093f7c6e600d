/**
 * The teachers of distillation (docs/metrics.md § "Mitigation explorer", "Distillation"): in an
 * audit with `distill`, the clean run of seed s keeps its final weights (`teacher.bin`: its last
 * checkpoint, which the trainer writes after the last epoch, renamed before `result.json`), and
 * every noisy run of seed s first loads them into a model of its own, predicts the teacher's top-k
 * soft labels on its training inputs (its own, noised source: for input-noise kinds the teacher
 * sees what the student trains on), disposes that model, then trains against them.
 *
 * Order: a noisy run waits for its teacher (the run scheduler's `after`, audit/scheduler.ts). A
 * sharded audit with distillation is refused (`--shard`): a shard may hold a noisy run without
 * its seed's clean run.
 */
import * as fs from 'node:fs';
import { EngineError, ERROR_CODES } from '../errors';
import { readCheckpoint } from '../train/checkpoint';
import { DISTILL_TEMPERATURE, DISTILL_TOP_K, softenTopK, type SoftTargets } from '../train/distill';
import type { AuditConfig } from './config';
import type { PlannedRun } from './plan';
import type { TrainableModel } from '../train/types';
import { RUN_FILES, type AuditFolder } from './runs-store';

/** Whether `run` is a teacher: the clean run of its seed, in an audit with distillation. */
export function isTeacher(c: Pick<AuditConfig, 'distill'>, run: PlannedRun): boolean {
  return Boolean(c.distill) && run.kind === 'none' && run.fold === undefined;
}

/** Whether `run` trains against a teacher: a noisy run (any kind, level > 0) in an audit with distillation. */
export function isStudent(c: Pick<AuditConfig, 'distill'>, run: PlannedRun): boolean {
  return Boolean(c.distill) && run.kind !== 'none' && run.kind !== 'memfold' && run.level > 0;
}

/** The index in `plan` of the teacher of `run` (its seed's clean run), or undefined when `run` is no student. */
export function teacherIndex(c: Pick<AuditConfig, 'distill'>, plan: readonly PlannedRun[], run: PlannedRun): number | undefined {
  if (!isStudent(c, run)) return undefined;
  const t = plan.findIndex((r) => isTeacher(c, r) && r.seed === run.seed);
  return t < 0 ? undefined : t;
}

/** Whether a finished teacher run lacks its weights (an older memaudit, or a deleted file): it is trained again. */
export function teacherMissing(c: Pick<AuditConfig, 'distill'>, folder: AuditFolder, run: PlannedRun): boolean {
  return isTeacher(c, run) && !fs.existsSync(folder.runFile(run.id, RUN_FILES.teacher));
}

/** Keeps a teacher's final checkpoint as its `teacher.bin` (an atomic rename; before `result.json`). */
export function keepTeacher(folder: AuditFolder, run: PlannedRun, checkpoint: string): void {
  if (!fs.existsSync(checkpoint)) throw new EngineError(ERROR_CODES.INTERNAL, `${run.id} left no final checkpoint to keep as its teacher weights (${checkpoint})`);
  fs.renameSync(checkpoint, folder.runFile(run.id, RUN_FILES.teacher));
}

/**
 * The soft labels of a student's training positions: the teacher's top k classes on each input
 * `train.indices[p]`, at temperature T, renormalized over the k (train/distill.ts). `create` makes
 * a model like the student's, on the student's source; it is disposed here.
 */
export async function teacherSoftTargets(folder: AuditFolder, run: PlannedRun, create: () => Promise<TrainableModel>, train: { indices: Int32Array; labels: Int32Array }, batchSize: number): Promise<SoftTargets> {
  const id = `clean-s${run.seed}`;
  const file = folder.runFile(id, RUN_FILES.teacher);
  const saved = await readCheckpoint(file);
  if (!saved) throw new EngineError(ERROR_CODES.INPUT_NOT_FOUND, `${run.id} distills from ${id}, whose weights ${file} are missing; run the audit again (it retrains ${id} first)`, { file, run: run.id });
  const model = await create();
  try {
    await model.setState(saved.model);
    const n = train.indices.length;
    let k = DISTILL_TOP_K;
    let ids = new Int32Array(0);
    let p = new Float32Array(0);
    for (let at = 0; at < n; at += batchSize) {
      const end = Math.min(n, at + batchSize);
      const st = await model.evaluate(model.makeBatch(train.indices.subarray(at, end), train.labels.subarray(at, end)), DISTILL_TOP_K);
      if (at === 0) {
        k = st.k;
        ids = new Int32Array(n * k);
        p = new Float32Array(n * k);
      }
      ids.set(st.topkIds, at * k);
      p.set(softenTopK(st.topkScores, k, DISTILL_TEMPERATURE), at * k);
    }
    return { k, ids, p };
  } finally {
    await model.dispose();
  }
}
