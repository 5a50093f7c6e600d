/**
 * The dashboard view's script (runs in the webview): renders the `state` messages of the extension
 * (current audit with a progress bar, the latest result with its gates, recent runs) and turns
 * button presses into messages. Everything shown comes from the corpus or the engine, so it is
 * written as text (`textContent`), never as markup.
 */
import type { DashboardLatest, DashboardMessage, DashboardProgress, DashboardRun, DashboardState } from '../src/webview-messages';

const vscode = acquireVsCodeApi();
const post = (m: DashboardMessage): void => vscode.postMessage(m);

type Child = Node | string | null | undefined | false;

/** An element with attributes (set as attributes, never as markup) and children (text or nodes). */
function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | undefined> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

function f2(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(2);
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return 'unknown';
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const m = minutes % 60;
  return `${Math.floor(minutes / 60)} h${m ? ` ${m} min` : ''}`;
}

function when(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

const STAGES: Record<DashboardProgress['stage'], string> = {
  starting: 'Starting',
  extract: 'Extracting methods',
  dataset: 'Building the dataset',
  train: 'Training',
  report: 'Writing the report',
};

function current(p: DashboardProgress | undefined, trusted: boolean): Node {
  if (!trusted) return h('p', { class: 'note' }, 'Audits do not run in an untrusted workspace: an audit reads and parses every source file and runs the engine (native code) on them. Trust the workspace to audit it.');
  if (!p) return h('p', { class: 'muted' }, 'No audit is running.');
  const pct = Math.round(Math.max(0, Math.min(1, p.fraction)) * 100);
  const facts: [string, string][] = [['Stage', STAGES[p.stage] ?? p.stage]];
  // A sweep or several models: which one, since the run numbers start again in each.
  if (p.part) facts.push(['Part', p.part]);
  if (p.run !== undefined && p.runs !== undefined) facts.push(['Run', `${p.run} of ${p.runs}`]);
  if (p.attack) facts.push(['Attacks', `${p.attack.done} of ${p.attack.total} methods`]);
  else if (p.epoch !== undefined && p.epochs !== undefined) facts.push(['Epoch', `${p.epoch} of ${p.epochs}`]);
  if (p.samplesPerSec) facts.push(['Speed', `${Math.round(p.samplesPerSec).toLocaleString('en-US')} samples/s`]);
  facts.push(['Time left', p.etaSec !== undefined ? duration(p.etaSec) : 'estimating…']);
  if (p.device) facts.push(['Device', p.device]);
  const bar = h('div', { class: 'bar', role: 'progressbar', 'aria-label': 'Audit progress', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(pct), 'aria-valuetext': `${pct}%` }, h('div', { class: 'bar-fill', 'data-pct': String(pct) }));
  // A width from a number, set through the CSSOM (allowed by the CSP; style attributes are not).
  (bar.firstChild as HTMLElement).style.width = `${pct}%`;
  return h(
    'div',
    {},
    h('p', { class: 'folder' }, h('span', { class: 'muted' }, 'Folder '), h('strong', {}, p.folder)),
    h('div', { class: 'bar-row' }, bar, h('span', { class: 'pct' }, `${pct}%`)),
    // In training the facts below say it all; other stages have their own words ("extracting: 40 files…").
    p.stage === 'train' ? null : h('p', { class: 'message muted' }, p.message),
    h('dl', { class: 'facts' }, ...facts.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
  );
}

/** A score, or why it rests on too little data instead of the number (docs/metrics.md § "Uncertainty (bootstrap intervals)"). */
function score(label: string, key: string, value: number | null, help: string, note?: string, interval?: { low: number; high: number }): Node {
  const shown = note ? h('div', { class: 'score-value insufficient', 'data-score': key, 'data-insufficient': '' }, note) : h('div', { class: 'score-value', 'data-score': key }, f2(value));
  // The 95 % bootstrap interval under the number: how far the score could move on other samples of this code.
  const range = !note && interval ? h('div', { class: 'score-interval muted', 'data-interval': key, title: '95 % bootstrap interval' }, `[${f2(interval.low)}, ${f2(interval.high)}]`) : null;
  return h('div', { class: 'score', title: `${key}: ${help}` }, h('div', { class: 'score-label' }, label), shown, range);
}

/**
 * The findings of the latest audit: the two categories apart when the audit has the cross-fitted
 * memorization score ("3 likely memorized · 1 not learned"), else one count as before.
 */
function findingsLine(l: DashboardLatest): Node | null {
  const count = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0;
  const methods = (n: number): string => `method${n === 1 ? '' : 's'}`;
  if (count(l.memorized) || count(l.notLearned)) {
    const m = count(l.memorized) ? l.memorized : 0;
    const n = count(l.notLearned) ? l.notLearned : 0;
    return h(
      'p',
      { class: 'muted findings-count', 'data-findings-categories': '' },
      h('span', { 'data-count': 'memorized' }, `${m} likely memorized ${methods(m)}`),
      ' · ',
      h('span', { 'data-count': 'not-learned', title: 'not fitted even by the models trained on them: a possible label problem or unusual code' }, `${n} not learned`),
    );
  }
  return l.findings !== undefined ? h('p', { class: 'muted findings-count' }, `${l.findings} likely memorized ${methods(l.findings)}`) : null;
}

function latest(l: DashboardLatest | undefined): Node {
  if (!l) return h('p', { class: 'muted' }, 'No finished audit yet. Run “Audit memorization” to measure how much a model memorizes this code.');
  if (l.outcome !== 'finished') {
    return h('div', {}, h('p', { class: l.outcome === 'failed' ? 'verdict failed' : 'verdict' }, l.outcome === 'failed' ? 'The last audit failed.' : 'The last audit was cancelled.'), l.error ? h('p', { class: 'muted' }, l.error) : null);
  }
  const gates = l.gates;
  const failed = gates.filter((g) => !g.passed);
  const verdict =
    gates.length === 0
      ? h('p', { class: 'verdict' }, 'No quality gates set.')
      : h('p', { class: `verdict ${failed.length ? 'failed' : 'passed'}`, 'data-gates': failed.length ? 'failed' : 'passed' }, failed.length ? `✗ ${failed.length} of ${gates.length} gates failed` : `✓ All ${gates.length} gates passed`);
  return h(
    'div',
    {},
    h('p', { class: 'muted' }, `${l.folder}${l.runId ? ` · ${l.runId}` : ''}${l.createdAt ? ` · ${when(l.createdAt)}` : ''}`),
    h(
      'div',
      { class: 'scores' },
      // Soft hyphens: a narrow sidebar breaks the long words at a syllable, not at a letter.
      score('Generali\u00ADzation', 'G', l.G, 'test F1 of the clean run (higher is better)', l.notes?.G, l.intervals?.G),
      score('Memori\u00ADzation', 'M', l.M, 'how well the model fits random labels (lower is better)', l.notes?.M, l.intervals?.M),
      score('Gap (train − test)', 'gap', l.gap, 'train F1 − test F1 of the clean run', l.notes?.gap, l.intervals?.gap),
    ),
    verdict,
    gates.length
      ? h('ul', { class: 'gates' }, ...gates.map((g) => h('li', { class: g.passed ? 'pass' : 'fail' }, h('span', { 'aria-hidden': 'true' }, g.passed ? '✓ ' : '✗ '), h('code', {}, g.gate), ` (measured ${f2(g.actual)})`, h('span', { class: 'sr-only' }, g.passed ? ': passed' : ': failed'))))
      : null,
    findingsLine(l),
    l.detection ? h('p', { class: 'muted detection-choice' }, `Ranked by the ${l.detection}`) : null,
    l.runId ? h('button', { type: 'button', 'data-open-run': l.runId, 'data-folder-index': String(l.folderIndex) }, 'Open this report') : null,
  );
}

function runs(list: DashboardRun[], note: string | undefined): Node {
  if (list.length === 0) return h('p', { class: 'muted' }, note ?? 'No audits in this workspace yet.');
  const multi = new Set(list.map((r) => r.folderIndex)).size > 1;
  return h(
    'ul',
    { class: 'runs' },
    ...list.map((r) => {
      const title = r.state === 'finished' ? when(r.createdAt) || r.id : `interrupted after ${r.runsDone} run${r.runsDone === 1 ? '' : 's'}`;
      // A score on too little data reads "too little data" here; the latest card and the report say why.
      const v = (key: 'G' | 'M' | 'gap') => (r.notes?.[key] ? 'too little data' : f2(r[key]));
      const detail = r.state === 'finished' ? `${r.model ?? ''} · G ${v('G')} · M ${v('M')} · gap ${v('gap')}` : 'start the same audit again to resume it';
      const badge = r.running ? h('span', { class: 'badge' }, 'running') : r.gatesPassed === undefined ? null : h('span', { class: `badge ${r.gatesPassed ? 'pass' : 'fail'}` }, r.gatesPassed ? 'gates ✓' : 'gates ✗');
      return h(
        'li',
        { 'data-run': r.id },
        h('div', { class: 'run-main' }, h('div', { class: 'run-title' }, title, ' ', badge), h('div', { class: 'muted run-detail' }, `${multi ? `${r.folder} · ` : ''}${r.id} · ${detail}`)),
        h(
          'div',
          { class: 'run-actions' },
          r.state === 'finished' ? h('button', { type: 'button', 'data-open-run': r.id, 'data-folder-index': String(r.folderIndex), 'aria-label': `Open the report of ${r.id}` }, 'Open') : null,
          r.running ? null : h('button', { type: 'button', class: 'secondary', 'data-delete-run': r.id, 'data-folder-index': String(r.folderIndex), 'aria-label': `Delete audit ${r.id}` }, 'Delete'),
        ),
      );
    }),
  );
}

function render(s: DashboardState): void {
  const main = document.querySelector('main.dash')!;
  main.setAttribute('aria-busy', 'false');
  document.querySelector('[data-current]')!.replaceChildren(current(s.current, s.trusted));
  document.querySelector('[data-latest]')!.replaceChildren(latest(s.latest));
  document.querySelector('[data-runs]')!.replaceChildren(runs(s.runs, s.runsNote));
  const running = s.current !== undefined;
  document.querySelector<HTMLButtonElement>('button[data-command="cancelAudit"]')!.hidden = !running;
  const auditButton = document.querySelector<HTMLButtonElement>('button[data-command="audit"]')!;
  auditButton.disabled = running || !s.trusted;
  auditButton.title = !s.trusted ? 'Trust the workspace to run audits' : running ? 'An audit is running' : '';
  vscode.setState(s);
}

document.addEventListener('click', (e) => {
  const button = (e.target as Element).closest('button');
  if (!button || button.disabled) return;
  const command = button.getAttribute('data-command');
  const folderIndex = Number(button.getAttribute('data-folder-index'));
  const open = button.getAttribute('data-open-run');
  const del = button.getAttribute('data-delete-run');
  if (command === 'audit' || command === 'cancelAudit' || command === 'openReport' || command === 'showFindings' || command === 'showOutput') post({ type: 'command', command });
  else if (open) post({ type: 'openRun', folderIndex, runId: open });
  else if (del) post({ type: 'deleteRun', folderIndex, runId: del });
});

window.addEventListener('message', (e: MessageEvent<unknown>) => {
  const m = e.data as Partial<DashboardState> | null;
  if (m && m.type === 'state' && Array.isArray(m.runs)) render(m as DashboardState);
});

// Shown again at once when the view comes back (the extension sends fresh state after `ready`).
const saved = vscode.getState() as DashboardState | undefined;
if (saved && saved.type === 'state') render(saved);
post({ type: 'ready' });
