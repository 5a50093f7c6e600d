/** The engine's bounded JSON-RPC reader (issue 13 case 5): size cap, error report, resynchronization. */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { BoundedMessageReader, type RejectedMessage } from '../../../server/src/rpc/bounded-reader';

function reader(max?: number) {
  const input = new PassThrough();
  const messages: unknown[] = [];
  const rejected: RejectedMessage[] = [];
  const r = new BoundedMessageReader(input, (x) => rejected.push(x), max);
  r.listen((m) => messages.push(m));
  return { input, messages, rejected };
}

const frame = (body: string) => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
const tick = () => new Promise((r) => setImmediate(r));

test('messages split anywhere across chunks are read whole, UTF-8 included', async () => {
  const { input, messages, rejected } = reader();
  const text = frame('{"jsonrpc":"2.0","method":"a","params":"é漢"}') + frame('{"jsonrpc":"2.0","method":"b"}');
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += 3) input.write(bytes.subarray(i, i + 3));
  await tick();
  assert.deepEqual(messages, [
    { jsonrpc: '2.0', method: 'a', params: 'é漢' },
    { jsonrpc: '2.0', method: 'b' },
  ]);
  assert.deepEqual(rejected, []);
});

test('a declared length over the cap is refused at once, and the next message is read', async () => {
  const { input, messages, rejected } = reader(1000);
  input.write('Content-Length: 99999999999999\r\n\r\n{"jsonrpc":"2.0","id":1,"method":"x"');
  input.write('garbage without a header ');
  const ok = frame('{"jsonrpc":"2.0","method":"ok"}');
  input.write(ok.slice(0, 11));
  input.write(ok.slice(11));
  await tick();
  assert.equal(rejected.length, 1);
  assert.equal(rejected[0]!.code, -32600);
  assert.match(rejected[0]!.message, /99999999999999 bytes is over the engine's limit of 1000 bytes/);
  assert.deepEqual(messages, [{ jsonrpc: '2.0', method: 'ok' }]);
});

test('a bad header, a body that is not JSON or not an object: an error each, reading goes on', async () => {
  const { input, messages, rejected } = reader();
  input.write('Content-Length: -5\r\n\r\n');
  input.write(frame('{"method":"a"}'));
  input.write(frame('not json'));
  input.write(frame('[1,2]'));
  input.write(`X-Other: 1\r\n\r\n${frame('{"method":"b"}')}`);
  input.write(`${'x'.repeat(9000)}${frame('{"method":"c"}')}`);
  await tick();
  assert.deepEqual(messages, [{ method: 'a' }, { method: 'b' }, { method: 'c' }]);
  assert.deepEqual(
    rejected.map((r) => r.code),
    [-32600, -32700, -32600, -32600, -32600],
  );
});
