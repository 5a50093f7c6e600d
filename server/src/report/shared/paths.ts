/**
 * Where a finding lives, as the reports show it: a path relative to the repository root (forward
 * slashes) when the file is inside the repository, so that code scanning, job summaries and the
 * editor can open it; otherwise a path relative to its corpus root, tagged with that root.
 *
 * Paths are handled as text, not with `node:path`, because a report written on Windows is read on
 * Linux and the other way round: both separators are accepted, and drive letters (`C:/`) and UNC
 * shares (`//server/share/`) are recognized whatever the platform.
 */
import type { AuditReport, Finding } from '../../protocol/report';

/** Where reports should place paths. Both are optional; see `locateFinding`. */
export interface LocateOptions {
  /** The repository root (absolute, or relative to `cwd`). */
  repoRoot?: string;
  /** The folder the audit ran in: relative corpus roots are relative to it. Defaults to `repoRoot`. */
  cwd?: string;
}

/** A finding's file as reports show it. */
export interface LocatedPath {
  /** Forward-slash path, not percent-encoded: relative to the repository root when `inRepo`, else to `base`. */
  path: string;
  /** True when `path` is relative to the repository root. */
  inRepo: boolean;
  /** Index of the finding's corpus root among `corpusRoots(report)`. */
  rootIndex: number;
  /** The folder `path` is relative to when not `inRepo`: the corpus root, or the folder of a root that is a file. */
  base: string;
  /** The path for people: repository-relative when `inRepo`, else the corpus root joined with the file. */
  display: string;
}

interface SplitPath {
  /** '' (relative), '/' (POSIX), 'c:/' (drive, lower-cased for comparison), '//host/share/' (UNC). */
  prefix: string;
  /** The prefix as written (drive letter case kept). */
  prefixText: string;
  parts: string[];
}

function split(p: string): SplitPath {
  let s = p.replace(/\\/g, '/');
  let prefixText = '';
  const unc = /^\/\/([^/]+)\/([^/]+)(\/|$)/.exec(s);
  const drive = /^([A-Za-z]):(\/|$)/.exec(s);
  if (unc) {
    prefixText = `//${unc[1]}/${unc[2]}/`;
    s = s.slice(unc[0].length);
  } else if (drive) {
    prefixText = `${drive[1]}:/`;
    s = s.slice(drive[0].length);
  } else if (s.startsWith('/')) {
    prefixText = '/';
    s = s.replace(/^\/+/, '');
  }
  const parts: string[] = [];
  for (const part of s.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      // Above an absolute root there is nothing: '..' there stays at the root, as the OS does.
      if (parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
      else if (prefixText === '') parts.push('..');
    } else parts.push(part);
  }
  return { prefix: prefixText.toLowerCase(), prefixText, parts };
}

function join(sp: SplitPath): string {
  const rest = sp.parts.join('/');
  return sp.prefixText === '' ? rest || '.' : `${sp.prefixText}${rest}`;
}

/** True for `/x`, `C:/x`, `C:\x`, `\\host\share`. */
export function isAbsolutePath(p: string): boolean {
  return split(p).prefix !== '';
}

/** Normalizes separators, `.` and `..`: `./a\b/../c` → `a/c`; the empty path is `.`. */
export function normalizePath(p: string): string {
  return join(split(p));
}

/** `base` joined with `p` (`p` wins when absolute). */
export function joinPath(base: string, p: string): string {
  return isAbsolutePath(p) ? normalizePath(p) : normalizePath(`${base.replace(/\\/g, '/')}/${p}`);
}

/**
 * `to` relative to `from` (`a/b`, `../c`, `.` when equal), or null when no relative path exists
 * (different drives or kinds of root, or `from` climbs above a relative start we cannot see).
 */
export function relativePath(from: string, to: string): string | null {
  const a = split(from);
  const b = split(to);
  if (a.prefix !== b.prefix) return null;
  let i = 0;
  while (i < a.parts.length && i < b.parts.length && a.parts[i] === b.parts[i]) i++;
  const up = a.parts.slice(i);
  if (up.includes('..')) return null;
  const parts = [...up.map(() => '..'), ...b.parts.slice(i)];
  return parts.length === 0 ? '.' : parts.join('/');
}

/** Percent-encodes each segment of a forward-slash path for a URI reference (a drive letter keeps its colon). */
export function encodePathUri(p: string): string {
  return p
    .split('/')
    .map((seg, i) => (i === 0 && /^[A-Za-z]:$/.test(seg) ? seg : encodeURIComponent(seg)))
    .join('/');
}

/** A `file:` URI for an absolute path, with a trailing slash when `dir` (`/a b` → `file:///a%20b/`). */
export function fileUri(absPath: string, dir = false): string {
  const sp = split(absPath);
  const rest = sp.parts.map((seg) => encodeURIComponent(seg)).join('/');
  const tail = dir && rest !== '' ? '/' : '';
  if (sp.prefixText.startsWith('//')) return `file:${encodePathUri(sp.prefixText.replace(/\/$/, ''))}/${rest}${tail}`;
  if (sp.prefixText === '/') return `file:///${rest}${tail}`;
  return `file:///${sp.prefixText}${rest}${tail}`;
}

/** Distinct corpus roots of the report: `config.inputs` first (in order), then any other root a finding names. */
export function corpusRoots(report: Pick<AuditReport, 'config' | 'findings'>): string[] {
  const roots: string[] = [];
  for (const r of [...report.config.inputs, ...report.findings.map((f) => f.root)]) if (!roots.includes(r)) roots.push(r);
  return roots;
}

/** The repository root resolved against `cwd` (undefined when not given). */
export function resolvedRepoRoot(opts: LocateOptions): string | undefined {
  if (opts.repoRoot === undefined) return undefined;
  return opts.cwd !== undefined ? joinPath(opts.cwd, opts.repoRoot) : normalizePath(opts.repoRoot);
}

/**
 * A corpus root resolved as far as the options allow: absolute roots as they are; relative ones
 * against `cwd`, else against the repository root (the CLI runs from the repository in CI), else
 * left relative (then taken as relative to the repository root by the caller).
 */
export function resolvedRoot(root: string, opts: LocateOptions): string {
  if (isAbsolutePath(root)) return normalizePath(root);
  const base = opts.cwd ?? opts.repoRoot;
  return base !== undefined ? joinPath(base, root) : normalizePath(root);
}

/**
 * True when the corpus root is the finding's file itself: an input named explicitly (a source
 * file, a JSONL file, a zip archive) is its own root, and its samples' `file` is its base name.
 */
function rootIsFile(f: Finding): boolean {
  const parts = split(f.root).parts;
  return !f.file.includes('/') && !f.file.includes('\\') && parts.length > 0 && parts[parts.length - 1] === f.file;
}

/**
 * Where `f` is, relative to the repository when it can be: with `repoRoot`, the file's path
 * relative to it (when inside); without, `root/file` when the root is relative and does not climb
 * out with `..`. Anything else (an absolute root without `repoRoot`, a file outside the
 * repository) is given relative to its corpus root, with `inRepo` false.
 */
export function locateFinding(f: Finding, roots: readonly string[], opts: LocateOptions): LocatedPath {
  const rootIndex = Math.max(0, roots.indexOf(f.root));
  const rootPath = resolvedRoot(f.root, opts);
  const itself = rootIsFile(f);
  const target = itself ? rootPath : joinPath(rootPath, f.file);
  const repo = resolvedRepoRoot(opts);
  const rel = repo !== undefined ? relativePath(repo, target) : isAbsolutePath(target) ? null : target;
  if (rel !== null && rel !== '.' && rel !== '..' && !rel.startsWith('../')) {
    return { path: rel, inRepo: true, rootIndex, base: repo ?? '.', display: rel };
  }
  const base = itself ? joinPath(rootPath, '..') : rootPath;
  const file = normalizePath(f.file);
  const display = itself ? normalizePath(f.root) : `${normalizePath(f.root).replace(/\/$/, '')}/${file}`;
  return { path: file, inRepo: false, rootIndex, base, display };
}
