/**
 * The CI and cluster recipes of examples/: each parses and validates against its system's schema
 * (a broken copy does not), does what the README says it does, and runs only `memaudit` command
 * lines that the CLI's own option tables accept.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, parseDocument, stringify } from 'yaml';
import { COMMANDS } from '../../../server/src/cli';
import { checkCommandLine, COMMAND_OPTIONS } from '../../../server/src/cli/check-args';
import { githubExpressions, memauditCommands, type Vars } from './shell';
import { githubWorkflowErrors, gitlabCiErrors, kubernetesModelErrors, kubernetesTypeErrors, type Manifest } from './validators';

const EXAMPLES = path.resolve(__dirname, '..', '..', '..', '..', 'examples');
const read = (rel: string): string => fs.readFileSync(path.join(EXAMPLES, rel), 'utf8');
const clone = <T>(x: T): T => structuredClone(x);

/** Plausible values for what the CI systems set, so that a command line reads as it would there. */
const VARS: Vars = {
  RUNNER_TEMP: '/home/runner/work/_temp',
  GITHUB_WORKSPACE: '/home/runner/work/repo/repo',
  GITHUB_PATH: '/home/runner/work/_temp/_path',
  MEMAUDIT_TGZ: 'tools/memaudit.tgz',
  CI_PROJECT_DIR: '/builds/group/repo',
  CI_NODE_INDEX: '4',
  CI_NODE_TOTAL: '4',
  JOB_COMPLETION_INDEX: '3',
  SHARDS: '4',
  PATH: '/usr/local/bin:/usr/bin:/bin',
};
const GITHUB_EXPRESSIONS: Vars = { 'strategy.job-index': '3', 'strategy.job-total': '4', 'matrix.shard': '3', 'runner.temp': VARS['RUNNER_TEMP']! };

/** Checks each command with the CLI's parser and returns them, failing with the command line that it refuses. */
function checked(commands: string[][]): string[][] {
  for (const argv of commands) {
    try {
      checkCommandLine(argv);
    } catch (e) {
      assert.fail(`the CLI refuses 'memaudit ${argv.join(' ')}': ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return commands;
}

/** The value of `--flag` in an argument vector. */
const flag = (argv: string[], name: string): string | undefined => argv[argv.indexOf(`--${name}`) + 1];

/** The shard and merge commands of a recipe: one of each, the shard index 0-based and below the count. */
function assertShardAndMerge(commands: string[][]): { shard: string[]; merge: string[] } {
  const shard = commands.filter((c) => c[0] === 'audit');
  const merge = commands.filter((c) => c[0] === 'merge');
  assert.equal(shard.length, 1, 'one sharded audit command');
  assert.equal(merge.length, 1, 'one merge command');
  const m = /^(\d+)\/(\d+)$/.exec(flag(shard[0]!, 'shard') ?? '');
  assert.ok(m, `--shard I/N in: ${shard[0]!.join(' ')}`);
  assert.ok(Number(m[1]) < Number(m[2]), `the last shard's index is below the count (0-based): ${m[0]}`);
  return { shard: shard[0]!, merge: merge[0]! };
}

// ---- GitHub Actions ----

const WORKFLOW = 'github-actions/memaudit.yml';

interface Step {
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
}

test('GitHub workflow: valid for GitHub\'s workflow parser', async () => {
  assert.deepEqual(await githubWorkflowErrors(read(WORKFLOW)), []);
});

test('GitHub workflow: a wrong key, a wrong value or a wrong type is refused', async () => {
  const wf = parse(read(WORKFLOW));
  assert.deepEqual(await githubWorkflowErrors(stringify(wf)), [], 'the copy before it is broken is valid');
  const wrongKey = clone(wf);
  wrongKey.jobs.merge['runs_on'] = wrongKey.jobs.merge['runs-on'];
  delete wrongKey.jobs.merge['runs-on'];
  const wrongValue = clone(wf);
  wrongValue.jobs.merge.permissions['security-events'] = 'writable';
  const wrongType = clone(wf);
  wrongType.jobs.shard.strategy['fail-fast'] = { no: true };
  const unknownNeed = clone(wf);
  unknownNeed.jobs.merge.needs = 'shards';
  for (const broken of [wrongKey, wrongValue, wrongType, unknownNeed]) {
    assert.notDeepEqual(await githubWorkflowErrors(stringify(broken)), []);
  }
});

test('GitHub workflow: shards upload their run folders, the merge uploads SARIF and reports even when a gate fails', () => {
  const wf = parse(read(WORKFLOW));
  const shardSteps: Step[] = wf.jobs.shard.steps;
  const mergeSteps: Step[] = wf.jobs.merge.steps;
  assert.equal(wf.jobs.merge.needs, 'shard');
  assert.equal(wf.jobs.merge.permissions['security-events'], 'write');
  assert.ok(shardSteps.some((s) => s.uses?.startsWith('actions/upload-artifact@')));
  assert.ok(mergeSteps.some((s) => s.uses?.startsWith('actions/download-artifact@') && s.with?.['pattern'] === 'memaudit-shard-*'));
  const commands = memauditCommands(githubExpressions(mergeSteps.map((s) => s.run ?? '').join('\n'), GITHUB_EXPRESSIONS), VARS);
  const merge = commands.find((c) => c[0] === 'merge')!;
  const sarifStep = mergeSteps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@'));
  assert.ok(sarifStep, 'the SARIF goes to code scanning');
  assert.equal(sarifStep.with?.['sarif_file'], flag(merge, 'sarif'));
  assert.match(sarifStep.if ?? '', /always\(\)/);
  const mergeIndex = mergeSteps.findIndex((s) => memauditCommands(githubExpressions(s.run ?? '', GITHUB_EXPRESSIONS), VARS).length > 0 && /merge/.test(s.run ?? ''));
  // Every step after the merge runs when the merge step failed on a gate.
  for (const s of mergeSteps.slice(mergeIndex + 1)) assert.match(s.if ?? '', /always\(\)/, `${s.uses ?? s.run} runs after a failed gate`);
  const uploaded = String(mergeSteps.find((s) => s.with?.['name'] === 'memaudit-report')?.with?.['path'] ?? '');
  for (const f of ['sarif', 'junit', 'markdown', 'html']) assert.ok(uploaded.includes(flag(merge, f)!), `--${f} file is uploaded`);
});

test('GitHub workflow: its memaudit command lines are accepted by the CLI', () => {
  const wf = parse(read(WORKFLOW));
  const scripts = Object.values(wf.jobs as Record<string, { steps: Step[] }>).flatMap((j) => j.steps.map((s) => s.run ?? ''));
  const { shard } = assertShardAndMerge(checked(memauditCommands(githubExpressions(scripts.join('\n'), GITHUB_EXPRESSIONS), VARS)));
  assert.equal(flag(shard, 'shard'), '3/4');
});

// ---- GitLab CI ----

const GITLAB = 'gitlab-ci/.gitlab-ci.yml';

test('GitLab CI: valid for GitLab\'s ci.json schema', () => {
  assert.deepEqual(gitlabCiErrors(parse(read(GITLAB))), []);
});

test('GitLab CI: a wrong key or a wrong type is refused', () => {
  const ci = parse(read(GITLAB));
  const wrongKey = clone(ci);
  wrongKey['memaudit-report'].artifacts.reports = { junitt: 'memaudit-junit.xml' };
  const wrongType = clone(ci);
  wrongType['memaudit-shard'].parallel = 'four';
  const wrongWhen = clone(ci);
  wrongWhen['memaudit-report'].artifacts.when = 'allways';
  for (const broken of [wrongKey, wrongType, wrongWhen]) assert.notDeepEqual(gitlabCiErrors(broken), []);
});

test('GitLab CI: parallel shards, a merge that needs them, the gates as JUnit even when one fails', () => {
  const ci = parse(read(GITLAB));
  const shardJob = ci['memaudit-shard'];
  const report = ci['memaudit-report'];
  assert.ok(Number.isInteger(shardJob.parallel) && shardJob.parallel >= 2);
  assert.deepEqual(report.needs.map((n: { job: string }) => n.job), ['memaudit-shard']);
  assert.equal(report.artifacts.when, 'always');
  const merge = memauditCommands(report.script.join('\n'), VARS)[0]!;
  assert.equal(report.artifacts.reports.junit, flag(merge, 'junit'));
});

test('GitLab CI: its memaudit command lines are accepted by the CLI, the 1-based CI_NODE_INDEX made 0-based', () => {
  const ci = parse(read(GITLAB));
  const scripts = Object.values(ci as Record<string, { script?: string[]; before_script?: string[] }>).flatMap((j) => [...(j.before_script ?? []), ...(j.script ?? [])]);
  const { shard } = assertShardAndMerge(checked(memauditCommands(scripts.join('\n'), VARS)));
  assert.equal(flag(shard, 'shard'), '3/4', 'CI_NODE_INDEX=4 of 4 is shard 3/4');
});

// ---- Kubernetes ----

const KUBE: Record<string, { module: string; type: string }> = {
  'kubernetes/pvc.yaml': { module: 'v1/PersistentVolumeClaim', type: 'IPersistentVolumeClaim' },
  'kubernetes/loader-pod.yaml': { module: 'v1/Pod', type: 'IPod' },
  'kubernetes/shard-job.yaml': { module: 'batch/v1/Job', type: 'IJob' },
  'kubernetes/merge-job.yaml': { module: 'batch/v1/Job', type: 'IJob' },
};

function manifests(): Manifest[] {
  return Object.entries(KUBE).map(([file, k]) => {
    const doc = parseDocument(read(file));
    assert.deepEqual(doc.errors, [], file);
    return { name: file, ...k, value: doc.toJS() };
  });
}

interface PodJob {
  spec: {
    completionMode?: string;
    completions?: number;
    podFailurePolicy?: { rules: { action: string; onExitCodes?: { values: number[] } }[] };
    template: { spec: { containers: { name: string; command: string[]; args: string[]; env?: { name: string; value: string }[] }[]; volumes: { persistentVolumeClaim?: { claimName: string } }[] } };
  };
}

test('Kubernetes: the manifests are valid for the Kubernetes schema (strict: no unknown key)', () => {
  const all = manifests();
  for (const [name, errors] of kubernetesTypeErrors(all)) assert.deepEqual(errors, [], name);
  for (const m of all) assert.deepEqual(kubernetesModelErrors(m), [], m.name);
});

test('Kubernetes: a wrong key, a wrong type or a value outside the enum is refused', () => {
  const job = manifests().find((m) => m.name === 'kubernetes/shard-job.yaml')!;
  const wrongKey = clone(job) as Manifest & { value: PodJob };
  const c = wrongKey.value.spec.template.spec.containers[0]! as unknown as Record<string, unknown>;
  c['commands'] = c['command'];
  delete c['command'];
  const wrongType = clone(job) as Manifest & { value: { spec: Record<string, unknown> } };
  wrongType.value.spec['completions'] = 'four';
  const wrongEnum = clone(job) as Manifest & { value: PodJob };
  wrongEnum.value.spec.completionMode = 'Index';
  const broken = [wrongKey, wrongType, wrongEnum].map((m, i) => ({ ...m, name: `broken ${i}` }));
  const errors = kubernetesTypeErrors(broken);
  for (const m of broken) assert.notDeepEqual(errors.get(m.name), [], m.name);
  assert.notDeepEqual(kubernetesModelErrors(wrongType), [], 'the JSON-schema validator refuses the wrong type too');
});

test('Kubernetes: an Indexed Job on a ReadWriteMany volume, SHARDS equal to the completions, a merge Job that stops on a failed gate', () => {
  const byName = new Map(manifests().map((m) => [m.name, m.value]));
  const pvc = byName.get('kubernetes/pvc.yaml') as { metadata: { name: string }; spec: { accessModes: string[] } };
  assert.deepEqual(pvc.spec.accessModes, ['ReadWriteMany']);
  const shards = byName.get('kubernetes/shard-job.yaml') as PodJob;
  const merge = byName.get('kubernetes/merge-job.yaml') as PodJob;
  assert.equal(shards.spec.completionMode, 'Indexed');
  assert.equal(shards.spec.template.spec.containers[0]!.env?.find((e) => e.name === 'SHARDS')?.value, String(shards.spec.completions));
  const pod = byName.get('kubernetes/loader-pod.yaml') as PodJob['spec']['template'];
  for (const spec of [shards.spec.template.spec, merge.spec.template.spec, pod.spec]) {
    assert.deepEqual(spec.volumes.map((v) => v.persistentVolumeClaim?.claimName), [pvc.metadata.name]);
  }
  const rule = merge.spec.podFailurePolicy?.rules.find((r) => r.action === 'FailJob');
  assert.deepEqual(rule?.onExitCodes?.values, [1], 'exit 1 (a failed gate) is not retried');
});

test('Kubernetes: the containers\' memaudit command lines are accepted by the CLI', () => {
  const scripts: string[] = [];
  for (const m of manifests()) {
    if (!m.name.includes('job')) continue;
    for (const c of (m.value as PodJob).spec.template.spec.containers) {
      // `sh -c SCRIPT`: the script is the shell's; anything else is an argument vector itself.
      const argv = [...c.command, ...(c.args ?? [])];
      scripts.push(argv[0] === 'sh' && argv[1] === '-c' ? argv[2]! : argv.map((a) => `'${a}'`).join(' '));
    }
  }
  const { shard } = assertShardAndMerge(checked(memauditCommands(scripts.join('\n'), VARS)));
  assert.equal(flag(shard, 'shard'), '3/4');
});

// ---- the checker itself ----

test('checkCommandLine: refuses what the CLI refuses', () => {
  assert.doesNotThrow(() => checkCommandLine(['audit', '.', '--preset', 'quick', '--sarif', 'x.sarif', '--gate', 'gap<=0.3']));
  assert.throws(() => checkCommandLine(['audit', '--sarif-file', 'x.sarif']), { code: 'E_USAGE' });
  assert.throws(() => checkCommandLine(['audit', '--out']), { code: 'E_USAGE' });
  assert.throws(() => checkCommandLine(['audits', '.']), { code: 'E_USAGE' });
  assert.throws(() => checkCommandLine(['audit', '--gate', 'gapp<=0.3']), /unknown metric 'gapp'/);
  assert.doesNotThrow(() => checkCommandLine(['report', 'latest', '--junit', 'j.xml', '--debug']));
});

test('checkCommandLine: every command of the CLI has its option table', () => {
  assert.deepEqual(Object.keys(COMMANDS).filter((c) => !Object.hasOwn(COMMAND_OPTIONS, c)), []);
});

test('memauditCommands: continuations, quotes, expansion, comments, redirections, command separators', () => {
  const script = 'npx memaudit audit . \\\n  --out "$A/x" \'q $r\' --shard $((I - 1))/${N} # a comment\necho memaudit && memaudit runs > list.txt; ./bin/memaudit report latest';
  assert.deepEqual(memauditCommands(script, { A: '/a', I: '1', N: '4' }), [
    ['audit', '.', '--out', '/a/x', 'q $r', '--shard', '0/4'],
    ['runs'],
    ['report', 'latest'],
  ]);
  assert.throws(() => memauditCommands('memaudit audit --out "$UNSET"', {}), /\$UNSET/);
  assert.throws(() => githubExpressions('${{ matrix.os }}', {}), /matrix\.os/);
});
