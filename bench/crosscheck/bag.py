#!/usr/bin/env python3
"""An independent implementation of memaudit's bag model and of its per-sample signals.

Reads a run exported by `npm run bench -- crosscheck` (bench/crosscheck.ts): the training
samples as the engine feeds them (vocabulary ids of the body tokens, padded/truncated to T), the
labels trained on (y-shuffled), the clean labels, the corrupted mask, the evaluation splits and
memaudit's own recorded dynamics. It trains the same architecture in PyTorch, records every
training sample's loss, margin, p(label) and top-1 from each step's own forward pass (train
mode, before the step's update), computes the signals of docs/metrics.md § "Per-sample signals"
from those dynamics with its own code, and prints JSON lines:

  {"source": "torch", "signal": "aum", "auroc": …}          signals of this implementation (the
                                                             mean over --seeds, with each and sd)
  {"source": "memaudit-dynamics", "signal": "aum", …}       the same signal code on memaudit's
                                                             recorded dynamics (checks the
                                                             engine's signal and AUROC code)
  {"source": "torch", "summary": true, "noiseFit": …}        fit and accuracy of this training

The bag model (models/bag.ts): x_t = E[id_t] for the T body tokens, s_t = x_t·a,
α = softmax over the real (non-padding) positions, h = Σ α_t x_t, logits = h W + b. E and a are
N(0, 1/d), W Glorot-uniform, b = 0; Adam (β 0.9, 0.999, ε 1e-8), constant learning rate, no
weight decay; the mean cross-entropy of a batch; every epoch a new random order, the last batch
partial. The bag model has no dropout; `--dropout` adds one for experiments.

`--pool` trains instead on a variant of the data built here from the raw training split (with or
without memaudit's deduplication, labels as written, every token, another T, this script's own
tokenization of the source, its own y-shuffle): the experiments of bench/crosscheck/README.md.

Only numpy and torch (Debian's python3-torch); never used by tests or CI.
"""
import argparse
import ast
import io
import json
import os
import re
import sys
import time
import tokenize

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
    "finalExcessLoss": 1,
    "meanExcessLoss": 1,
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
    """Subtoken embeddings, attention pooling over real positions, a linear softmax over labels;
    with `names` ([labels, L] subtoken ids, 0 = none) each label's output vector adds the mean
    embedding of its subtokens (the name head)."""

    def __init__(self, tokens, labels, dim, dropout, dropout_on="h", names=None):
        super().__init__()
        self.names = None if names is None else torch.from_numpy(names.astype(np.int64))
        std = 1.0 / dim**0.5
        self.emb = torch.nn.Parameter(torch.randn(tokens, dim) * std)
        self.att = torch.nn.Parameter(torch.randn(dim) * std)
        bound = (6.0 / (dim + labels)) ** 0.5
        self.W = torch.nn.Parameter(torch.empty(dim, labels).uniform_(-bound, bound))
        self.b = torch.nn.Parameter(torch.zeros(labels))
        self.dropout = torch.nn.Dropout(dropout) if dropout > 0 else None
        self.dropout_on = dropout_on

    def forward(self, ids):
        real = ids != 0
        x = self.emb[ids]  # [B, T, d]
        if self.dropout is not None and self.dropout_on == "emb":
            x = self.dropout(x)
        scores = (x @ self.att).masked_fill(~real, float("-inf"))
        alpha = torch.softmax(scores, dim=-1)
        # A row without any real position pools to 0 (softmax of all −inf is NaN).
        alpha = torch.nan_to_num(alpha, nan=0.0)
        h = (alpha.unsqueeze(-1) * x).sum(dim=1)
        if self.dropout is not None and self.dropout_on == "h":
            h = self.dropout(h)
        W = self.W
        if self.names is not None:
            real = (self.names != 0).to(self.emb.dtype)
            count = real.sum(dim=1, keepdim=True).clamp(min=1)
            W = W + ((self.emb[self.names] * real.unsqueeze(-1)).sum(dim=1) / count).T
        return h @ W + self.b


def step_stats(logits, labels):
    """Loss −log p_y, margin z_y − max_{k≠y} z_k, p_y and top-1 of each row (as float64 numpy)."""
    logp = torch.log_softmax(logits, dim=-1)
    loss = -logp.gather(1, labels[:, None])[:, 0]
    zy = logits.gather(1, labels[:, None])[:, 0]
    other = logits.scatter(1, labels[:, None], float("-inf")).max(dim=1).values
    top1 = logits.argmax(dim=1)
    return loss.numpy(), (zy - other).numpy(), torch.exp(-loss).numpy(), top1.numpy()


class Data:
    """Training inputs x [n, T] (0 = padding), labels trained on, corrupted mask, sizes, test split."""

    def __init__(self, x, labels, corrupted, tokens, classes, test=None, names=None):
        self.x, self.labels, self.corrupted = x, labels, corrupted
        self.tokens, self.classes, self.test, self.names = tokens, classes, test, names


def exported_data(meta, arrays):
    """The run exactly as memaudit trained it: its inputs, its labels and its ledger's corrupted mask."""
    test = (arrays["test.tokens"], arrays["test.labels"]) if arrays["test.tokens"].shape[0] > 0 else None
    names = arrays.get("labels.subtokens") if meta["hyper"].get("nameHead") == 1 else None
    return Data(arrays["train.tokens"], arrays["train.labels"], arrays["train.corrupted"], meta["vocab"]["tokens"], meta["vocab"]["labels"], test, names)


def pool_data(meta, arrays, args):
    """A variant of the run's data built here from the raw training split (`--pool`), for experiments:
    deduplicated as memaudit or not, labels normalized or names as written, memaudit's token
    vocabulary or every token with its own minimum count, T tokens, and this script's own y-shuffle."""
    position = arrays["pool.position"]
    idx = np.nonzero(position >= 0)[0] if args.dedup == "memaudit" else np.arange(len(position))
    if args.dedup == "memaudit":
        idx = idx[np.argsort(position[idx])]
    off = arrays["pool.offsets"]
    src = arrays["pool.vocabIds" if args.tokens == "vocab" else "pool.tokens"]
    bodies = [src[off[i] : off[i + 1]] for i in idx]
    vocab = meta["vocab"]["tokens"]
    if args.source != "none":
        bodies = source_token_ids(read_pool_text(args.export), idx, args.source == "text")
    if args.tokens == "all" or args.source != "none":
        bodies, vocab = min_count_ids(bodies, args.min_count)
    x = np.zeros((len(bodies), args.max_tokens or meta["hyper"]["tokens"]), dtype=np.int64)
    for p, b in enumerate(bodies):
        b = b[: x.shape[1]]
        x[p, : len(b)] = b
    _, clean = np.unique(arrays["pool." + args.labels][idx], return_inverse=True)
    labels, corrupted = shuffled(clean, meta["noise"]["level"], args)
    return Data(x, labels, corrupted, vocab, int(clean.max()) + 1)


def read_pool_text(folder):
    with open(os.path.join(folder, "pool.text.json"), encoding="utf-8") as f:
        return json.load(f)["text"]


def source_token_ids(texts, idx, with_text):
    """Body tokens of this script's own tokenization of each method's source (Python's tokenize):
    identifier subtokens, numbers and operators; string literals as <STR> and comments dropped, or
    (`with_text`) the subtokens of their words. Token strings → ids 1…; a method whose source
    cannot be read or parsed gets an empty body."""
    table = {}
    out = []
    for i in idx:
        words = python_body_tokens(texts[i], with_text) if texts[i] is not None else []
        out.append(np.array([table.setdefault(w, len(table) + 1) for w in words], dtype=np.int64))
    return out


def python_body_tokens(src, with_text):
    lines = src.split("\n")
    indent = len(lines[0]) - len(lines[0].lstrip())
    src = "\n".join(l[indent:] if l[:indent].strip() == "" else l for l in lines)
    try:
        fn = next(n for n in ast.parse(src).body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))
        start = (fn.body[0].lineno, fn.body[0].col_offset)
        toks = [t for t in tokenize.generate_tokens(io.StringIO(src).readline) if t.start >= start]
    except (SyntaxError, StopIteration, tokenize.TokenError, IndentationError):
        return []
    words = []
    for t in toks:
        if t.type == tokenize.NAME:
            words += subtokens(t.string)
        elif t.type == tokenize.NUMBER or (t.type == tokenize.OP and t.string not in "()[]{},.:;"):
            words.append(t.string)
        elif t.type in (tokenize.STRING, tokenize.COMMENT):
            words += [w for x in re.findall(r"[A-Za-z0-9_]+", t.string) for w in subtokens(x)] if with_text else (["<STR>"] if t.type == tokenize.STRING else [])
    return words


def subtokens(identifier):
    """snake_case and camelCase parts, lower-cased."""
    return [p.lower() for part in identifier.split("_") for p in re.findall(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+", part)]


def min_count_ids(bodies, min_count):
    """Ids 2… for tokens seen at least `min_count` times in these bodies, 1 (UNK) for the rest, 0 = padding."""
    ids, counts = np.unique(np.concatenate(bodies), return_counts=True)
    new = np.ones(int(ids.max()) + 1, dtype=np.int64)
    kept = ids[counts >= min_count]
    new[kept] = np.arange(2, 2 + len(kept))
    return [new[b] for b in bodies], 2 + len(kept)


def shuffled(clean, level, args):
    """y-shuffle: a random share `level` of the positions permute their labels among themselves.
    Corrupted = the label changed (`--corrupted changed`) or every chosen position (`chosen`)."""
    rng = np.random.default_rng(args.shuffle_seed)
    chosen = rng.permutation(len(clean))[: round(level * len(clean))]
    labels = clean.copy()
    labels[chosen] = clean[chosen][rng.permutation(len(chosen))]
    if args.corrupted == "chosen":
        corrupted = np.zeros(len(clean), dtype=np.uint8)
        corrupted[chosen] = 1
    else:
        corrupted = (labels != clean).astype(np.uint8)
    return labels, corrupted


def train(data, args):
    """Trains the bag model; returns the train dynamics [E, n] and the final test accuracy."""
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    x = torch.from_numpy(data.x.astype(np.int64))
    y = torch.from_numpy(data.labels.astype(np.int64))
    n, E, B = x.shape[0], args.epochs, args.batch_size
    model = Bag(data.tokens, data.classes, args.dim, args.dropout, args.dropout_on, data.names)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.999), eps=1e-8)
    dyn = {k: np.zeros((E, n), dtype=np.float64) for k in ("loss", "margin", "pLabel")}
    dyn["top1"] = np.zeros((E, n), dtype=np.int64)
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
    return dyn, accuracy(model, data.test, B)


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


def accuracy(model, test, B):
    if test is None:
        return None
    x, y = torch.from_numpy(test[0].astype(np.int64)), torch.from_numpy(test[1].astype(np.int64))
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
    # The excess losses: the loss less the base-rate loss −log π_y (π_y = share of the labels equal to y).
    _, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    log_prior = np.log(counts[inverse] / len(labels))
    out["finalExcessLoss"] = out["finalLoss"] + log_prior
    out["meanExcessLoss"] = out["meanLoss"] + log_prior
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


def aurocs(sig, corrupted):
    """AUROC of each signal's suspicion score (orientation × value)."""
    return {name: auroc(SIGNAL_ORIENTATION[name] * v.astype(np.float64), corrupted) for name, v in sig.items()}


def emit(source, runs):
    """One line per signal: the mean AUROC over the runs (seeds), each run's, and their sd."""
    for name in runs[0]:
        values = [r[name] for r in runs]
        line = {"source": source, "signal": name, "orientation": SIGNAL_ORIENTATION[name], "auroc": float(np.mean(values))}
        if len(values) > 1:
            line.update({"aurocs": values, "sd": float(np.std(values, ddof=1))})
        print(json.dumps(line), flush=True)


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("export", help="folder written by `npm run bench -- crosscheck`")
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--lr", type=float)
    ap.add_argument("--batch-size", type=int)
    ap.add_argument("--dim", type=int)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--seeds", help="comma-separated seeds: one training each, AUROCs averaged (overrides --seed)")
    ap.add_argument("--dropout", type=float, default=0.0)
    ap.add_argument("--dropout-on", choices=("h", "emb"), default="h", help="dropout on the pooled vector or on the token embeddings")
    ap.add_argument("--aum-skip", type=int, default=1, help="leading epochs left out of AUM (docs/metrics.md: 1)")
    ap.add_argument("--eval-dynamics", action="store_true", help="record an eval-mode pass at each epoch's end instead of the step's own stats")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--pool", action="store_true", help="train on a variant of the data built from the raw training split (the options below)")
    ap.add_argument("--dedup", choices=("memaudit", "none"), default="memaudit", help="--pool: memaudit's training list, or every training-split method")
    ap.add_argument("--labels", choices=("label", "name"), default="label", help="--pool: normalized subtokens, or the name as written")
    ap.add_argument("--tokens", choices=("vocab", "all"), default="vocab", help="--pool: memaudit's token vocabulary, or every token kept from --min-count")
    ap.add_argument("--source", choices=("none", "code", "text"), default="none", help="--pool: memaudit's body tokens, or this script's tokenization of the source (text: with the words of strings and comments)")
    ap.add_argument("--min-count", type=int, default=1)
    ap.add_argument("--max-tokens", type=int, help="--pool: tokens per body (default: the preset's)")
    ap.add_argument("--corrupted", choices=("changed", "chosen"), default="changed")
    ap.add_argument("--shuffle-seed", type=int, default=0)
    return ap.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    meta, arrays = read_export(args.export)
    h = meta["hyper"]
    for k, v in (("epochs", h["epochs"]), ("lr", h["lr"]), ("batch_size", h["batchSize"]), ("dim", h["dim"])):
        if getattr(args, k) is None:
            setattr(args, k, v)
    torch.set_num_threads(args.threads)
    data = pool_data(meta, arrays, args) if args.pool else exported_data(meta, arrays)
    labels = data.labels.astype(np.int64)
    md = None if args.pool else memaudit_dynamics(arrays)
    if md is not None:
        emit("memaudit-dynamics", [aurocs(signals(md, labels, args.aum_skip), data.corrupted)])
        print(json.dumps({"source": "memaudit-dynamics", "summary": True, "noiseFit": fit_rate(md, labels, data.corrupted)}), flush=True)
    t0 = time.time()
    runs, fits, clean_fits, test_accs = [], [], [], []
    for seed in [int(x) for x in args.seeds.split(",")] if args.seeds else [args.seed]:
        args.seed = seed
        dyn, test_acc = train(data, args)
        runs.append(aurocs(signals(dyn, labels, args.aum_skip), data.corrupted))
        fits.append(fit_rate(dyn, labels, data.corrupted))
        clean_fits.append(fit_rate(dyn, labels, 1 - data.corrupted))
        test_accs.append(test_acc)
    emit("torch", runs)
    mean = lambda xs: None if xs[0] is None else float(np.mean(xs))
    summary = {"source": "torch", "summary": True, "noiseFit": mean(fits), "noiseFits": fits, "trainCleanAcc": mean(clean_fits), "testAcc": mean(test_accs)}
    summary.update({"n": len(labels), "corrupted": int(data.corrupted.sum()), "classes": data.classes, "tokenVocab": data.tokens, "seconds": round(time.time() - t0, 1)})
    summary["settings"] = {k: v for k, v in vars(args).items() if k != "export"}
    print(json.dumps(summary), flush=True)
    return 0


def fit_rate(dyn, labels, mask):
    """Share of the masked samples whose last-epoch top-1 is the label trained on."""
    return float((dyn["top1"][-1] == labels)[mask == 1].mean())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
