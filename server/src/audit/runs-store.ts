/**
 * The runs store: the one owner of an output folder's layout.
 *
 *     <outDir>/cache/                      extraction and dataset caches
 *     <outDir>/runs/<auditId>/config.json  the audit's settings (written first)
 *                            /report.json  the report (written last: the audit is finished)
 *                            /noise-diffs.json
 *                            /<runId>/result.json      a finished training run (written last)
 *                                    /checkpoint.bin   an interrupted one's state
 *                                    /dynamics.bin, signals.csv, cartography.bin, ledger.json
 *
 * Everything that finds, lists, reads or deletes audits goes through here (the CLI, the JSON-RPC
 * server, the audit itself), so there is one rule for where the output folder is
 * (`resolveOutDir`) and one for what a finished audit is (a report.json that parses).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineError, ERROR_CODES } from '../errors';
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
} as const;

/** The files of one audit, by name inside its folder. */
export const AUDIT_FILES = {
  config: 'config.json',
  report: 'report.json',
  /** The findings' original and noised code (report/noise-diffs.ts). */
  noiseDiffs: 'noise-diffs.json',
} as const;

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

  /** Training runs of the grid finished so far (folders holding a result.json). */
  runsDone(): number {
    return fs.readdirSync(this.dir).filter((d) => fs.existsSync(this.runFile(d, RUN_FILES.result))).length;
  }
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
        const status = report.scoreStatus ? { scoreStatus: report.scoreStatus } : {};
        out.push({ ...base, state: 'finished', createdAt: report.createdAt, model: report.config.model, scores: report.scores, ...status, gatesPassed: report.gates.every((g) => g.passed) });
      } else {
        out.push({ ...base, state: 'interrupted' });
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

  /** A listed audit's report; E_CACHE_CORRUPT when it no longer reads. */
  readReport(run: Pick<RunListing, 'id' | 'dir'>): AuditReport {
    const report = readJsonIfValid<AuditReport>(this.reportFile(run));
    if (!report) throw new EngineError(ERROR_CODES.CACHE_CORRUPT, `the report of audit ${run.id} (${run.dir}) cannot be read; run the audit again`, { runId: run.id });
    return report;
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
    fs.rmSync(run.dir, { recursive: true, force: true });
    return run;
  }
}
