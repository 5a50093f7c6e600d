/** Signal exports (RFC 4180 CSV, JSON Lines) and the atomic write the report files go through. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { ERROR_CODES } from '../../../server/src/errors';
import { writeFileAtomic } from '../../../server/src/report';
import { csvField, signalsToCsv, signalsToJsonl } from '../../../server/src/report/csv';

/** An RFC 4180 reader (quoted fields, doubled quotes, CRLF records) to read the output back. */
function readCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (c === '"') {
        quoted = false;
        i++;
      } else {
        field += c;
        i++;
      }
    } else if (c === '"') {
      assert.equal(field, '', 'a quote only opens a field');
      quoted = true;
      i++;
    } else if (c === ',') {
      record.push(field);
      field = '';
      i++;
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += 2;
    } else {
      assert.ok(c !== '\n' && c !== '\r', 'bare line breaks only inside quotes');
      field += c;
      i++;
    }
  }
  assert.equal(quoted, false);
  assert.deepEqual(record, [], 'the last record ends with CRLF');
  return records;
}

test('CSV fields: quoting only where RFC 4180 needs it, doubled quotes, numbers in full', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\nlines'), '"two\nlines"');
  assert.equal(csvField('cr\rhere'), '"cr\rhere"');
  assert.equal(csvField(' padded'), '" padded"');
  assert.equal(csvField(''), '');
  assert.equal(csvField(0.1 + 0.2), '0.30000000000000004');
  assert.equal(csvField(-0), '0');
  assert.equal(csvField(Number.NaN), '');
  assert.equal(csvField(Infinity), 'inf');
  assert.equal(csvField(-Infinity), '-inf');
  assert.equal(csvField(1e-12), '1e-12');
});

test('signalsToCsv: header, CRLF records, and reads back to the same cells', () => {
  const columns = ['sampleId', 'file', 'name', 'aum', 'forgetting'];
  const rows = [
    ['s1', 'src/a,b/X.java', 'run', -1.25, 3],
    ['s2', 'src/"quoted".py', 'multi\nline', Number.NaN, 0],
    ['s3', 'ünïcødé/ß.rb', '', 0.5, 10],
  ];
  const csv = signalsToCsv(columns, rows);
  assert.ok(csv.startsWith('sampleId,file,name,aum,forgetting\r\n'));
  assert.ok(csv.endsWith('\r\n'));
  assert.deepEqual(readCsv(csv), [columns, ['s1', 'src/a,b/X.java', 'run', '-1.25', '3'], ['s2', 'src/"quoted".py', 'multi\nline', '', '0'], ['s3', 'ünïcødé/ß.rb', '', '0.5', '10']]);
  assert.equal(signalsToCsv(['a'], []), 'a\r\n');
});

test('signalsToJsonl: one object per row in column order, non-finite numbers as null', () => {
  const jsonl = signalsToJsonl(['id', 'aum', 'loss'], [
    ['s1', -1.5, Infinity],
    ['s"2', Number.NaN, 0.25],
  ]);
  const lines = jsonl.split('\n');
  assert.equal(lines.pop(), '');
  assert.deepEqual(lines.map((l) => JSON.parse(l)), [
    { id: 's1', aum: -1.5, loss: null },
    { id: 's"2', aum: null, loss: 0.25 },
  ]);
  assert.deepEqual(Object.keys(JSON.parse(lines[0]!)), ['id', 'aum', 'loss']);
  assert.equal(signalsToJsonl(['a'], []), '');
});

test('a row of the wrong length is an internal error naming the row', () => {
  for (const fn of [signalsToCsv, signalsToJsonl]) {
    assert.throws(
      () => fn(['a', 'b'], [['x', 1], ['y']]),
      (e: unknown) => (e as { code?: string }).code === ERROR_CODES.INTERNAL && /row 1 has 1 cells for 2 columns/.test((e as Error).message),
    );
  }
});

test('writeFileAtomic: creates folders, replaces whole files, leaves no temporary file', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memaudit-atomic-'));
  try {
    const file = path.join(dir, 'runs', 'r1', 'report.json');
    await writeFileAtomic(file, '{"a":1}\n');
    assert.equal(fs.readFileSync(file, 'utf8'), '{"a":1}\n');
    await writeFileAtomic(file, new Uint8Array([0x7b, 0x7d]));
    assert.equal(fs.readFileSync(file, 'utf8'), '{}');
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['report.json']);
    // A folder in the way of the target: the rename fails, the error propagates, nothing is left behind.
    const blocked = path.join(dir, 'blocked');
    fs.mkdirSync(path.join(blocked, 'report.html'), { recursive: true });
    await assert.rejects(writeFileAtomic(path.join(blocked, 'report.html'), 'x'));
    assert.deepEqual(fs.readdirSync(blocked), ['report.html']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
