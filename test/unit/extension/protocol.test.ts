/**
 * The protocol's error mapping (engine error codes → JSON-RPC errors with data { code, details }),
 * and what the extension bundle contains: the protocol (values from vscode-jsonrpc only) and no
 * engine or native code.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { ResponseError } from 'vscode-jsonrpc';
import { EngineError, ERROR_CODES } from '../../../server/src/errors';
import { RPC_ERROR_CODES, rpcErrorData } from '../../../server/src/protocol';
import { errorInfo, RpcError, toResponseError } from '../../../server/src/rpc/errors';

const ROOT = path.resolve(__dirname, '../../../..');

test('every engine error code has its own JSON-RPC code outside the reserved range (internal errors excepted)', () => {
  const numbers = new Set<number>();
  for (const code of Object.values(ERROR_CODES)) {
    const n = RPC_ERROR_CODES[code];
    assert.equal(typeof n, 'number', code);
    numbers.add(n);
    if (code !== 'E_INTERNAL') assert.ok(n > 0, `${code} is an application code`);
  }
  assert.equal(numbers.size, Object.values(ERROR_CODES).length, 'distinct');
  assert.equal(RPC_ERROR_CODES.E_INTERNAL, -32603, 'JSON-RPC InternalError');
});

test('an EngineError keeps its message, code and details; a bug becomes E_INTERNAL', () => {
  const e = toResponseError(new EngineError(ERROR_CODES.CONFIG, 'epochs: must be an integer from 1 to 10000 (got 0)', { field: 'epochs' }));
  assert.ok(e instanceof ResponseError);
  assert.equal(e.code, 1002);
  assert.equal(e.message, 'epochs: must be an integer from 1 to 10000 (got 0)');
  assert.deepEqual(e.data, { code: 'E_CONFIG', details: { field: 'epochs' } });
  assert.deepEqual(rpcErrorData(e), { code: 'E_CONFIG', details: { field: 'epochs' } });

  const busy = toResponseError(new RpcError('E_BUSY', 'an audit is already running', { auditId: 'x' }));
  assert.equal(busy.code, RPC_ERROR_CODES.E_BUSY);
  assert.deepEqual(busy.data, { code: 'E_BUSY', details: { auditId: 'x' } });

  const bug = toResponseError(new TypeError('x is undefined'));
  assert.equal(bug.code, -32603);
  assert.equal(bug.message, 'internal error: x is undefined');
  assert.deepEqual(bug.data, { code: 'E_INTERNAL' });
  assert.deepEqual(errorInfo('boom'), { code: 'E_INTERNAL', message: 'internal error: boom' });
});

test('rpcErrorData reads only our errors', () => {
  assert.equal(rpcErrorData(new Error('x')), undefined);
  assert.equal(rpcErrorData({ data: { code: 'E_NOPE' } }), undefined);
  assert.equal(rpcErrorData(null), undefined);
  assert.deepEqual(rpcErrorData({ code: 1, data: { code: 'E_CANCELLED' } }), { code: 'E_CANCELLED' });
});

test('the protocol stands alone: its files import vscode-jsonrpc and each other only (not even types from the engine)', () => {
  const dir = path.join(ROOT, 'server/src/protocol');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ts'));
  assert.ok(files.includes('index.ts'));
  for (const file of files) {
    const src = fs.readFileSync(path.join(dir, file), 'utf8');
    const imports = [...src.matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?from\s+'([^']+)'/gm)].map((m) => m[2]!);
    for (const from of imports) assert.ok(from === 'vscode-jsonrpc' || /^\.\/[\w-]+$/.test(from), `${file} imports ${from}`);
  }
});

test('the extension bundle holds the extension, the protocol, the pure report renderer and vscode-jsonrpc, nothing native', () => {
  const meta = JSON.parse(fs.readFileSync(path.join(ROOT, 'dist/extension/meta.json'), 'utf8')) as { inputs: string[] };
  assert.ok(meta.inputs.includes('extension/src/extension.ts'));
  assert.ok(meta.inputs.includes('server/src/protocol/index.ts'));
  // The report panel reuses the report's writers, in the folder the engine shares with the extension (no native code).
  const renderer = /^server\/src\/report\/shared\//;
  const engine = meta.inputs.filter((p) => p.startsWith('server/') && !p.startsWith('server/src/protocol/') && !renderer.test(p));
  assert.deepEqual(engine, []);
  assert.deepEqual(
    meta.inputs.filter((p) => /onnxruntime|tree-sitter|protobufjs/.test(p)),
    [],
  );
  const bundle = fs.readFileSync(path.join(ROOT, 'dist/extension/extension.js'), 'utf8');
  assert.doesNotMatch(bundle, /require\(["'](onnxruntime-node|tree-sitter[^"']*)["']\)/);
  assert.match(bundle, /require\(["']vscode["']\)/);
});

test('the manifest: main is the bundle, commands are contributed under the Memaudit category, the dashboard view is declared', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    main: string;
    capabilities: { untrustedWorkspaces: { supported: string | boolean; description?: string } };
    contributes: { commands: { command: string; title: string; category: string }[]; views: Record<string, { id: string; type?: string }[]>; viewsContainers: { activitybar: { id: string; icon: string }[] } };
  };
  assert.equal(path.normalize(pkg.main), path.normalize('./dist/extension/extension.js'));
  const src = fs.readFileSync(path.join(ROOT, 'extension/src/commands.ts'), 'utf8');
  const registered = [...src.matchAll(/'(memaudit\.[a-zA-Z]+)'/g)].map((m) => m[1]!).filter((c) => c !== 'memaudit.auditRunning' && c !== 'memaudit.memaudit');
  const contributed = pkg.contributes.commands.map((c) => c.command);
  assert.deepEqual([...new Set(registered)].sort(), [...contributed].sort());
  for (const c of pkg.contributes.commands) assert.equal(c.category, 'Memaudit');
  assert.equal(pkg.contributes.commands.find((c) => c.command === 'memaudit.audit')!.title, 'Audit memorization');
  assert.deepEqual(pkg.contributes.views.memaudit, [{ type: 'webview', id: 'memaudit.dashboard', name: 'Dashboard' }]);
  assert.ok(fs.existsSync(path.join(ROOT, pkg.contributes.viewsContainers.activitybar[0]!.icon)));
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  assert.match(pkg.capabilities.untrustedWorkspaces.description ?? '', /untrusted/);
});
