/**
 * Sharded audits: `--shard i/n` trains only shard i's share of the plan. The share is a pure
 * function of the plan and n, so every shard (each in its own process, on its own machine) picks
 * its runs without talking to the others, and `memaudit merge` knows which shard owes which run.
 *
 * Balance: greedy longest-processing-time first (Graham's LPT, within 4/3 of the best makespan):
 * runs by estimated cost, largest first (ties by id), each to the shard with the least cost so far
 * (ties to the lowest index). A run's cost is epochs × the samples it trains on: a memorization
 * fold run of K trains on (K − 1)/K of the training set, every other run on all of it. Every run
 * of an audit trains the same model, so the model's cost per sample is a common factor.
 */
import { EngineError, ERROR_CODES } from '../errors';
import type { AuditConfig } from './config';
import type { PlannedRun } from './plan';

/** Shard `index` (0-based) of `count`. */
export interface ShardSpec {
  index: number;
  count: number;
}

/** The record a finished shard leaves in its audit folder (`shardFileName`). */
export interface ShardRecord {
  /** The audit's id (its folder's name): hashes the corpus, the dataset, the settings and the version. */
  auditId: string;
  shard: number;
  of: number;
  /** The runs of this shard, in plan order. */
  runs: string[];
  /** ISO time the shard finished. */
  finishedAt: string;
}

/** Parses `I/N` (0 ≤ I < N); E_USAGE otherwise. */
export function parseShard(text: string, flag = '--shard'): ShardSpec {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1) || !(index < count) || count > 10_000) {
    throw new EngineError(ERROR_CODES.USAGE, `${flag} '${text}' is not accepted: give I/N with 0 ≤ I < N, e.g. ${flag} 0/2 and ${flag} 1/2 for two shards`, { flag, value: text });
  }
  return { index, count };
}

/** The estimated cost of a run, in epochs × training-set fractions (see the module comment). */
export function runCost(run: PlannedRun, c: Pick<AuditConfig, 'epochs'>): number {
  const share = run.fold ? (run.fold.of - 1) / run.fold.of : 1;
  return c.epochs * share;
}

/** The shard of every run of `plan`, by run id (see the module comment). */
export function assignShards(plan: readonly PlannedRun[], count: number, cost: (run: PlannedRun) => number): Map<string, number> {
  const order = plan.map((run) => ({ id: run.id, cost: cost(run) })).sort((a, b) => b.cost - a.cost || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const load = new Array<number>(count).fill(0);
  const out = new Map<string, number>();
  for (const r of order) {
    let best = 0;
    for (let s = 1; s < count; s++) if (load[s]! < load[best]!) best = s;
    load[best]! += r.cost;
    out.set(r.id, best);
  }
  return out;
}

/** The runs of `plan` that shard `spec` trains, in plan order. */
export function shardRuns(plan: readonly PlannedRun[], spec: ShardSpec, c: Pick<AuditConfig, 'epochs'>): PlannedRun[] {
  const owner = assignShards(plan, spec.count, (r) => runCost(r, c));
  return plan.filter((r) => owner.get(r.id) === spec.index);
}

/** The file a finished shard leaves in the audit folder: `shard-<I>-of-<N>.json`, I and N as in `--shard I/N`. */
export function shardFileName(spec: ShardSpec): string {
  return `shard-${spec.index}-of-${spec.count}.json`;
}

/** Whether a file name is a shard record's. */
export function isShardFileName(name: string): boolean {
  return /^shard-\d+-of-\d+\.json$/.test(name);
}
