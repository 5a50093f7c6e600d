/**
 * SARIF 2.1.0 output, for GitHub code scanning and SARIF viewers: one `note` result per finding,
 * located on the method in the repository, under the rule of its category (`memaudit/memorized`,
 * `memaudit/not-learned`; `memaudit/likely-memorized` without the memorization score); the gates' outcome as
 * notifications of the invocation (with the CLI's exit code).
 *
 * Locations: SARIF regions are 1-based and their end column is exclusive; the report's ranges
 * are 0-based with an exclusive end, so every number gains 1. Columns count UTF-16 code units,
 * which SARIF states with `columnKind`. A JSONL record is located on its line of the JSONL file;
 * a method inside a zip archive on the archive itself, at line 1 (lines of an entry are not lines
 * of the archive, and GitHub requires a line), with the entry named in the message.
 */
import { createHash } from 'node:crypto';
import { adversarialEpsilon, adversarialRows } from './adversarial';
import { detectionScoreLabel, fmt } from './format';
import { ownPackage } from './own-package';
import { corpusRoots, encodePathUri, fileUri, isAbsolutePath, locateFinding, resolvedRepoRoot, type LocateOptions } from './paths';
import type { AuditReport, Finding, ReportGate } from '../../protocol/report';

/** The `$schema` every SARIF log names (the schema GitHub's documentation uses). */
export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';

/** Rule of the "likely memorized" results (findings ranked by the detection score alone: no memorization score). */
export const RULE_LIKELY_MEMORIZED = 'memaudit/likely-memorized';
/** Rule of the findings the memorization score calls memorized (fitted when trained on, not predicted when held out). */
export const RULE_MEMORIZED = 'memaudit/memorized';
/** Rule of the findings the memorization score calls not learned (not fitted even when trained on). */
export const RULE_NOT_LEARNED = 'memaudit/not-learned';
/** Descriptor of the gate notifications. */
export const NOTIFICATION_GATE = 'memaudit/gate';
/** Descriptor of the device notifications (why another device than the requested one ran). */
export const NOTIFICATION_DEVICE = 'memaudit/device';
/** Key of the results' partial fingerprint (versioned: a new identity scheme gets a new key). */
export const FINGERPRINT_KEY = 'memauditMethod/v1';
/** Base id of paths relative to the repository root (the one code scanning understands). */
export const SRCROOT = '%SRCROOT%';

/** Options of `toSarif`. */
export interface SarifOptions extends LocateOptions {
  /** `tool.driver.informationUri`; default: `homepage` of memaudit's package.json, omitted when there is none. */
  informationUri?: string;
}

/** A SARIF message (plain text). */
export interface SarifMessage {
  text: string;
}

/** The parts of SARIF 2.1.0 this writer emits (a subset of the specification's object model). */
export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: SarifRun[];
}

/** Where an artifact is: a URI reference, relative to the base named by `uriBaseId`. */
export interface SarifArtifactLocation {
  uri: string;
  uriBaseId?: string;
  description?: SarifMessage;
}

/** A region of a text artifact, 1-based, end column exclusive. */
export interface SarifRegion {
  startLine: number;
  startColumn?: number;
  endLine?: number;
  endColumn?: number;
}

/** One finding as a SARIF result. */
export interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: 'note';
  message: SarifMessage;
  locations: {
    physicalLocation: { artifactLocation: SarifArtifactLocation; region: SarifRegion };
    logicalLocations: { name: string; kind: 'function' }[];
  }[];
  partialFingerprints: Record<string, string>;
  properties: Record<string, unknown>;
}

/** A message about the run itself (a gate outcome, a device fallback). */
export interface SarifNotification {
  descriptor: { id: string; index: number };
  level: 'note' | 'warning' | 'error';
  message: SarifMessage;
  properties?: Record<string, unknown>;
}

/** A rule or a notification kind of the tool. */
export interface SarifReportingDescriptor {
  id: string;
  name: string;
  shortDescription: SarifMessage;
  fullDescription: SarifMessage;
  help?: { text: string; markdown: string };
  defaultConfiguration?: { level: 'note' | 'warning' | 'error' };
  properties?: Record<string, unknown>;
}

/** The single run of the log. */
export interface SarifRun {
  tool: {
    driver: {
      name: string;
      version: string;
      semanticVersion?: string;
      informationUri?: string;
      rules: SarifReportingDescriptor[];
      notifications: SarifReportingDescriptor[];
    };
  };
  automationDetails: { id: string };
  invocations: {
    executionSuccessful: boolean;
    exitCode: number;
    exitCodeDescription: string;
    startTimeUtc?: string;
    endTimeUtc?: string;
    toolExecutionNotifications: SarifNotification[];
  }[];
  originalUriBaseIds?: Record<string, SarifArtifactLocation>;
  columnKind: 'utf16CodeUnits';
  results: SarifResult[];
  properties: Record<string, unknown>;
}

const RULES: SarifReportingDescriptor[] = [
  {
    id: RULE_LIKELY_MEMORIZED,
    name: 'LikelyMemorized',
    shortDescription: { text: 'The model likely memorized this method rather than learned it' },
    fullDescription: {
      text:
        'memaudit trained the model on this code and recorded, at every epoch, how each training method was predicted. ' +
        'It then corrupted known samples on purpose (randomized labels) and measured which per-sample signal (area under the margin, ' +
        'confidence, forgetting events, loss, ...) finds those corrupted samples best. This method ranks among the most suspicious ' +
        'training methods of the clean run by that signal: the model fitted it the way it fits random labels (late, with a low ' +
        'margin, or by forgetting and relearning it), not the way it fits patterns shared with other methods.',
    },
    help: {
      text:
        'This is a statistical finding about the model on this data, not a defect in the code. Look at the method: a misleading or ' +
        'unusual name, a body duplicated under another name, generated code or test fixtures are typical reasons a model memorizes ' +
        'a sample instead of learning from it. Such samples add little to what the model learns and inflate the gap between train ' +
        'and test scores. Rename what is misleading, deduplicate, or exclude generated code from the training corpus; then rerun ' +
        'the audit and compare the generalization gap and the memorization score.',
      markdown:
        '**A statistical finding about the model on this data, not a defect in the code.**\n\n' +
        'Typical reasons a model memorizes a method instead of learning from it:\n\n' +
        '- a misleading or unusual name for what the body does;\n' +
        '- a body duplicated elsewhere under another name;\n' +
        '- generated code or test fixtures.\n\n' +
        'What to do: rename what is misleading, deduplicate, or exclude generated code from the training corpus, then rerun ' +
        '`memaudit audit` and compare the generalization gap and the memorization score. The result\'s properties list every ' +
        'per-sample signal of the method.',
    },
    defaultConfiguration: { level: 'note' },
    properties: { tags: ['memorization', 'machine-learning', 'data-quality'], precision: 'medium' },
  },
  {
    id: RULE_MEMORIZED,
    name: 'Memorized',
    shortDescription: { text: 'The model fitted this method when trained on it but could not predict it when it was held out' },
    fullDescription: {
      text:
        'memaudit trained the model several times: on all training methods, and once per fold on all but that fold (cross-fitting). ' +
        'The models trained on this method predicted its name; the model that held it out did not. That difference, the memorization ' +
        'score of Feldman & Zhang (2020), says the model got it right because it saw it, not because it learned a pattern that predicts it.',
    },
    help: {
      text:
        'A statistical finding about the model on this data, not a defect in the code. A method the model can only get right by ' +
        'memorizing it usually has a name nothing else in the corpus predicts: unusual, misleading, or unique to its project. ' +
        'Check the name against the body; rename what is misleading, or accept it as a legitimately rare method.',
      markdown:
        '**A statistical finding about the model on this data, not a defect in the code.**\n\n' +
        'The models trained on this method predicted its name; the model that held it out did not (memorization score, ' +
        'Feldman & Zhang 2020, estimated by cross-fitting). Check the name against the body; rename what is misleading, or accept ' +
        'it as a legitimately rare method. The result\'s properties give `mem`, `fittedRate` (P_in) and `heldOutRate` (P_out).',
    },
    defaultConfiguration: { level: 'note' },
    properties: { tags: ['memorization', 'machine-learning', 'data-quality'], precision: 'medium' },
  },
  {
    id: RULE_NOT_LEARNED,
    name: 'NotLearned',
    shortDescription: { text: 'The model did not fit this method even when trained on it' },
    fullDescription: {
      text:
        'Most models trained on this method did not predict its name at the end of training. A method the model cannot even fit ' +
        'often has a label problem (a name that does not describe the body) or unusual code; it is not a memorized method.',
    },
    help: {
      text:
        'A statistical finding about the model on this data, not a defect in the code. Check whether the name describes what the ' +
        'body does; a generic or wrong name, or generated code, are typical reasons.',
      markdown:
        '**A statistical finding about the model on this data, not a defect in the code.**\n\n' +
        'Check whether the name describes what the body does; a generic or wrong name, or generated code, are typical reasons. ' +
        'The result\'s properties give `fittedRate` (P_in) and `heldOutRate` (P_out).',
    },
    defaultConfiguration: { level: 'note' },
    properties: { tags: ['machine-learning', 'data-quality'], precision: 'medium' },
  },
];

/** The rule (id and index in `RULES`) of a finding. */
function ruleOf(f: Finding): { ruleId: string; ruleIndex: number } {
  const ruleId = f.category === 'memorized' ? RULE_MEMORIZED : f.category === 'not-learned' ? RULE_NOT_LEARNED : RULE_LIKELY_MEMORIZED;
  return { ruleId, ruleIndex: RULES.findIndex((r) => r.id === ruleId) };
}

const NOTIFICATIONS: SarifReportingDescriptor[] = [
  {
    id: NOTIFICATION_GATE,
    name: 'QualityGate',
    shortDescription: { text: 'A quality gate on the audit\'s scores' },
    fullDescription: { text: 'A condition `metric op value` on a headline score of the audit; the CLI exits with 1 when one fails.' },
  },
  {
    id: NOTIFICATION_DEVICE,
    name: 'Device',
    shortDescription: { text: 'The device the audit ran on' },
    fullDescription: { text: 'Why the audit ran on another device than the one requested (for example, no GPU provider could be loaded).' },
  },
];

/** `homepage` of memaudit's package.json, or undefined. */
function packageHomepage(): string | undefined {
  const homepage = ownPackage()?.manifest.homepage;
  return typeof homepage === 'string' && /^https:\/\//.test(homepage) ? homepage : undefined;
}

/** A finding's identity without its line numbers (which move with every edit above the method). */
function identity(f: Finding, locatedPath: string): string {
  if (f.jsonlLine !== undefined) {
    // A JSONL record is identified by where the method came from when the record says so;
    // otherwise its line is the only identity a dataset file offers.
    const where = f.recordPath !== undefined ? `${f.repo ?? ''}\0${f.recordPath}` : `line ${f.jsonlLine}`;
    return `jsonl\0${locatedPath}\0${where}\0${f.name}`;
  }
  return `file\0${locatedPath}\0${f.archiveEntry ?? ''}\0${f.name}`;
}

function sha256Hex(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

function span(f: Finding): string {
  const a = f.range.startLine + 1;
  const b = f.range.endLine + 1;
  return a === b ? `line ${a}` : `lines ${a}–${b}`;
}

function resultMessage(report: AuditReport, f: Finding): string {
  if (f.category !== undefined) return categoryMessage(report, f);
  const of = report.dataset.trainUsed > 0 ? ` of ${report.dataset.trainUsed} training methods` : '';
  const quality = report.detection.signals.find((s) => s.signal === f.signal);
  const choice = report.detection.choice;
  const calibration = choice
    ? ` In this audit, ${detectionScoreLabel(choice)} found deliberately corrupted labels with held-out AUROC ${fmt(choice.heldOutAuroc)} (chosen on half of them, measured on the other half).`
    : quality
      ? ` In this audit, ${f.signal} found deliberately corrupted labels with AUROC ${fmt(quality.auroc)}.`
      : '';
  let where = '';
  if (f.jsonlLine !== undefined) where = ` (JSONL record at line ${f.jsonlLine}${f.recordPath !== undefined ? `, from ${f.repo ? `${f.repo}/` : ''}${f.recordPath}` : ''}; ${span(f)} of its code)`;
  else if (f.archiveEntry !== undefined) where = ` (archive entry ${f.archiveEntry}, ${span(f)})`;
  return `Method '${f.name}'${where} is likely memorized rather than learned: it ranks #${f.rank}${of} by ${f.signal} (suspicion score ${fmt(f.score, 4)}).${calibration}`;
}

/** The message of a finding of the memorization score: its category in words, with P_in, P_out and mem. */
function categoryMessage(report: AuditReport, f: Finding): string {
  const where = f.jsonlLine !== undefined ? ` (JSONL record at line ${f.jsonlLine})` : f.archiveEntry !== undefined ? ` (archive entry ${f.archiveEntry}, ${span(f)})` : '';
  const folds = report.memorization ? `${report.memorization.folds}-fold cross-fitting` : 'cross-fitting';
  const rates = `the models trained on it predicted its name at rate ${fmt(f.fittedRate, 2)}, the model that held it out at rate ${fmt(f.heldOutRate, 2)}`;
  return f.category === 'memorized'
    ? `Method '${f.name}'${where} was fitted when trained on but not predicted when held out: ${rates} (memorization score ${fmt(f.mem, 2)}, ${folds}).`
    : `Method '${f.name}'${where} was not learned: ${rates} (${folds}); a possible label problem or unusual code.`;
}

function region(f: Finding): SarifRegion {
  if (f.jsonlLine !== undefined) return { startLine: f.jsonlLine };
  // Lines of an entry are not lines of the archive; GitHub still requires a startLine on every
  // result (its rule GH1003), so the archive's first line stands for the whole entry.
  if (f.archiveEntry !== undefined) return { startLine: 1 };
  return { startLine: f.range.startLine + 1, startColumn: f.range.startColumn + 1, endLine: f.range.endLine + 1, endColumn: f.range.endColumn + 1 };
}

function gateNotification(g: ReportGate): SarifNotification {
  return {
    descriptor: { id: NOTIFICATION_GATE, index: 0 },
    level: g.passed ? 'note' : 'error',
    message: { text: g.message || `${g.gate}: ${g.passed ? 'passed' : 'failed'}` },
    properties: { gate: g.gate, metric: g.metric, op: g.op, value: g.value, actual: g.actual, passed: g.passed },
  };
}

/** Id of the base of paths relative to the `i`-th corpus root (for files outside the repository). */
function rootBaseId(i: number): string {
  return `MEMAUDIT_ROOT${i}`;
}

/** Builds the SARIF log object (see `toSarif`). */
export function buildSarif(report: AuditReport, opts: SarifOptions = {}): SarifLog {
  const roots = corpusRoots(report);
  const located = report.findings.map((f) => locateFinding(f, roots, opts));

  // Two findings with one identity (overloads: same file and name) are told apart by their order
  // in the file, which survives edits that move both.
  const ids = report.findings.map((f, i) => identity(f, located[i]!.path));
  const order = report.findings.map((_, i) => i).sort((a, b) => {
    const fa = report.findings[a]!.range;
    const fb = report.findings[b]!.range;
    return fa.startLine - fb.startLine || fa.startColumn - fb.startColumn || a - b;
  });
  const seen = new Map<string, number>();
  const fingerprints: string[] = new Array<string>(ids.length);
  for (const i of order) {
    const k = seen.get(ids[i]!) ?? 0;
    seen.set(ids[i]!, k + 1);
    fingerprints[i] = sha256Hex(k === 0 ? ids[i]! : `${ids[i]!}\0#${k}`).slice(0, 32);
  }

  // Files outside the repository are relative to their corpus root, one base id per root.
  const bases = new Map<number, string>();
  const results: SarifResult[] = report.findings.map((f, i) => {
    const loc = located[i]!;
    if (!loc.inRepo && !bases.has(loc.rootIndex)) bases.set(loc.rootIndex, loc.base);
    const artifactLocation: SarifArtifactLocation = { uri: encodePathUri(loc.path), uriBaseId: loc.inRepo ? SRCROOT : rootBaseId(loc.rootIndex) };
    const properties: Record<string, unknown> = {
      sampleId: f.sampleId,
      name: f.name,
      language: f.language,
      split: f.split,
      signal: f.signal,
      score: f.score,
      rank: f.rank,
      root: f.root,
      file: f.file,
      range: f.range,
      details: f.details,
      message: f.message,
    };
    for (const k of ['jsonlLine', 'archiveEntry', 'repo', 'recordPath', 'category', 'mem', 'memProb', 'fittedRate', 'heldOutRate'] as const) if (f[k] !== undefined) properties[k] = f[k];
    return {
      ...ruleOf(f),
      level: 'note',
      message: { text: resultMessage(report, f) },
      locations: [{ physicalLocation: { artifactLocation, region: region(f) }, logicalLocations: [{ name: f.name, kind: 'function' }] }],
      partialFingerprints: { [FINGERPRINT_KEY]: fingerprints[i]! },
      properties,
    };
  });

  const originalUriBaseIds: Record<string, SarifArtifactLocation> = {};
  const repo = resolvedRepoRoot(opts);
  if (repo !== undefined && isAbsolutePath(repo)) originalUriBaseIds[SRCROOT] = { uri: fileUri(repo, true) };
  for (const [i, base] of [...bases.entries()].sort((a, b) => a[0] - b[0])) {
    const description = { text: `corpus root ${roots[i]!}` };
    originalUriBaseIds[rootBaseId(i)] = isAbsolutePath(base) ? { uri: fileUri(base, true), description } : { uri: `${encodePathUri(base)}/`, uriBaseId: SRCROOT, description };
  }

  const failed = report.gates.filter((g) => !g.passed).length;
  const end = Date.parse(report.createdAt);
  const notifications = [
    ...report.gates.map(gateNotification),
    ...report.environment.device.notes.map(
      (text): SarifNotification => ({ descriptor: { id: NOTIFICATION_DEVICE, index: 1 }, level: 'warning', message: { text } }),
    ),
  ];
  const informationUri = opts.informationUri ?? packageHomepage();
  const version = report.tool.version;

  const run: SarifRun = {
    tool: {
      driver: {
        name: 'memaudit',
        version,
        ...(/^\d+\.\d+\.\d+(?:[-+].*)?$/.test(version) ? { semanticVersion: version } : {}),
        ...(informationUri !== undefined ? { informationUri } : {}),
        rules: RULES,
        notifications: NOTIFICATIONS,
      },
    },
    // GitHub takes everything before the last '/' as the analysis category: one category for
    // every memaudit run, so that a finding fixed in a later run closes its alert.
    automationDetails: { id: `memaudit/${report.runId}` },
    invocations: [
      {
        // The audit itself succeeded whenever a report exists; a failed gate is its verdict.
        executionSuccessful: true,
        exitCode: failed > 0 ? 1 : 0,
        exitCodeDescription: failed > 0 ? `${failed} of ${report.gates.length} quality gates failed` : report.gates.length > 0 ? 'all quality gates passed' : 'no quality gates',
        ...(Number.isFinite(end) ? { startTimeUtc: new Date(end - report.timings.totalMs).toISOString(), endTimeUtc: new Date(end).toISOString() } : {}),
        toolExecutionNotifications: notifications,
      },
    ],
    ...(Object.keys(originalUriBaseIds).length > 0 ? { originalUriBaseIds } : {}),
    columnKind: 'utf16CodeUnits',
    results,
    properties: {
      runId: report.runId,
      reportSchemaVersion: report.schemaVersion,
      scores: report.scores,
      detection: report.detection,
      ...(report.memorization ? { memorization: report.memorization } : {}),
      ...(adversarialRows(report).length > 0 ? { adversarial: { epsilon: adversarialEpsilon(report), levels: adversarialRows(report) } } : {}),
      gates: { total: report.gates.length, failed },
      device: report.environment.device.used,
    },
  };
  return { $schema: SARIF_SCHEMA_URI, version: '2.1.0', runs: [run] };
}

/**
 * SARIF 2.1.0 text of `report`. `repoRoot` (and `cwd`, the folder the audit ran in) place the
 * findings' files relative to the repository, as code scanning requires; without them, relative
 * corpus roots are taken as relative to the repository root.
 */
export function toSarif(report: AuditReport, opts: SarifOptions = {}): string {
  return `${JSON.stringify(buildSarif(report, opts), null, 2)}\n`;
}
