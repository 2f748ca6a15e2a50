import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../shared/rng.js';
import { DataError } from '../../shared/errors.js';
import { ANOMALY_TYPES } from '../../shared/series/labels.js';
import { recordToJson, type SeriesRecord } from '../../shared/series/record.js';
import { formatJsonl, parseJsonl, readJsonl, writeJsonl } from '../../shared/datasets/jsonl.js';

function randomRecord(rng: Rng, i: number): SeriesRecord {
  const n = 1 + rng.int(50);
  const series = Float64Array.from({ length: n }, () => rng.normal(0, 3));
  const intervals: [number, number][] = [];
  for (let s = rng.int(5); s < n;) {
    const e = Math.min(n, s + 1 + rng.int(5));
    if (rng.bernoulli(0.4)) intervals.push([s, e]);
    s = e + rng.int(5);
  }
  const types = ANOMALY_TYPES.filter((t) => t !== 'normal');
  const type = intervals.length === 0 ? 'normal' : rng.bernoulli(0.2) ? 'unknown' : types[rng.int(types.length)]!;
  return { id: `r${i}`, series, intervals, type, ...(rng.bernoulli(0.5) ? { task: 'range' } : {}) };
}

test('format → parse gives back the same records, value for value (doubles round-trip exactly)', () => {
  const rng = new Rng(3);
  const records = Array.from({ length: 30 }, (_, i) => randomRecord(rng, i));
  const back = parseJsonl(formatJsonl(records));
  assert.equal(back.map(recordToJson), records.map(recordToJson));
  assert.ok(back.every((r) => r.series instanceof Float64Array));
});

test('parse → format → parse is a fixed point on hand-written text', () => {
  const text = '{"id":"a","series":[1,2.5,-3],"intervals":[[1,2]],"type":"trend","task":"trend"}\n{"id":"b","series":[0],"intervals":[],"type":"normal"}\n';
  assert.is(formatJsonl(parseJsonl(text)), text);
});

test('blank lines are skipped but still counted for line numbers', () => {
  const text = '\n{"id":"a","series":[1],"intervals":[],"type":"normal"}\n   \n{"id":"b","series":[],"intervals":[],"type":"normal"}\n';
  try {
    parseJsonl(text, 'blank.jsonl');
    assert.unreachable('empty series must be rejected');
  } catch (err) {
    assert.instance(err, DataError);
    assert.is((err as DataError).line, 4);
  }
  assert.is(parseJsonl('\n\n{"id":"a","series":[1],"intervals":[],"type":"normal"}\n\n').length, 1);
});

test('a duplicate id is one error naming both lines', () => {
  const line = (id: string) => JSON.stringify({ id, series: [1], intervals: [], type: 'normal' });
  const text = [line('x'), line('y'), '', line('x')].join('\n');
  try {
    parseJsonl(text, 'dup.jsonl');
    assert.unreachable();
  } catch (err) {
    assert.instance(err, DataError);
    const e = err as DataError;
    assert.is(e.line, 4);
    assert.is(e.field, 'id');
    assert.match(e.message, /dup\.jsonl, line 4, field "id"/);
    assert.match(e.message, /first on line 1, again on line 4/);
  }
});

test('formatJsonl refuses records that could not be read back', () => {
  const ok: SeriesRecord = { id: 'a', series: Float64Array.from([1]), intervals: [], type: 'normal' };
  assert.throws(
    () => formatJsonl([ok, ok], 'out.jsonl'),
    (e: unknown) => e instanceof DataError && /duplicate id "a"/.test(e.message),
  );
  assert.throws(
    () => formatJsonl([{ ...ok, intervals: [[0, 1]] }], 'out.jsonl'),
    (e: unknown) => e instanceof DataError && /"normal" but intervals/.test(e.message),
  );
});

test('writeJsonl creates the directory and readJsonl reads the file back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'anomseer-jsonl-'));
  try {
    const rng = new Rng(9);
    const records = Array.from({ length: 5 }, (_, i) => randomRecord(rng, i));
    const path = join(dir, 'sub', 'out.jsonl');
    writeJsonl(path, records);
    assert.is(readFileSync(path, 'utf8').split('\n').length, 6, 'five lines and a final newline');
    assert.equal(readJsonl(path).map(recordToJson), records.map(recordToJson));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('intervalTypes round-trip through format and parse, and records without them print no key', () => {
  const multi: SeriesRecord = {
    id: 'm',
    series: Float64Array.from([0, 9, 0, 1, 2, 3, 0]),
    intervals: [
      [1, 2],
      [3, 6],
    ],
    type: 'trend',
    task: 'multi-type',
    intervalTypes: ['global point', 'trend'],
  };
  const plain: SeriesRecord = { id: 'p', series: Float64Array.from([1]), intervals: [], type: 'normal' };
  const text = formatJsonl([multi, plain]);
  assert.is(
    text.split('\n')[0],
    '{"id":"m","series":[0,9,0,1,2,3,0],"intervals":[[1,2],[3,6]],"type":"trend","task":"multi-type","intervalTypes":["global point","trend"]}',
  );
  assert.not.match(text.split('\n')[1], /intervalTypes/);
  const back = parseJsonl(text);
  assert.equal(back.map(recordToJson), [multi, plain].map(recordToJson));
  assert.equal(back[0].intervalTypes, ['global point', 'trend']);
  assert.is(back[1].intervalTypes, undefined);
});

const typesLine = (patch: Record<string, unknown>) =>
  JSON.stringify({ id: 'a', series: [0, 5, 0, 0], intervals: [[1, 2]], type: 'global point', intervalTypes: ['global point'], ...patch });
const typeErrors: [string, string, RegExp][] = [
  ['not an array', typesLine({ intervalTypes: 'global point' }), /t\.jsonl, line 2, field "intervalTypes": must be an array/],
  ['one type too many', typesLine({ intervalTypes: ['global point', 'trend'] }), /field "intervalTypes": has 2 entries but there are 1 intervals/],
  ['a type that is not a label', typesLine({ intervalTypes: [3] }), /field "intervalTypes": entry 0 is 3; allowed:/],
  ['a record type other than the dominant one', typesLine({ type: 'trend' }), /field "type": is "trend" but intervalTypes make it "global point"/],
];
for (const [name, line, re] of typeErrors) {
  test(`parseJsonl rejects intervalTypes with ${name}, naming file, line and field`, () => {
    try {
      parseJsonl('\n' + line + '\n', 't.jsonl');
      assert.unreachable('should throw');
    } catch (err) {
      assert.instance(err, DataError);
      assert.match((err as Error).message, re);
    }
  });
}

test('an empty file holds no records', () => {
  assert.equal(parseJsonl(''), []);
  assert.is(formatJsonl([]), '');
});

test.run();
