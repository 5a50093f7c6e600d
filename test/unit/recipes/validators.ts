/**
 * Each CI system's own schema, from the npm package that ships it, as a function that returns the
 * errors of a file (none: valid). No schema is copied into this repository.
 * - GitHub Actions: @actions/workflow-parser, GitHub's workflow parser and its schema
 *   (workflow-v1.0.json), the one behind GitHub's VS Code extension for Actions.
 * - GitLab CI: GitLab's ci.json (the JSON schema of GitLab's own pipeline editor), as gitlab-ci-local
 *   bundles it, checked with Ajv (draft-07).
 * - Kubernetes: kubernetes-models, generated from the Kubernetes OpenAPI schema: its TypeScript
 *   declarations (TypeScript's excess-property check makes them strict: an unknown key at any
 *   depth is an error, as in the "-strict" JSON schemas) and its JSON-schema validators (types,
 *   formats, patterns, required fields).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import Ajv from 'ajv';
import * as esbuild from 'esbuild';
import ts from 'typescript';

const REPO = path.resolve(__dirname, '..', '..', '..', '..');

interface WorkflowParser {
  parseWorkflow(file: { name: string; content: string }, trace: object): { context: { errors: { getErrors(): { message: string }[] } }; value: unknown };
  convertWorkflowTemplate(context: unknown, value: unknown): Promise<{ errors?: { Message: string }[] }>;
  NoOperationTraceWriter: new () => object;
}

let workflowParser: WorkflowParser | undefined;

/**
 * @actions/workflow-parser is an ES module that imports its schema as JSON without an import
 * attribute (written for bundlers), which Node refuses: esbuild bundles it into one CommonJS file.
 */
function loadWorkflowParser(): WorkflowParser {
  if (workflowParser) return workflowParser;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memaudit-wfp-'));
  const outfile = path.join(dir, 'workflow-parser.cjs');
  esbuild.buildSync({
    stdin: { contents: "export { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } from '@actions/workflow-parser';", resolveDir: REPO },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile,
    logLevel: 'error',
  });
  try {
    workflowParser = require(outfile) as WorkflowParser;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return workflowParser;
}

/** GitHub's errors for a workflow file: its schema, then the checks of the workflow model (jobs that `needs` names exist…). */
export async function githubWorkflowErrors(content: string, name = 'memaudit.yml'): Promise<string[]> {
  const p = loadWorkflowParser();
  const parsed = p.parseWorkflow({ name, content }, new p.NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (errors.length || parsed.value === undefined) return errors.length ? errors : ['not a workflow'];
  const template = await p.convertWorkflowTemplate(parsed.context, parsed.value);
  return (template.errors ?? []).map((e) => e.Message);
}

let gitlabValidate: ((data: unknown) => boolean) & { errors?: unknown } | undefined;

/**
 * GitLab's ci.json as gitlab-ci-local bundles it: an object literal (data only) in its
 * dist/index.js, found by its `$id` and read by brace matching, then evaluated in an empty context.
 */
export function gitlabCiSchema(): Record<string, unknown> {
  const src = fs.readFileSync(require.resolve('gitlab-ci-local/dist/index.js', { paths: [REPO] }), 'utf8');
  const start = src.indexOf('{$schema:"http://json-schema.org/draft-07/schema#",$id:"https://gitlab.com/.gitlab-ci.yml"');
  if (start < 0) throw new Error('GitLab CI schema not found in gitlab-ci-local (a new version bundles it differently)');
  let depth = 0;
  let quote: string | null = null;
  let end = start;
  for (; end < src.length; end++) {
    const c = src[end]!;
    if (quote) {
      if (c === '\\') end++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '{' || c === '[') depth++;
    else if ((c === '}' || c === ']') && --depth === 0) break;
  }
  return vm.runInNewContext(`(${src.slice(start, end + 1)})`, Object.create(null), { timeout: 2000 }) as Record<string, unknown>;
}

/** Ajv's errors for a parsed .gitlab-ci.yml, as `path: message` lines. */
export function gitlabCiErrors(doc: unknown): string[] {
  if (!gitlabValidate) {
    // strict: false because the schema uses editor keywords (markdownDescription); formats are
    // not checked (uri-reference only, on include/component URLs the recipe does not use).
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    gitlabValidate = ajv.compile(gitlabCiSchema());
  }
  if (gitlabValidate(doc)) return [];
  return ((gitlabValidate.errors ?? []) as { instancePath: string; message?: string }[]).map((e) => `${e.instancePath || '/'}: ${e.message ?? ''}`);
}

/** A Kubernetes object and the kubernetes-models module (`batch/v1/Job`) and interface (`IJob`) of its kind. */
export interface Manifest {
  name: string;
  module: string;
  type: string;
  value: unknown;
}

/**
 * TypeScript's errors for `const x: IJob = {…manifest…}`, per manifest: wrong keys (at any depth),
 * wrong types, missing required fields, values outside an enum. One program for all of them.
 */
export function kubernetesTypeErrors(manifests: Manifest[]): Map<string, string[]> {
  const file = path.join(REPO, '__memaudit_recipe_manifests__.ts');
  const parts = manifests.map((m, i) => {
    const decl = `import type { ${m.type} as T${i} } from 'kubernetes-models/${m.module}';\nexport const m${i}: T${i} = ${JSON.stringify(m.value, null, 2)};\n`;
    return decl;
  });
  const starts: number[] = [];
  let text = '';
  for (const p of parts) {
    starts.push(text.length);
    text += p;
  }
  const options: ts.CompilerOptions = { strict: true, noEmit: true, module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, target: ts.ScriptTarget.ES2022, skipLibCheck: true, types: [] };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getSourceFile = (name, lang, ...rest) => (path.resolve(name) === file ? ts.createSourceFile(name, text, lang) : getSourceFile(name, lang, ...rest));
  host.fileExists = (name) => path.resolve(name) === file || fileExists(name);
  const program = ts.createProgram([file], options, host);
  const result = new Map<string, string[]>(manifests.map((m) => [m.name, []]));
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    const at = d.file && path.resolve(d.file.fileName) === file && d.start !== undefined ? starts.filter((s) => s <= d.start!).length - 1 : -1;
    if (at < 0) throw new Error(`TypeScript: ${message}`);
    result.get(manifests[at]!.name)!.push(message);
  }
  return result;
}

/** kubernetes-models' JSON-schema validation of one manifest (formats, patterns, required): its error, or none. */
export function kubernetesModelErrors(m: Manifest): string[] {
  const mod = require(require.resolve(`kubernetes-models/${m.module}`, { paths: [REPO] })) as Record<string, new (data: unknown) => { validate(): void }>;
  const kind = m.module.split('/').pop()!;
  try {
    new mod[kind]!(m.value).validate();
    return [];
  } catch (e) {
    return [e instanceof Error ? e.message : String(e)];
  }
}
