/**
 * `memaudit merge`: the report of a sharded audit. Each shard (`memaudit audit --shard I/N`) left
 * its runs and its record (`shard-I-of-N.json`) in its audit folder. The merge finds the shards in
 * the folders it is given, checks that they are the shards of one audit (same audit id, which
 * hashes the corpus, dataset, settings and memaudit version; same N; every shard present, every
 * run finished), gathers their run folders into the audit folder under `outDir`, and writes the
 * report exactly as `memaudit audit` would, reusing those runs. It never trains: a run it lacks
 * is an error that names the shard to run again.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stableStringify } from '../cache/keys';
import { EngineError, ERROR_CODES } from '../errors';
import { readJsonIfValid } from '../util/atomic';
import { resolveAuditConfig, type AuditConfig } from './config';
import { planRuns } from './plan';
import { runAudit, type AuditOptions, type AuditOutcome } from './run-audit';
import { AUDIT_FILES, RUN_FILES, RunsStore, type AuditFolder } from './runs-store';
import { isShardFileName, shardRuns, type ShardRecord } from './shard';

/** What an audit folder's config.json holds (run-audit.ts `openAudit`). */
interface StoredConfig {
  config: Record<string, unknown>;
  version: string;
  corpusKey?: string;
}

/** A shard found on disk: its record, its audit folder and that folder's config.json. */
export interface FoundShard {
  record: ShardRecord;
  dir: string;
  stored: StoredConfig;
}

export interface MergeOptions extends Pick<AuditOptions, 'cwd' | 'signal' | 'onProgress' | 'log' | 'maxFindings'> {
  /** Shard output folders, audit folders, or files inside an audit folder (report.json, shard-I-of-N.json). */
  sources: string[];
  /** Where the merged audit goes (relative to `cwd`). */
  outDir: string;
  /** Gates (default: the shards' own). */
  gates?: string[];
}

/** Finds the shards, checks them, gathers their runs under `outDir` and writes the report. */
export async function mergeShards(o: MergeOptions): Promise<AuditOutcome & { shards: FoundShard[] }> {
  const found = o.sources.flatMap((s) => findShards(path.resolve(o.cwd, s)));
  const shards = checkShards(found);
  const first = shards[0]!;
  const config = resolveAuditConfig({ ...first.stored.config, outDir: o.outDir, ...(o.gates ? { gates: o.gates } : {}) });
  checkShares(shards, config);
  const store = new RunsStore(path.resolve(o.cwd, o.outDir));
  await store.checkWritable();
  const target = store.audit(first.record.auditId);
  for (const s of shards) for (const id of s.record.runs) copyRun(path.join(s.dir, id), target.runDir(id));
  const outcome = await runAudit({
    config,
    cwd: o.cwd,
    jobs: 1,
    reuseOnly: (run, folder) => notMerged(run.id, folder, first, shards),
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    ...(o.log ? { log: o.log } : {}),
    ...(o.maxFindings !== undefined ? { maxFindings: o.maxFindings } : {}),
  });
  return { ...outcome, shards };
}

/** The shards in a source: an audit folder, a file inside one, or an output folder (every audit under its runs/). */
export function findShards(source: string): FoundShard[] {
  const st = fs.statSync(source, { throwIfNoEntry: false });
  if (!st) throw new EngineError(ERROR_CODES.INPUT_NOT_FOUND, `${source} does not exist: give the --out folder of each 'memaudit audit --shard I/N'`, { file: source });
  const dir = st.isDirectory() ? source : path.dirname(source);
  const audits = fs.existsSync(path.join(dir, AUDIT_FILES.config)) ? [dir] : auditFoldersUnder(dir);
  const found = audits.flatMap(shardsOfAudit);
  if (found.length === 0) {
    throw new EngineError(
      ERROR_CODES.SHARD_INCOMPLETE,
      `no finished shard in ${source}: a shard leaves shard-I-of-N.json in its audit folder when it is done; run (or finish: the same command resumes) 'memaudit audit … --shard I/N --out DIR' and give DIR`,
      { file: source },
    );
  }
  return found;
}

/** Audit folders under an output folder (`<dir>/runs/*`) or a runs folder (`<dir>/*`). */
function auditFoldersUnder(dir: string): string[] {
  const runs = fs.existsSync(path.join(dir, 'runs')) ? path.join(dir, 'runs') : dir;
  return fs
    .readdirSync(runs, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(runs, e.name, AUDIT_FILES.config)))
    .map((e) => path.join(runs, e.name))
    .sort();
}

function shardsOfAudit(dir: string): FoundShard[] {
  const stored = readJsonIfValid<StoredConfig>(path.join(dir, AUDIT_FILES.config));
  if (!stored?.config || typeof stored.version !== 'string') return [];
  return fs
    .readdirSync(dir)
    .filter(isShardFileName)
    .sort()
    .flatMap((name) => {
      const record = readJsonIfValid<ShardRecord>(path.join(dir, name));
      return record && Array.isArray(record.runs) && Number.isInteger(record.shard) && Number.isInteger(record.of) ? [{ record, dir, stored }] : [];
    });
}

/**
 * Checks that the shards belong to one audit and that each of its N shards is there (once: a
 * shard found twice is taken from the first folder). Returns them by shard index.
 */
export function checkShards(found: readonly FoundShard[]): FoundShard[] {
  const first = found[0];
  if (!first) throw new EngineError(ERROR_CODES.USAGE, "memaudit merge needs the output folders of the shards, e.g. 'memaudit merge shard-0 shard-1 --out merged'");
  for (const s of found.slice(1)) {
    const why = difference(first, s);
    if (why) {
      throw new EngineError(
        ERROR_CODES.SHARD_MISMATCH,
        `the shards are not of the same audit: ${why} (${first.dir} is audit ${first.record.auditId}, ${s.dir} is audit ${s.record.auditId}). ` +
          'Run every shard with the same memaudit, corpus and settings (only --shard and --out differ), then merge them',
        { auditIds: [first.record.auditId, s.record.auditId], dirs: [first.dir, s.dir] },
      );
    }
  }
  const byIndex = new Map<number, FoundShard>();
  for (const s of found) if (!byIndex.has(s.record.shard)) byIndex.set(s.record.shard, s);
  const n = first.record.of;
  const missing = Array.from({ length: n }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length > 0) {
    throw new EngineError(
      ERROR_CODES.SHARD_INCOMPLETE,
      `shard ${missing.map((i) => `${i}/${n}`).join(', ')} of audit ${first.record.auditId} is missing or has not finished (no ${missing.map((i) => `shard-${i}-of-${n}.json`).join(', ')} in the folders given). ` +
        `Run (or run again: it resumes) 'memaudit audit … --shard ${missing[0]}/${n} --out DIR' with the same settings, and add DIR to the merge`,
      { missing },
    );
  }
  return Array.from({ length: n }, (_, i) => byIndex.get(i)!);
}

/** Settings that do not change results (the audit id leaves them out): where the corpus and the output are, and the gates. */
const NOT_COMPARED = new Set(['inputs', 'outDir', 'gates']);

/** What differs between two shards' audits, or undefined when they are shards of one audit. */
function difference(a: FoundShard, b: FoundShard): string | undefined {
  if (a.stored.version !== b.stored.version) return `memaudit versions differ (${a.stored.version} and ${b.stored.version})`;
  if (a.stored.corpusKey !== b.stored.corpusKey) return 'the corpora differ (their files or contents are not the same)';
  const keys = [...new Set([...Object.keys(a.stored.config), ...Object.keys(b.stored.config)])].filter((k) => !NOT_COMPARED.has(k));
  const settings = keys.filter((k) => stableStringify(a.stored.config[k] ?? null) !== stableStringify(b.stored.config[k] ?? null));
  if (settings.length > 0) {
    const show = (v: unknown) => JSON.stringify(v ?? null);
    return `settings differ: ${settings.map((k) => `${k} ${show(a.stored.config[k])} vs ${show(b.stored.config[k])}`).join(', ')}`;
  }
  if (a.record.auditId !== b.record.auditId) return 'their datasets differ';
  if (a.record.of !== b.record.of) return `shard counts differ (--shard …/${a.record.of} and …/${b.record.of})`;
  return undefined;
}

/** Each shard's record lists its share of the plan, and every run of it is finished. */
function checkShares(shards: readonly FoundShard[], config: AuditConfig): void {
  const plan = planRuns(config);
  for (const s of shards) {
    const spec = { index: s.record.shard, count: s.record.of };
    const want = shardRuns(plan, spec, config).map((r) => r.id);
    if (stableStringify(want) !== stableStringify(s.record.runs)) {
      throw new EngineError(
        ERROR_CODES.SHARD_MISMATCH,
        `shard ${spec.index}/${spec.count} in ${s.dir} ran ${s.record.runs.join(', ') || 'no runs'}, but its share of this audit is ${want.join(', ') || 'no runs'}; run it again with this memaudit`,
        { dir: s.dir },
      );
    }
    for (const id of s.record.runs) {
      if (!fs.existsSync(path.join(s.dir, id, RUN_FILES.result))) {
        throw new EngineError(
          ERROR_CODES.SHARD_INCOMPLETE,
          `run ${id} of shard ${spec.index}/${spec.count} is not finished in ${path.join(s.dir, id)}; run that shard's command again (it trains what is missing) and merge again`,
          { run: id, shard: spec.index, dir: s.dir },
        );
      }
    }
  }
}

/**
 * Copies a finished run's folder into the merged audit (unless it is that folder): into a
 * temporary folder first, then renamed, so that a copy cut short is never taken for a run.
 */
function copyRun(from: string, to: string): void {
  if (path.resolve(from) === path.resolve(to)) return;
  const tmp = `${to}.merging-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.cpSync(from, tmp, { recursive: true, filter: (src) => path.basename(src) !== RUN_FILES.checkpoint });
  fs.rmSync(to, { recursive: true, force: true });
  fs.renameSync(tmp, to);
}

/** The error for a run the merged audit lacks (the report stage found it unfinished or damaged). */
function notMerged(runId: string, folder: AuditFolder, first: FoundShard, shards: readonly FoundShard[]): Error {
  if (folder.id !== first.record.auditId) {
    const inputs = first.stored.config['inputs'];
    return new EngineError(
      ERROR_CODES.SHARD_MISMATCH,
      `the corpus here is not the shards' (its audit id is ${folder.id}, the shards' ${first.record.auditId}): run merge in the working folder the shards ran in, with the same files at ${JSON.stringify(inputs)}`,
      { auditIds: [first.record.auditId, folder.id] },
    );
  }
  const owner = shards.find((s) => s.record.runs.includes(runId));
  const shard = owner ? `shard ${owner.record.shard}/${owner.record.of} (${owner.dir})` : 'no shard';
  return new EngineError(
    ERROR_CODES.SHARD_INCOMPLETE,
    `run ${runId} of ${shard} is missing or damaged in the merged folder ${folder.runDir(runId)}; run that shard's command again and merge again`,
    { run: runId },
  );
}
