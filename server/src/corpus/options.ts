/**
 * Defaults of the corpus walk and language detection by file extension.
 */
import { EngineError, ERROR_CODES } from '../errors';
import { isLanguageId, type LanguageId } from '../parse/sample';
import type { CorpusOptions, ResolvedCorpusOptions } from './types';

/** Default size cap of one source file, JSONL record or zip entry: 1 MiB. */
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

/**
 * Extensions read by default. `.pyi` stubs are left out on purpose: their bodies are `...`, so
 * every stub would become a near-identical sample that teaches nothing. `.rake` files are plain
 * Ruby and often define helper methods.
 */
export const DEFAULT_EXTENSIONS: Readonly<Record<string, LanguageId>> = {
  '.java': 'java',
  '.py': 'python',
  '.pyw': 'python',
  '.rb': 'ruby',
  '.rake': 'ruby',
};

/**
 * Folders that hold dependencies, generated output, virtual environments or tool state rather
 * than the project's own code. Entries are exact folder names or `*suffix`. Hidden folders
 * (`.git`, `.venv`, `.idea`, `.gradle`, `.memaudit`, …) are excluded separately by
 * `includeHiddenDirs: false`; they are listed here too so that enabling hidden folders keeps them out.
 */
export const DEFAULT_EXCLUDED_DIRS: readonly string[] = [
  '.git',
  '.hg',
  '.svn',
  'node_modules',
  'bower_components',
  'vendor',
  'third_party',
  'third-party',
  'thirdparty',
  'build',
  'dist',
  'target',
  'out',
  '.venv',
  'venv',
  '.tox',
  '.nox',
  '__pycache__',
  '.mypy_cache',
  '.pytest_cache',
  'site-packages',
  '*.egg-info',
  '.eggs',
  '.gradle',
  '.idea',
  '.vscode',
  '.mvn',
  'bundle',
  '.bundle',
  '.memaudit',
];

/**
 * The largest `maxFileBytes` accepted: a file is read whole and decoded into one string (Node's
 * strings stop at about 512 MiB), and no source file worth auditing is near this size.
 */
export const MAX_FILE_BYTES_LIMIT = 256 * 1024 * 1024;

/** Fills in the defaults; throws `E_CONFIG` for a value that cannot work. */
export function resolveCorpusOptions(options: CorpusOptions = {}): ResolvedCorpusOptions {
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  if (!Number.isSafeInteger(maxFileBytes) || maxFileBytes <= 0 || maxFileBytes > MAX_FILE_BYTES_LIMIT) {
    throw new EngineError(ERROR_CODES.CONFIG, `corpus.maxFileBytes must be an integer from 1 to ${MAX_FILE_BYTES_LIMIT} (got ${String(options.maxFileBytes)})`, {
      field: 'maxFileBytes',
    });
  }
  if (options.forceLanguage !== undefined && !isLanguageId(options.forceLanguage)) {
    throw new EngineError(
      ERROR_CODES.CONFIG,
      `corpus.forceLanguage must be one of java, python, ruby (got ${JSON.stringify(options.forceLanguage)})`,
      { field: 'forceLanguage' },
    );
  }
  const extensionMap = new Map<string, LanguageId>(Object.entries(DEFAULT_EXTENSIONS));
  for (const [rawExt, lang] of Object.entries(options.extensionMap ?? {})) {
    const ext = (rawExt.startsWith('.') ? rawExt : `.${rawExt}`).toLowerCase();
    if (lang === null) extensionMap.delete(ext);
    else if (isLanguageId(lang)) extensionMap.set(ext, lang);
    else {
      throw new EngineError(
        ERROR_CODES.CONFIG,
        `corpus.extensionMap[${JSON.stringify(rawExt)}] must be java, python, ruby or null (got ${JSON.stringify(lang)})`,
        { field: 'extensionMap' },
      );
    }
  }
  return {
    maxFileBytes,
    forceLanguage: options.forceLanguage,
    extensionMap,
    respectGitignore: options.respectGitignore ?? true,
    excludeDirs: options.excludeDirs ?? DEFAULT_EXCLUDED_DIRS,
    includeHiddenDirs: options.includeHiddenDirs ?? false,
    followSymlinks: options.followSymlinks ?? true,
    jsonlErrors: options.jsonlErrors ?? 'skip',
  };
}

/** The extension of a file name as used for language detection: from the last dot, lower case ('' when none). */
export function extensionOf(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  // A leading dot names a hidden file (`.pylintrc`), not an extension.
  return dot <= 0 ? '' : fileName.slice(dot).toLowerCase();
}

/**
 * The language of a file found in a folder or an archive, or why it has none.
 * With `forceLanguage`, files of other languages are filtered out.
 */
export function languageOfFile(fileName: string, options: ResolvedCorpusOptions): LanguageId | { skip: string } {
  const ext = extensionOf(fileName);
  const lang = options.extensionMap.get(ext);
  if (lang === undefined) {
    if (ext === '.pyi') return { skip: 'Python stub file (.pyi): declarations without bodies' };
    return { skip: ext === '' ? 'no extension' : `extension ${ext} is not mapped to a language` };
  }
  if (options.forceLanguage !== undefined && lang !== options.forceLanguage) {
    return { skip: `${lang} file, but the language is forced to ${options.forceLanguage}` };
  }
  return lang;
}

/** Whether a folder name matches the exclusion list (exact name, or `*suffix`). */
export function isExcludedDirName(name: string, options: ResolvedCorpusOptions): boolean {
  if (!options.includeHiddenDirs && name.startsWith('.')) return true;
  for (const pattern of options.excludeDirs) {
    if (pattern.startsWith('*') ? name.endsWith(pattern.slice(1)) : name === pattern) return true;
  }
  return false;
}
