#!/usr/bin/env python3
"""An independent implementation of memaudit's bag model and of its per-sample signals.

Reads a run exported by `npm run bench -- crosscheck` (bench/crosscheck.ts): the training
samples as the engine feeds them (vocabulary ids of the body tokens, padded/truncated to T), the
labels trained on (y-shuffled), the clean labels, the corrupted mask, the evaluation splits and
memaudit's own recorded dynamics. It trains the same architecture in PyTorch, records every
training sample's loss, margin, p(label) and top-1 from each step's own forward pass (train
mode, before the step's update), computes the signals of docs/metrics.md § "Per-sample signals"
from those dynamics with its own code, and prints JSON lines:

  {"source": "torch", "signal": "aum", "auroc": …}          signals of this implementation
  {"source": "memaudit-dynamics", "signal": "aum", …}       the same signal code on memaudit's
                                                             recorded dynamics (checks the
                                                             engine's signal and AUROC code)
  {"source": "torch", "summary": true, "noiseFit": …}        fit and accuracy of this training

The bag model (models/bag.ts): x_t = E[id_t] for the T body tokens, s_t = x_t·a,
α = softmax over the real (non-padding) positions, h = Σ α_t x_t, logits = h W + b. E and a are
N(0, 1/d), W Glorot-uniform, b = 0; Adam (β 0.9, 0.999, ε 1e-8), constant learning rate, no
weight decay; the mean cross-entropy of a batch; every epoch a new random order, the last batch
partial. The bag model has no dropout; `--dropout` adds one on h for experiments.

Only numpy and torch (Debian's python3-torch); never used by tests or CI.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

SIGNAL_ORIENTATION = {
    "aum": -1,
    "confidence": -1,
    "variability": 1,
    "correctness": -1,
    "forgetting": 1,
    "firstLearned": 1,
    "finalLoss": 1,
    "meanLoss": 1,
}


def read_export(folder):
    """The exported run: meta.json and raw little-endian arrays named in its `arrays`."""
    with open(os.path.join(folder, "meta.json"), encoding="utf-8") as f:
        meta = json.load(f)
    arrays = {}
    for name, spec in meta["arrays"].items():
        a = np.fromfile(os.path.join(folder, spec["file"]), dtype=np.dtype(spec["dtype"]).newbyteorder("<"))
        arrays[name] = a.reshape(spec["shape"])
    return meta, arrays


class Bag(torch.nn.Module):
    """Subtoken embeddings, attention pooling over real positions, a linear softmax over labels."""

    def __init__(self, tokens, labels, dim, dropout):
        super().__init__()
        std = 1.0 / dim**0.5
        self.emb = torch.nn.Parameter(torch.randn(tokens, dim) * std)
        self.att = torch.nn.Parameter(torch.randn(dim) * std)
        bound = (6.0 / (dim + labels)) ** 0.5
        self.W = torch.nn.Parameter(torch.empty(dim, labels).uniform_(-bound, bound))
        self.b = torch.nn.Parameter(torch.zeros(labels))
        self.dropout = torch.nn.Dropout(dropout) if dropout > 0 else None

    def forward(self, ids):
        real = ids != 0
        x = self.emb[ids]  # [B, T, d]
        scores = (x @ self.att).masked_fill(~real, float("-inf"))
        alpha = torch.softmax(scores, dim=-1)
        # A row without any real position pools to 0 (softmax of all −inf is NaN).
        alpha = torch.nan_to_num(alpha, nan=0.0)
        h = (alpha.unsqueeze(-1) * x).sum(dim=1)
        if self.dropout is not None:
            h = self.dropout(h)
        return h @ self.W + self.b


def step_stats(logits, labels):
    """Loss −log p_y, margin z_y − max_{k≠y} z_k, p_y and top-1 of each row (as float64 numpy)."""
    logp = torch.log_softmax(logits, dim=-1)
    loss = -logp.gather(1, labels[:, None])[:, 0]
    zy = logits.gather(1, labels[:, None])[:, 0]
    other = logits.scatter(1, labels[:, None], float("-inf")).max(dim=1).values
    top1 = logits.argmax(dim=1)
    return loss.numpy(), (zy - other).numpy(), torch.exp(-loss).numpy(), top1.numpy()


def train(meta, arrays, args):
    """Trains the bag model; returns the train dynamics [E, n] and the test accuracy per epoch."""
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    x = torch.from_numpy(arrays["train.tokens"].astype(np.int64))
    y = torch.from_numpy(arrays["train.labels"].astype(np.int64))
    n, E, B = x.shape[0], args.epochs, args.batch_size
    model = Bag(meta["vocab"]["tokens"], meta["vocab"]["labels"], args.dim, args.dropout)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.999), eps=1e-8)
    dyn = {k: np.zeros((E, n), dtype=np.float64) for k in ("loss", "margin", "pLabel")}
    dyn["top1"] = np.zeros((E, n), dtype=np.int64)
    test_acc = []
    for e in range(E):
        model.train()
        order = rng.permutation(n)
        for a in range(0, n, B):
            pos = order[a : a + B]
            logits = model(x[pos])
            loss = torch.nn.functional.cross_entropy(logits, y[pos])
            if not args.eval_dynamics:
                record(dyn, e, pos, logits.detach(), y[pos])
            opt.zero_grad()
            loss.backward()
            opt.step()
        if args.eval_dynamics:
            record_eval(model, dyn, e, x, y, B)
        test_acc.append(accuracy(model, arrays, "test", B))
    return dyn, test_acc


def record(dyn, e, pos, logits, labels):
    loss, margin, p, top1 = step_stats(logits, labels)
    dyn["loss"][e, pos] = loss
    dyn["margin"][e, pos] = margin
    dyn["pLabel"][e, pos] = p
    dyn["top1"][e, pos] = top1


def record_eval(model, dyn, e, x, y, B):
    """The epoch's dynamics from a separate pass at its end, in eval mode (an experiment)."""
    model.eval()
    with torch.no_grad():
        for a in range(0, x.shape[0], B):
            pos = np.arange(a, min(a + B, x.shape[0]))
            record(dyn, e, pos, model(x[pos]), y[pos])


def accuracy(model, arrays, split, B):
    if f"{split}.tokens" not in arrays or arrays[f"{split}.tokens"].shape[0] == 0:
        return None
    x = torch.from_numpy(arrays[f"{split}.tokens"].astype(np.int64))
    y = torch.from_numpy(arrays[f"{split}.labels"].astype(np.int64))
    model.eval()
    with torch.no_grad():
        top1 = torch.cat([model(x[a : a + B]).argmax(1) for a in range(0, x.shape[0], B)])
    return float((top1 == y).double().mean())


def signals(dyn, labels, aum_skip):
    """The per-sample signals of docs/metrics.md from dynamics [E, n] (independent code)."""
    margin, p, loss, top1 = dyn["margin"], dyn["pLabel"], dyn["loss"], dyn["top1"]
    E = margin.shape[0]
    acc = top1 == labels[None, :]
    out = {
        "aum": margin[aum_skip:].mean(axis=0) if E > aum_skip else np.full(margin.shape[1], np.nan),
        "confidence": p.mean(axis=0),
        "variability": p.std(axis=0),
        "correctness": acc.mean(axis=0),
        "finalLoss": loss[-1],
        "meanLoss": loss.mean(axis=0),
    }
    out["forgetting"], out["firstLearned"] = forgetting(acc)
    return out


def forgetting(acc):
    """1→0 transitions (E when never correct) and the epoch from which the sample stays correct (E if not correct at the end)."""
    E = acc.shape[0]
    events = (acc[:-1] & ~acc[1:]).sum(axis=0)
    events = np.where(acc.any(axis=0), events, E)
    first = np.full(acc.shape[1], E)
    stays = np.ones(acc.shape[1], dtype=bool)
    for r in range(E - 1, -1, -1):
        stays &= acc[r]
        first = np.where(stays, r, first)
    return events, first


def auroc(score, positive):
    """P(score of a positive > score of a negative), ties ½: the Mann–Whitney U with midranks."""
    pos = positive.astype(bool)
    n1, n0 = int(pos.sum()), int((~pos).sum())
    if n1 == 0 or n0 == 0 or np.isnan(score).any():
        return float("nan")
    order = np.argsort(score, kind="mergesort")
    s = score[order]
    ranks = np.empty(len(s))
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and s[j + 1] == s[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def memaudit_dynamics(arrays):
    if "memaudit.margin" not in arrays:
        return None
    return {k: arrays[f"memaudit.{k}"].astype(np.float64 if k != "top1" else np.int64) for k in ("loss", "margin", "pLabel", "top1")}


def emit(source, sig, corrupted, extra=None):
    for name, values in sig.items():
        o = SIGNAL_ORIENTATION[name]
        line = {"source": source, "signal": name, "orientation": o, "auroc": auroc(o * values.astype(np.float64), corrupted)}
        print(json.dumps({**line, **(extra or {})}), flush=True)


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("export", help="folder written by `npm run bench -- crosscheck`")
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--lr", type=float)
    ap.add_argument("--batch-size", type=int)
    ap.add_argument("--dim", type=int)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dropout", type=float, default=0.0)
    ap.add_argument("--aum-skip", type=int, default=1, help="leading epochs left out of AUM (docs/metrics.md: 1)")
    ap.add_argument("--eval-dynamics", action="store_true", help="record an eval-mode pass at each epoch's end instead of the step's own stats")
    ap.add_argument("--threads", type=int, default=1)
    return ap.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    meta, arrays = read_export(args.export)
    h = meta["hyper"]
    for k, v in (("epochs", h["epochs"]), ("lr", h["lr"]), ("batch_size", h["batchSize"]), ("dim", h["dim"])):
        if getattr(args, k) is None:
            setattr(args, k, v)
    torch.set_num_threads(args.threads)
    corrupted = arrays["train.corrupted"]
    labels = arrays["train.labels"].astype(np.int64)
    md = memaudit_dynamics(arrays)
    if md is not None:
        emit("memaudit-dynamics", signals(md, labels, args.aum_skip), corrupted)
        fit = (md["top1"][-1] == labels)[corrupted == 1].mean()
        print(json.dumps({"source": "memaudit-dynamics", "summary": True, "noiseFit": float(fit)}), flush=True)
    t0 = time.time()
    dyn, test_acc = train(meta, arrays, args)
    emit("torch", signals(dyn, labels, args.aum_skip), corrupted)
    fit = (dyn["top1"][-1] == labels)[corrupted == 1].mean()
    clean_acc = (dyn["top1"][-1] == labels)[corrupted == 0].mean()
    summary = {"source": "torch", "summary": True, "noiseFit": float(fit), "trainCleanAcc": float(clean_acc), "testAcc": test_acc[-1], "seconds": round(time.time() - t0, 1)}
    summary["settings"] = {"epochs": args.epochs, "lr": args.lr, "batchSize": args.batch_size, "dim": args.dim, "tokens": meta["hyper"]["tokens"], "dropout": args.dropout, "aumSkip": args.aum_skip, "evalDynamics": args.eval_dynamics, "seed": args.seed}
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
