/**
 * The runs store: the one owner of an output folder's layout.
 *
 *     <outDir>/cache/                      extraction and dataset caches
 *     <outDir>/runs/<auditId>/audit.lock   held while an audit runs in the folder (`AuditFolder.lock`)
 *                            /config.json  the audit's settings (written first)
 *                            /report.json  the report (written last: the audit is finished)
 *                            /noise-diffs.json
 *                            /memorization.csv  (with memFolds > 0)
 *                            /<runId>/result.json      a finished training run (written last)
 *                                    /checkpoint.bin   an interrupted one's state
 *                                    /dynamics.bin, signals.csv, cartography.bin, ledger.json
 *                                    /heldout.json  (a memorization fold run's predictions)
 *                                    /teacher.bin   (a clean run's final weights, with distillation)
 *
 * Everything that finds, lists, reads or deletes audits goes through here (the CLI, the JSON-RPC
 * server, the audit itself), so there is one rule for where the output folder is
 * (`resolveOutDir`) and one for what a finished audit is (a report.json that parses).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineError, ERROR_CODES } from '../errors';
import { checkWritableFolder, writeError } from '../util/fs-errors';
import { RUNS_FOLDER, type RunListing } from '../protocol';
import type { AuditReport } from '../protocol/report';
import { readJsonIfValid } from '../util/atomic';
import { DEFAULT_AUDIT_CONFIG, findConfigFile, readConfigFile } from './config';

/** The files of one training run, by name inside its folder. */
export const RUN_FILES = {
  result: 'result.json',
  checkpoint: 'checkpoint.bin',
  dynamics: 'dynamics.bin',
  signals: 'signals.csv',
  cartography: 'cartography.bin',
  ledger: 'ledger.json',
  /** A memorization fold run's predictions on its held-out fold and on what it trained on. */
  heldout: 'heldout.json',
  /** A clean run's final weights, the teacher of its seed's noisy runs in an audit with distillation (audit/teacher.ts). */
  teacher: 'teacher.bin',
} as const;

/** The files of one audit, by name inside its folder. */
export const AUDIT_FILES = {
  config: 'config.json',
  report: 'report.json',
  /** A multi-model audit's combined report, in its first model's folder (audit/models.ts). */
  modelsReport: 'report-models.json',
  /** A sweep's combined report, in its baseline setting's folder (audit/sweep.ts). */
  sweepReport: 'report-sweep.json',
  /** The findings' original and noised code (report/noise-diffs.ts). */
  noiseDiffs: 'noise-diffs.json',
  /** Every training method's cross-fitted memorization score (docs/metrics.md § "Memorization score (cross-fitted)"). */
  memorization: 'memorization.csv',
  /** Held while an audit runs in the folder (`AuditFolder.lock`). */
  lock: 'audit.lock',
} as const;

/** What a lock file holds: who holds the lock. */
export interface LockHolder {
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  startedAt: string;
}

/**
 * The output folder of a working folder: `outDir` as given, else the config file's (`configFile`,
 * or the one found in the folder), else the default. Relative paths are relative to the folder.
 */
export function resolveOutDir(folder: string, outDir?: string, configFile?: string): string {
  let dir = outDir;
  if (dir === undefined) {
    const file = configFile ?? findConfigFile(folder);
    const fromFile = file ? readConfigFile(file, { checkKeys: false }).outDir : undefined;
    dir = typeof fromFile === 'string' && fromFile !== '' ? fromFile : DEFAULT_AUDIT_CONFIG.outDir;
  }
  return path.resolve(folder, dir);
}

/** The paths of one audit's folder. */
export class AuditFolder {
  constructor(
    readonly id: string,
    readonly dir: string,
  ) {}

  file(name: (typeof AUDIT_FILES)[keyof typeof AUDIT_FILES]): string {
    return path.join(this.dir, name);
  }

  /** The folder of one training run, and its files. */
  runDir(runId: string): string {
    return path.join(this.dir, runId);
  }

  runFile(runId: string, name: (typeof RUN_FILES)[keyof typeof RUN_FILES]): string {
    return path.join(this.dir, runId, name);
  }

  /** A run file's path relative to the audit folder, as the report records it (always '/'). */
  static relativeRunFile(runId: string, name: (typeof RUN_FILES)[keyof typeof RUN_FILES]): string {
    return path.posix.join(runId, name);
  }

  /**
   * Takes the folder's lock, so that two audits never train into one folder (each would pick up
   * the other's checkpoints). The lock is a file created with O_EXCL holding the holder's pid,
   * host and start time. Fails fast with `E_LOCKED` naming the holder while it runs; a lock left
   * by a process of this host that no longer runs (killed, crashed) is taken over with a warning
   * (`log`). The lock is released by `release()`, and when the process exits (crash or
   * `process.exit`) by an exit handler; a kill -9 leaves it, and the next audit takes it over.
   */
  lock(log?: (message: string) => void): AuditLock {
    const file = this.file(AUDIT_FILES.lock);
    const me: LockHolder = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() };
    try {
      fs.mkdirSync(this.dir, { recursive: true });
    } catch (e) {
      throw writeError(this.dir, e);
    }
    for (let attempt = 0; ; attempt++) {
      try {
        const fd = fs.openSync(file, 'wx');
        try {
          fs.writeSync(fd, JSON.stringify(me));
        } finally {
          fs.closeSync(fd);
        }
        return new AuditLock(file, me);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw writeError(file, e);
      }
      const holder = readLockHolder(file);
      const stale = holder ? holder.host === me.host && !processRuns(holder.pid) : lockFileAge(file) > 10_000;
      if (stale && attempt < 5) {
        if (takeOver(file, holder)) {
          log?.(
            holder
              ? `warning: taking over the lock of audit ${this.id}: its holder (pid ${holder.pid}, started ${holder.startedAt}) no longer runs`
              : `warning: taking over the lock of audit ${this.id}: its lock file ${file} is empty or damaged`,
          );
        }
        continue;
      }
      if (!holder && attempt < 5) {
        // Being written by the process that created it a moment ago.
        sleepMs(50);
        continue;
      }
      const who = holder ? `pid ${holder.pid} on ${holder.host}, since ${holder.startedAt}` : 'a process that left no name';
      throw new EngineError(
        ERROR_CODES.LOCKED,
        `audit ${this.id} (${this.dir}) is in use by another memaudit (${who}); wait until it finishes or stop it, then run the command again. ` +
          `If that process no longer runs, delete ${file}`,
        { file, ...(holder ? { holder } : {}) },
      );
    }
  }

  /** The pid of a live process on this host that holds the folder's lock (an audit running now), if any. */
  livePid(): number | undefined {
    const holder = this.lockHolder();
    return holder && holder.host === os.hostname() && processRuns(holder.pid) ? holder.pid : undefined;
  }

  /** Who holds the folder's lock now, if anyone. */
  lockHolder(): LockHolder | undefined {
    return readLockHolder(this.file(AUDIT_FILES.lock));
  }

  /** Training runs of the grid finished so far (folders holding a result.json). */
  runsDone(): number {
    return fs.readdirSync(this.dir).filter((d) => fs.existsSync(this.runFile(d, RUN_FILES.result))).length;
  }
}

/** A held audit-folder lock (`AuditFolder.lock`). */
export class AuditLock {
  private readonly onExit = (): void => this.release();
  private released = false;

  constructor(
    readonly file: string,
    readonly holder: LockHolder,
  ) {
    process.on('exit', this.onExit);
  }

  /** Releases the lock (once; only while the file is still this holder's). */
  release(): void {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.onExit);
    const now = readLockHolder(this.file);
    if (now && now.pid === this.holder.pid && now.host === this.holder.host && now.startedAt === this.holder.startedAt) fs.rmSync(this.file, { force: true });
  }
}

function readLockHolder(file: string): LockHolder | undefined {
  const h = readJsonIfValid<LockHolder>(file);
  return h && Number.isInteger(h.pid) && typeof h.host === 'string' && typeof h.startedAt === 'string' ? h : undefined;
}

function lockFileAge(file: string): number {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  return st ? Date.now() - st.mtimeMs : 0;
}

/** Whether a process of this host with this pid runs (one of another user counts too). */
function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes a stale lock file, unless another process took it over first: the file is moved aside
 * (a rename, atomic) and checked to be the stale one; a fresh lock moved aside by mistake is put
 * back (a hard link, which fails rather than replace a newer one). Whether it removed the stale one.
 */
function takeOver(file: string, stale: LockHolder | undefined): boolean {
  const aside = `${file}.stale-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    fs.renameSync(file, aside);
  } catch {
    return false;
  }
  const moved = readLockHolder(aside);
  const same = stale ? moved !== undefined && moved.pid === stale.pid && moved.host === stale.host && moved.startedAt === stale.startedAt : moved === undefined;
  if (!same) {
    try {
      fs.linkSync(aside, file);
    } catch {
      // A newer lock is in place already.
    }
  }
  fs.rmSync(aside, { force: true });
  return same;
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export class RunsStore {
  /** `<outDir>/runs`. */
  readonly runsDir: string;

  /** `outDir` absolute (see `resolveOutDir`). */
  constructor(readonly outDir: string) {
    this.runsDir = path.join(outDir, RUNS_FOLDER);
  }

  /** The store of a working folder, by the rule of `resolveOutDir`. */
  static of(folder: string, outDir?: string, configFile?: string): RunsStore {
    return new RunsStore(resolveOutDir(folder, outDir, configFile));
  }

  get cacheDir(): string {
    return path.join(this.outDir, 'cache');
  }

  /**
   * Fails with `E_WRITE_FAILED` (path, cause, fix) unless the runs and cache folders can be
   * written: an audit checks this before it spends its time training.
   */
  async checkWritable(): Promise<void> {
    const fix = 'choose another output folder (--out, or outDir in the settings)';
    await checkWritableFolder(this.runsDir, fix);
    await checkWritableFolder(this.cacheDir, fix);
  }

  audit(id: string): AuditFolder {
    return new AuditFolder(id, path.join(this.runsDir, id));
  }

  /** Every audit, finished or interrupted, newest first. */
  list(): RunListing[] {
    if (!fs.existsSync(this.runsDir)) return [];
    const out: RunListing[] = [];
    for (const id of fs.readdirSync(this.runsDir).sort()) {
      const a = this.audit(id);
      if (!fs.statSync(a.dir).isDirectory()) continue;
      const report = readJsonIfValid<AuditReport>(a.file(AUDIT_FILES.report));
      const base = { id, dir: a.dir, runsDone: a.runsDone() };
      if (report && report.schemaVersion) {
        const status = { ...(report.scoreStatus ? { scoreStatus: report.scoreStatus } : {}), ...(report.scoreIntervals ? { scoreIntervals: report.scoreIntervals } : {}) };
        out.push({ ...base, state: 'finished', createdAt: report.createdAt, model: report.config.model, scores: report.scores, ...status, gatesPassed: report.gates.every((g) => g.passed) });
      } else {
        const pid = a.livePid();
        out.push({ ...base, state: 'interrupted', ...(pid !== undefined ? { runningPid: pid } : {}) });
      }
    }
    return out.sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
  }

  hasFinished(): boolean {
    return this.list().some((r) => r.state === 'finished');
  }

  /** A finished audit by id, unique prefix, or 'latest'. */
  find(ref: string): RunListing {
    const finished = this.list().filter((r) => r.state === 'finished');
    if (ref === 'latest') {
      if (!finished[0]) throw new EngineError(ERROR_CODES.INPUT_NOT_FOUND, `no finished audit in ${this.runsDir}; run 'memaudit audit' first`);
      return finished[0];
    }
    const matches = finished.filter((r) => r.id.startsWith(ref));
    if (matches.length === 1) return matches[0]!;
    if (matches.length === 0) {
      throw new EngineError(ERROR_CODES.INPUT_NOT_FOUND, `no finished audit '${ref}' in ${this.runsDir}; 'memaudit runs' lists them`);
    }
    throw new EngineError(ERROR_CODES.USAGE, `'${ref}' matches several audits (${matches.map((m) => m.id).join(', ')}); give more of the id`);
  }

  reportFile(run: Pick<RunListing, 'id'>): string {
    return this.audit(run.id).file(AUDIT_FILES.report);
  }

  /**
   * A listed audit's report; E_CACHE_CORRUPT when it no longer reads. The folder of a multi-model
   * audit's first model, or of a sweep's baseline, also holds the combined report: the newest of
   * them (a later plain audit of that model or setting leaves the older combined one behind).
   */
  readReport(run: Pick<RunListing, 'id' | 'dir'>): AuditReport {
    const report = readJsonIfValid<AuditReport>(this.reportFile(run));
    if (!report) throw new EngineError(ERROR_CODES.CACHE_CORRUPT, `the report of audit ${run.id} (${run.dir}) cannot be read; run the audit again`, { runId: run.id });
    const combined = [AUDIT_FILES.modelsReport, AUDIT_FILES.sweepReport]
      .map((f) => readJsonIfValid<AuditReport>(this.audit(run.id).file(f)))
      .filter((r): r is AuditReport => r !== undefined && (r.models !== undefined || r.sweep !== undefined) && r.createdAt >= report.createdAt);
    return combined.sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0] ?? report;
  }

  /** The newest finished audit's report, if any. */
  latestReport(): AuditReport | undefined {
    const finished = this.list().find((r) => r.state === 'finished');
    return finished ? readJsonIfValid<AuditReport>(this.reportFile(finished)) : undefined;
  }

  /**
   * Deletes an audit's folder. Only an id the listing shows: never a path built from what a
   * caller sent. `check` may refuse (throw) for the listed audit, e.g. the one running now.
   */
  delete(id: string, check?: (run: RunListing) => void): RunListing {
    const run = this.list().find((r) => r.id === id);
    if (!run) throw new EngineError(ERROR_CODES.INPUT_NOT_FOUND, `no audit '${id}' in ${this.runsDir}`, { runId: id });
    check?.(run);
    const holder = this.audit(id).lockHolder();
    const pid = this.audit(id).livePid();
    if (holder && pid !== undefined && pid !== process.pid) {
      throw new EngineError(ERROR_CODES.LOCKED, `audit ${id} is in use by another memaudit (pid ${holder.pid}, since ${holder.startedAt}); stop it first`, { runId: id, holder });
    }
    fs.rmSync(run.dir, { recursive: true, force: true });
    return run;
  }
}
