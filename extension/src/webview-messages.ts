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
import type { AuditReport, Finding } from '../../server/src/report/types';
import { EXPORT_FORMATS, type ExportFormat } from './webview-html';

// ---------------------------------------------------------------------------------------------
// Report panel

/** Report panel → extension. */
export type ReportMessage = { type: 'ready' } | { type: 'openFinding'; sampleId: string } | { type: 'export'; format: ExportFormat };

/** Extension → report panel: the outcome of an export (shown in the toolbar's status). */
export type ReportPanelNotice = { type: 'status'; text: string };

const MAX_ID = 512;

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function onlyKeys(x: Record<string, unknown>, keys: readonly string[]): boolean {
  return Object.keys(x).every((k) => keys.includes(k));
}

function shortString(x: unknown): x is string {
  return typeof x === 'string' && x.length > 0 && x.length <= MAX_ID;
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
      return onlyKeys(raw, ['type', 'format']) && typeof raw.format === 'string' && Object.prototype.hasOwnProperty.call(EXPORT_FORMATS, raw.format)
        ? { type: 'export', format: raw.format as ExportFormat }
        : undefined;
    default:
      return undefined;
  }
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
}

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
  gates: { gate: string; passed: boolean; actual: number | null }[];
  gatesPassed?: boolean;
  findings?: number;
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
  gatesPassed?: boolean;
  running: boolean;
}

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
