/**
 * The messages between the extension and its two webviews, their validation, and the state the
 * dashboard shows. Pure (no `vscode` import).
 *
 * A webview is a web page showing text from the corpus: treat what it posts as untrusted input.
 * Every message is checked against a closed list of types and fields; anything else is dropped.
 * Webviews never send paths: the report panel names a finding by its sample id and the extension
 * finds the file itself, then opens it only when it lies inside the audited folder, a workspace
 * folder or a corpus root of the report.
 */
import * as path from 'node:path';
import type { AuditReport, Finding, FindingNoise } from '../../server/src/protocol/report';
import { EXPORT_FORMATS, type ExportFormat } from './webview-html';

// ---------------------------------------------------------------------------------------------
// Report panel

/** Report panel → extension. */
export type ReportMessage =
  | { type: 'ready' }
  | { type: 'openFinding'; sampleId: string }
  | { type: 'export'; format: ExportFormat }
  /** The cartography map's data of one run of the report (answered by a `cartography` notice). */
  | { type: 'loadCartography'; runId: string }
  /** A diff editor of a finding's method: as extracted vs as the noisy run `runId` trained on it. */
  | { type: 'openNoiseDiff'; sampleId: string; runId: string };

/** Extension → report panel: one run's cartography map (or why it cannot be shown). */
export type CartographyNotice =
  | { type: 'cartography'; runId: string; n: number; epochs: number; confidence: Float32Array; variability: Float32Array; corrupted: Uint8Array }
  | { type: 'cartography'; runId: string; error: string };

/** Extension → report panel: the outcome of an export or a diff (shown in the toolbar's status), or map data. */
export type ReportPanelNotice = { type: 'status'; text: string } | CartographyNotice;

const MAX_ID = 512;
/** Run ids are folder names the engine made (`y-shuffle-50-s0`): no path characters. */
const RUN_ID_RE = /^[A-Za-z0-9._-]+$/;

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function onlyKeys(x: Record<string, unknown>, keys: readonly string[]): boolean {
  return Object.keys(x).every((k) => keys.includes(k));
}

function shortString(x: unknown): x is string {
  return typeof x === 'string' && x.length > 0 && x.length <= MAX_ID;
}

function runId(x: unknown): x is string {
  return shortString(x) && RUN_ID_RE.test(x);
}

/** The message if it is a well-formed report panel message, else undefined. */
export function parseReportMessage(raw: unknown): ReportMessage | undefined {
  if (!isObject(raw)) return undefined;
  switch (raw.type) {
    case 'ready':
      return onlyKeys(raw, ['type']) ? { type: 'ready' } : undefined;
    case 'openFinding':
      return onlyKeys(raw, ['type', 'sampleId']) && shortString(raw.sampleId) ? { type: 'openFinding', sampleId: raw.sampleId } : undefined;
    case 'export':
      return onlyKeys(raw, ['type', 'format']) && typeof raw.format === 'string' && (EXPORT_FORMATS as readonly string[]).includes(raw.format)
        ? { type: 'export', format: raw.format as ExportFormat }
        : undefined;
    case 'loadCartography':
      return onlyKeys(raw, ['type', 'runId']) && runId(raw.runId) ? { type: 'loadCartography', runId: raw.runId } : undefined;
    case 'openNoiseDiff':
      return onlyKeys(raw, ['type', 'sampleId', 'runId']) && shortString(raw.sampleId) && runId(raw.runId) ? { type: 'openNoiseDiff', sampleId: raw.sampleId, runId: raw.runId } : undefined;
    default:
      return undefined;
  }
}

/** A file the report names, relative to its folder, resolved; an error when it leaves the folder. */
function reportFile(reportDir: string, rel: string): string | { error: string } {
  const file = path.resolve(reportDir, rel);
  return isInside(reportDir, file) && file !== path.resolve(reportDir) ? file : { error: `the report names a file outside its folder (${rel}); it is not read` };
}

/**
 * The cartography file of run `runId` of the report in `reportDir`, or why there is none: an
 * unknown run, a report written before the maps existed, a path leaving the report's folder.
 */
export function cartographyFile(report: Pick<AuditReport, 'runs'>, runId: string, reportDir: string): string | { error: string } {
  const run = report.runs.find((r) => r.id === runId);
  if (!run) return { error: `no run ${runId} in this report` };
  if (!run.files.cartography) return { error: `run ${runId} has no cartography map (the audit was made by an earlier memaudit; audit again to get one)` };
  return reportFile(reportDir, run.files.cartography);
}

/** What a diff view of a finding's noised copy needs: the diffs file, the finding and the run's noise. */
export interface NoiseDiffTarget {
  file: string;
  finding: Finding;
  noise: FindingNoise;
}

/**
 * The noise-diffs file and the finding's noise entry for (`sampleId`, `runId`), or why there is
 * no diff: an unknown method, a run that did not corrupt it, a corruption without code (token
 * masking), a report without the file, a path leaving the report's folder.
 */
export function noiseDiffTarget(report: Pick<AuditReport, 'findings' | 'files'>, sampleId: string, runId: string, reportDir: string): NoiseDiffTarget | { error: string } {
  const finding = report.findings.find((f) => f.sampleId === sampleId);
  if (!finding) return { error: 'this method is not in the report' };
  const noise = finding.noise?.find((n) => n.runId === runId);
  if (!noise) return { error: `${finding.name} was not corrupted in run ${runId}` };
  if (!noise.diff || !report.files?.noiseDiffs) return { error: `no code to compare for ${finding.name} in ${runId} (${noise.edit})` };
  const file = reportFile(reportDir, report.files.noiseDiffs);
  return typeof file === 'string' ? { file, finding, noise } : file;
}

/** True when `p` is `root` or inside it (both absolute; compared after resolving `..`). */
export function isInside(root: string, p: string, platform: NodeJS.Platform = process.platform): boolean {
  const impl = platform === 'win32' ? path.win32 : path.posix;
  const norm = (s: string) => (platform === 'win32' || platform === 'darwin' ? impl.resolve(s).toLowerCase() : impl.resolve(s));
  const rel = impl.relative(norm(root), norm(p));
  return rel === '' || (!rel.startsWith('..') && !impl.isAbsolute(rel));
}

/** Where the editor should open a finding: an absolute file and a 0-based range. */
export interface FindingTarget {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/**
 * The file and range of the finding with `sampleId`, or a reason (for the user) why it cannot be
 * opened: unknown id, a method inside a zip archive, or a file outside every allowed root.
 * `folder` is the audited folder (relative corpus roots are relative to it); `allowedRoots` are
 * the workspace folders. The corpus roots of the report, resolved, are allowed as well.
 */
export function findingTarget(report: Pick<AuditReport, 'findings' | 'config'>, sampleId: string, folder: string, allowedRoots: readonly string[]): FindingTarget | { error: string } {
  const f: Finding | undefined = report.findings.find((x) => x.sampleId === sampleId);
  if (!f) return { error: 'this method is not in the report' };
  if (f.archiveEntry !== undefined) return { error: `${f.name} is inside the archive ${f.file}; it cannot be opened in the editor` };
  const root = path.resolve(folder, f.root);
  // An input named explicitly (a file) is its own root, and its samples' `file` is its base name.
  const rootIsFile = !/[\\/]/.test(f.file) && path.basename(root) === f.file;
  const file = rootIsFile ? root : path.resolve(root, f.file);
  const roots = [folder, ...allowedRoots, ...report.config.inputs.map((i) => path.resolve(folder, i))];
  if (!roots.some((r) => isInside(r, file))) return { error: `${f.name} is in ${file}, outside the audited folder and the workspace; it is not opened` };
  if (f.jsonlLine !== undefined) {
    const line = f.jsonlLine - 1;
    return { file, line, column: 0, endLine: line, endColumn: 0 };
  }
  return { file, line: f.range.startLine, column: f.range.startColumn, endLine: f.range.startLine, endColumn: f.range.startColumn };
}

const EXTENSIONS: Record<string, string> = { java: 'java', python: 'py', ruby: 'rb' };

/**
 * The file name of one side of a noise diff (noise-diff.ts): the method's name with anything but
 * letters, digits and `_` replaced, and the language's extension so that the editor highlights
 * the code: `getUserName.original.java`.
 */
export function noiseDiffFileName(method: string, side: 'original' | 'noised', language: string): string {
  const safe = method.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 80) || 'method';
  return `${safe}.${side}.${EXTENSIONS[language] ?? 'txt'}`;
}

// ---------------------------------------------------------------------------------------------
// Dashboard

/** Commands the dashboard's buttons may run. */
export const DASHBOARD_COMMANDS = ['audit', 'cancelAudit', 'openReport', 'showFindings', 'showOutput'] as const;
export type DashboardCommand = (typeof DASHBOARD_COMMANDS)[number];

/** Dashboard → extension. */
export type DashboardMessage =
  | { type: 'ready' }
  | { type: 'command'; command: DashboardCommand }
  | { type: 'openRun'; folderIndex: number; runId: string }
  | { type: 'deleteRun'; folderIndex: number; runId: string };

/** The message if it is a well-formed dashboard message, else undefined. */
export function parseDashboardMessage(raw: unknown): DashboardMessage | undefined {
  if (!isObject(raw)) return undefined;
  switch (raw.type) {
    case 'ready':
      return onlyKeys(raw, ['type']) ? { type: 'ready' } : undefined;
    case 'command':
      return onlyKeys(raw, ['type', 'command']) && typeof raw.command === 'string' && (DASHBOARD_COMMANDS as readonly string[]).includes(raw.command)
        ? { type: 'command', command: raw.command as DashboardCommand }
        : undefined;
    case 'openRun':
    case 'deleteRun':
      return onlyKeys(raw, ['type', 'folderIndex', 'runId']) && Number.isInteger(raw.folderIndex) && (raw.folderIndex as number) >= 0 && shortString(raw.runId) && /^[A-Za-z0-9._-]+$/.test(raw.runId)
        ? { type: raw.type, folderIndex: raw.folderIndex as number, runId: raw.runId }
        : undefined;
    default:
      return undefined;
  }
}

/** The audit in progress, as the dashboard shows it (from `audit/progress`). */
export interface DashboardProgress {
  folder: string;
  stage: 'extract' | 'dataset' | 'train' | 'report' | 'starting';
  fraction: number;
  message: string;
  run?: number;
  runs?: number;
  epoch?: number;
  epochs?: number;
  etaSec?: number;
  device?: string;
  samplesPerSec?: number;
  /** In an audit of several models or a sweep, the part in progress (`setting 2/4 weightDecay 0.001`); run and runs count its runs. */
  part?: string;
  /** A run's adversarial attacks after its epochs: methods attacked of all. */
  attack?: { done: number; total: number };
}

/** Why a score the dashboard shows rests on too little data ("not enough test methods: 28 …"), by score. */
export type ScoreNotes = Partial<Record<'G' | 'M' | 'gap', string>>;

/** The end of the latest audit (from `audit/done`, or the newest finished run on disk). */
export interface DashboardLatest {
  folder: string;
  folderIndex: number;
  runId?: string;
  outcome: 'finished' | 'cancelled' | 'failed';
  createdAt?: string;
  G: number | null;
  M: number | null;
  gap: number | null;
  /** Scores shown as their reason instead of a number (docs/metrics.md § "Uncertainty (bootstrap intervals)"). */
  notes?: ScoreNotes;
  /** 95 % bootstrap intervals of the scores shown under them. */
  intervals?: ScoreIntervals;
  gates: { gate: string; passed: boolean; actual: number | null }[];
  gatesPassed?: boolean;
  findings?: number;
  /** Of the findings, how many are likely memorized and how many not learned (audits with the cross-fitted memorization score). */
  memorized?: number;
  notLearned?: number;
  /** The detection choice in one line (the score that ranks the findings and its held-out AUROC). */
  detection?: string;
  error?: string;
}

export interface DashboardRun {
  folder: string;
  folderIndex: number;
  id: string;
  state: 'finished' | 'interrupted';
  runsDone: number;
  createdAt?: string;
  model?: string;
  G: number | null;
  M: number | null;
  gap: number | null;
  notes?: ScoreNotes;
  intervals?: ScoreIntervals;
  gatesPassed?: boolean;
  running: boolean;
}

/** The dashboard's scores' 95 % intervals (absent for a score without one). */
export type ScoreIntervals = Partial<Record<'G' | 'M' | 'gap', { low: number; high: number }>>;

/** Extension → dashboard: everything it shows (sent whole; the view re-renders). */
export interface DashboardState {
  type: 'state';
  trusted: boolean;
  engine: string;
  current?: DashboardProgress;
  latest?: DashboardLatest;
  runs: DashboardRun[];
  /** Why the runs could not be listed, when they could not. */
  runsNote?: string;
}
