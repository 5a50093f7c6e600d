/** Number and duration formatting shared by the human-readable writers (text, Markdown, HTML, JUnit). */

/** Placeholder for a value the audit could not compute. */
export const MISSING = '—';

/** `x` with `digits` decimals and trailing zeros dropped (`0.5`, `0.125`, `-1.2`); `—` when null or not finite. */
export function fmt(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return MISSING;
  const s = x.toFixed(digits);
  const t = s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
  return t === '-0' ? '0' : t;
}

/** A fraction in percent with `digits` decimals: `12.5%`. */
export function fmtPercent(x: number, digits = 1): string {
  return `${(x * 100).toFixed(digits)}%`;
}

/** The task setting (config `labels`; absent in older reports: full method naming): `full`, `top:10`. */
export function fmtTask(labels: string | undefined): string {
  return labels ?? 'full';
}

/** A noise level in percent: `25%`. */
export function fmtLevel(level: number): string {
  return `${fmt(level, 1)}%`;
}

/** An integer with thousands separators that do not depend on the locale: `12 345`. */
export function fmtCount(n: number): string {
  const s = String(Math.round(Math.abs(n))).replace(/\B(?=(\d{3})+(?!\d))/g, '\u202F');
  return n < 0 ? `-${s}` : s;
}

/** A duration: `850 ms`, `12.3 s`, `4 min 05 s`, `2 h 03 min`. */
export function fmtDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return MISSING;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const totalS = Math.round(s);
  if (totalS < 3600) return `${Math.floor(totalS / 60)} min ${String(totalS % 60).padStart(2, '0')} s`;
  const totalMin = Math.round(totalS / 60);
  return `${Math.floor(totalMin / 60)} h ${String(totalMin % 60).padStart(2, '0')} min`;
}

/** Writes a label (`get|user|name`) as a method name of `language`: getUserName, get_user_name. */
export function labelIdentifier(label: string, language: string): string {
  const parts = label.split('|').filter((p) => p !== '');
  if (parts.length === 0) return label;
  if (language === 'java') return parts.map((p, i) => (i === 0 ? p : p.charAt(0).toUpperCase() + p.slice(1))).join('');
  return parts.join('_');
}

/** What a noisy run did to a finding's method, for tooltips and titles: "renamed to_h → get_priority", or the edit. */
export function describeNoise(n: { label?: { from: string; to: string }; edit?: string }, language: string): string {
  return n.label ? `renamed ${labelIdentifier(n.label.from, language)} → ${labelIdentifier(n.label.to, language)}` : (n.edit ?? '');
}

/** A window of training dynamics for people: "all 10 epochs", "the first 5 epochs", "epochs 1–7 (up to the best validation epoch)". */
export function windowLabel(w: { kind: 'all' | 'first' | 'best-val'; epochs: number }): string {
  if (w.kind === 'all') return `all ${w.epochs} epoch${w.epochs === 1 ? '' : 's'}`;
  if (w.kind === 'first') return `the first ${w.epochs} epoch${w.epochs === 1 ? '' : 's'}`;
  return `epochs 1–${w.epochs} (up to the best validation epoch)`;
}

/** A detection score for people: "−aum over the first 3 epochs" (the sign is the orientation). */
export function detectionScoreLabel(c: { signal: string; orientation: 1 | -1; window: { kind: 'all' | 'first' | 'best-val'; epochs: number } }): string {
  return `${c.orientation < 0 ? '−' : '+'}${c.signal} over ${windowLabel(c.window)}`;
}

/**
 * The detection choice in one line (without markup): the score, its held-out AUROC with interval,
 * the in-sample AUROC for comparison, and the reason. Shared by the text, Markdown and HTML writers.
 */
export function detectionChoiceLine(c: {
  signal: string;
  orientation: 1 | -1;
  window: { kind: 'all' | 'first' | 'best-val'; epochs: number };
  heldOutAuroc: number;
  heldOutInterval: { low: number; high: number } | null;
  inSampleAuroc: number;
  reason: string;
  byRun?: { run: string; heldOutAuroc: number | null; heldOutInterval?: { low: number; high: number } | null }[];
}): string {
  const ci = (i: { low: number; high: number } | null | undefined): string => (i ? ` [${fmt(i.low)}, ${fmt(i.high)}]` : '');
  const runs = (c.byRun ?? []).filter((b) => b.heldOutAuroc !== null);
  const byRun = runs.length > 1 ? `; by run: ${runs.map((b) => `${b.run} ${fmt(b.heldOutAuroc!)}${ci(b.heldOutInterval)}`).join(', ')}` : '';
  return `detection score ${detectionScoreLabel(c)}: held-out AUROC ${fmt(c.heldOutAuroc)}${ci(c.heldOutInterval)} (in-sample ${fmt(c.inSampleAuroc)}, optimistic)${byRun}; ${c.reason}`;
}

/**
 * The key of a finding's `details` that holds the value it was ranked by: `<signal>@<window id>`
 * when the window is shorter than all epochs, else the signal's name.
 */
export function findingValueKey(f: { signal: string; window?: { id: string; kind: 'all' | 'first' | 'best-val' } }): string {
  return f.window && f.window.kind !== 'all' ? `${f.signal}@${f.window.id}` : f.signal;
}

/** `x` to 3 decimals with its 95 % interval in brackets when there is one: `0.812 [0.801, 0.824]`. */
export function withInterval(x: number | null | undefined, i: { low: number; high: number } | null | undefined): string {
  return i ? `${fmt(x)} [${fmt(i.low)}, ${fmt(i.high)}]` : fmt(x);
}
