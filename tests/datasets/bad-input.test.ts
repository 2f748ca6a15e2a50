// Every kind of bad input gives ONE error of the right class whose message names the
// file, the 1-based line and the field — loaded end to end through a spec string.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { AnomseerError, ConfigError, DataError } from '../../shared/errors.js';
import { loadDataSpec, loadDataSpecSync } from '../../shared/datasets/spec.js';

interface Case {
  readonly name: string;
  /** Files to create, relative to the case's own temp dir. */
  readonly files: Readonly<Record<string, string>>;
  readonly spec: string;
  readonly cls: typeof DataError | typeof ConfigError;
  /** Expected `file` (DataError): the path must end with this. */
  readonly file?: string;
  readonly line?: number;
  readonly field?: string;
  readonly message: RegExp;
}

const J = (o: unknown) => JSON.stringify(o);
const rec = (over: Record<string, unknown> = {}) => J({ id: 'a', series: [1, 2, 3], intervals: [[1, 2]], type: 'trend', ...over });
const NAB_LABELS = J({ 'f/s.csv': [['2014-01-01 00:05:00.000000', '2014-01-01 00:10:00.000000']], 'f/absent.csv': [] });
const nab = (csv: string, labels = NAB_LABELS): Record<string, string> => ({ 'n/labels/combined_windows.json': labels, 'n/data/f/s.csv': csv });
const GOOD_NAB = 'timestamp,value\n2014-01-01 00:00:00,1\n2014-01-01 00:05:00,2\n2014-01-01 00:10:00,3\n';
const UCR = '001_UCR_Anomaly_x_2_3_4.txt';

const cases: Case[] = [
  // JSONL
  { name: 'jsonl: missing file', files: {}, spec: 'jsonl:nope.jsonl', cls: DataError, file: 'nope.jsonl', message: /does not exist/ },
  {
    name: 'jsonl: malformed JSON',
    files: { 'd.jsonl': `${rec()}\n{"id": "b", series: [1]}\n` },
    spec: 'jsonl:d.jsonl',
    cls: DataError,
    file: 'd.jsonl',
    line: 2,
    message: /malformed JSON/,
  },
  {
    name: 'jsonl: null value (a NaN written by a sloppy writer)',
    files: { 'd.jsonl': rec({ series: [1, null, 3] }) },
    spec: 'jsonl:d.jsonl',
    cls: DataError,
    file: 'd.jsonl',
    line: 1,
    field: 'series',
    message: /value 1 is null/,
  },
  {
    name: 'jsonl: text value',
    files: { 'd.jsonl': rec({ series: [1, 'abc', 3] }) },
    spec: 'jsonl:d.jsonl',
    cls: DataError,
    line: 1,
    field: 'series',
    message: /value 1 is "abc"/,
  },
  {
    name: 'jsonl: overflowing value',
    files: { 'd.jsonl': '{"id":"a","series":[1,1e999],"intervals":[],"type":"normal"}' },
    spec: 'jsonl:d.jsonl',
    cls: DataError,
    line: 1,
    field: 'series',
    message: /value 1 is Infinity/,
  },
  {
    name: 'jsonl: empty series',
    files: { 'd.jsonl': `\n${rec({ series: [], intervals: [], type: 'normal' })}` },
    spec: 'jsonl:d.jsonl',
    cls: DataError,
    line: 2,
    field: 'series',
    message: /is empty/,
  },
  {
    name: 'jsonl: interval out of range',
    files: { 'd.jsonl': rec({ intervals: [[1, 9]] }) },
    spec: 'jsonl:d.jsonl',
    cls: DataError,
    line: 1,
    field: 'intervals',
    message: /outside \[0, 3\)/,
  },
  {
    name: 'jsonl: start >= end',
    files: { 'd.jsonl': rec({ intervals: [[2, 2]] }) },
    spec: 'jsonl:d.jsonl',
    cls: DataError,
    line: 1,
    field: 'intervals',
    message: /start >= end/,
  },
  {
    name: 'jsonl: interval not a pair',
    files: { 'd.jsonl': rec({ intervals: [[1, 2, 3]] }) },
    spec: 'jsonl:d.jsonl',
    cls: DataError,
    line: 1,
    field: 'intervals',
    message: /expected \[start, end\]/,
  },
  {
    name: 'jsonl: unknown type',
    files: { 'd.jsonl': rec({ type: 'spike' }) },
    spec: 'jsonl:d.jsonl',
    cls: DataError,
    line: 1,
    field: 'type',
    message: /"spike" is not one of the six labels/,
  },
  {
    name: 'jsonl: misspelt key',
    files: { 'd.jsonl': `${rec({ id: 'b' })}\n${rec({ interval: [] })}` },
    spec: 'jsonl:d.jsonl',
    cls: DataError,
    line: 2,
    field: 'interval',
    message: /not a record field/,
  },
  {
    name: 'jsonl: duplicate id',
    files: { 'd.jsonl': `${rec()}\n${rec()}` },
    spec: 'jsonl:d.jsonl',
    cls: DataError,
    line: 2,
    field: 'id',
    message: /duplicate id "a" \(first on line 1, again on line 2\)/,
  },
  { name: 'jsonl: no records at all', files: { 'd.jsonl': '\n\n' }, spec: 'jsonl:d.jsonl', cls: DataError, file: 'd.jsonl', message: /holds no records/ },
  // NAB
  { name: 'nab: missing root', files: {}, spec: 'nab:n', cls: DataError, file: 'n', message: /NAB root directory does not exist/ },
  {
    name: 'nab: missing labels file',
    files: { 'n/data/f/s.csv': GOOD_NAB },
    spec: 'nab:n',
    cls: DataError,
    file: 'combined_windows.json',
    message: /does not exist/,
  },
  {
    name: 'nab: malformed labels JSON',
    files: nab(GOOD_NAB, '{"f/s.csv": [}'),
    spec: 'nab:n',
    cls: DataError,
    file: 'combined_windows.json',
    message: /malformed JSON/,
  },
  {
    name: 'nab: a window that is not a pair',
    files: nab(GOOD_NAB, '{\n"f/s.csv": [\n["2014-01-01 00:05:00"]]}'),
    spec: 'nab:n',
    cls: DataError,
    file: 'combined_windows.json',
    line: 2,
    field: 'f/s.csv',
    message: /window 0/,
  },
  {
    name: 'nab: a window that starts after it ends',
    files: nab(GOOD_NAB, J({ 'f/s.csv': [['2014-01-01 00:10:00', '2014-01-01 00:05:00']] })),
    spec: 'nab:n',
    cls: DataError,
    line: 1,
    field: 'f/s.csv',
    message: /starts after it ends/,
  },
  {
    name: 'nab: a window that covers no row',
    files: nab(GOOD_NAB, J({ 'f/s.csv': [['2015-01-01 00:00:00', '2015-01-02 00:00:00']] })),
    spec: 'nab:n',
    cls: DataError,
    file: 'combined_windows.json',
    line: 1,
    field: 'f/s.csv',
    message: /covers no row of .*s\.csv/,
  },
  {
    name: 'nab: a CSV with no key in the labels file',
    files: { ...nab(GOOD_NAB), 'n/data/f/extra.csv': GOOD_NAB },
    spec: 'nab:n',
    cls: DataError,
    file: 'extra.csv',
    message: /has no entry "f\/extra\.csv"/,
  },
  {
    name: 'nab: text value',
    files: nab(GOOD_NAB.replace(',2\n', ',abc\n')),
    spec: 'nab:n',
    cls: DataError,
    file: 's.csv',
    line: 3,
    field: 'value',
    message: /"abc" is not a finite number/,
  },
  {
    name: 'nab: NaN value',
    files: nab(GOOD_NAB.replace(',3\n', ',NaN\n')),
    spec: 'nab:n',
    cls: DataError,
    file: 's.csv',
    line: 4,
    field: 'value',
    message: /"NaN" is not a finite number/,
  },
  {
    name: 'nab: inf value',
    files: nab(GOOD_NAB.replace(',1\n', ',inf\n')),
    spec: 'nab:n',
    cls: DataError,
    file: 's.csv',
    line: 2,
    field: 'value',
    message: /"inf"/,
  },
  {
    name: 'nab: empty value',
    files: nab(GOOD_NAB.replace(',2\n', ',\n')),
    spec: 'nab:n',
    cls: DataError,
    file: 's.csv',
    line: 3,
    field: 'value',
    message: /is empty/,
  },
  {
    name: 'nab: wrong number of columns',
    files: nab(GOOD_NAB.replace(',2\n', ',2,7\n')),
    spec: 'nab:n',
    cls: DataError,
    file: 's.csv',
    line: 3,
    field: 'row',
    message: /has 3 fields; the first row \(line 1\) has 2/,
  },
  {
    name: 'nab: bad timestamp',
    files: nab(GOOD_NAB.replace('00:05:00', '00:05')),
    spec: 'nab:n',
    cls: DataError,
    file: 's.csv',
    line: 3,
    field: 'timestamp',
    message: /is not a timestamp/,
  },
  {
    name: 'nab: rows out of time order',
    files: nab('timestamp,value\n2014-01-01 00:10:00,1\n2014-01-01 00:05:00,2\n'),
    spec: 'nab:n',
    cls: DataError,
    line: 3,
    field: 'timestamp',
    message: /earlier than the row before/,
  },
  {
    name: 'nab: wrong header',
    files: nab('time,val\n2014-01-01 00:00:00,1\n'),
    spec: 'nab:n',
    cls: DataError,
    file: 's.csv',
    line: 1,
    field: 'header',
    message: /starts with "timestamp,value"/,
  },
  {
    name: 'nab: header only (empty series)',
    files: nab('timestamp,value\n'),
    spec: 'nab:n',
    cls: DataError,
    file: 's.csv',
    line: 2,
    message: /series is empty/,
  },
  // UCR
  { name: 'ucr: missing file', files: {}, spec: `ucr:${UCR}`, cls: DataError, file: UCR, message: /does not exist/ },
  {
    name: 'ucr: name not matching the pattern',
    files: { 'u/001_UCR_Anomaly_x_2_3_4.txt': '1\n2\n3\n4\n', 'u/readme.txt': 'hi' },
    spec: 'ucr:u',
    cls: DataError,
    file: 'readme.txt',
    field: 'file name',
    message: /"readme\.txt" does not match NNN_UCR_Anomaly_<name>_<trainEnd>_<anomStart>_<anomEnd>\.txt/,
  },
  {
    name: 'ucr: text value',
    files: { [UCR]: '1\n2\nabc\n4\n' },
    spec: `ucr:${UCR}`,
    cls: DataError,
    file: UCR,
    line: 3,
    field: 'value',
    message: /"abc" is not a finite number.*value 3 of the series/,
  },
  {
    name: 'ucr: NaN among values on one line',
    files: { [UCR]: '  1.0  2.0  NaN  4.0\n' },
    spec: `ucr:${UCR}`,
    cls: DataError,
    line: 1,
    field: 'value',
    message: /"NaN".*value 3 of the series/,
  },
  { name: 'ucr: empty file', files: { [UCR]: '\n \n' }, spec: `ucr:${UCR}`, cls: DataError, file: UCR, line: 1, field: 'value', message: /series is empty/ },
  {
    name: 'ucr: anomaly past the end of the series',
    files: { [UCR]: '1\n2\n3\n' },
    spec: `ucr:${UCR}`,
    cls: DataError,
    file: UCR,
    field: 'anomEnd',
    message: /anomEnd 4 .* past the end of the series \(3 values\)/,
  },
  { name: 'ucr: directory without .txt files', files: { 'u/x.csv': '1\n' }, spec: 'ucr:u', cls: DataError, file: 'u', message: /holds no \.txt files/ },
  // TSB
  { name: 'tsb: missing directory', files: {}, spec: 'tsb:nodir', cls: DataError, file: 'nodir', message: /does not exist/ },
  { name: 'tsb: directory without .csv files', files: { 't/a.txt': '1,0\n' }, spec: 'tsb:t', cls: DataError, file: 't', message: /holds no \.csv files/ },
  {
    name: 'tsb: NaN value',
    files: { 't.csv': 'Data,Label\n1,0\nNaN,0\n' },
    spec: 'tsb:t.csv',
    cls: DataError,
    file: 't.csv',
    line: 3,
    field: 'Data',
    message: /"NaN" is not a finite number.*tsb:<path>#<column>/,
  },
  {
    name: 'tsb: text in a selected column',
    files: { 't.csv': 'a,b,Label\n1,2,0\n1,x,0\n' },
    spec: 'tsb:t.csv#b',
    cls: DataError,
    line: 3,
    field: 'b',
    message: /"x" is not a finite number/,
  },
  { name: 'tsb: empty value', files: { 't.csv': 'Data,Label\n1,0\n,0\n' }, spec: 'tsb:t.csv', cls: DataError, line: 3, field: 'Data', message: /is empty/ },
  { name: 'tsb: inf value without header', files: { 't.out': '1,0\ninf,0\n' }, spec: 'tsb:t.out', cls: DataError, line: 2, field: 'value', message: /"inf"/ },
  {
    name: 'tsb: label other than 0/1',
    files: { 't.csv': 'Data,Label\n1,0\n2,2\n' },
    spec: 'tsb:t.csv',
    cls: DataError,
    file: 't.csv',
    line: 3,
    field: 'Label',
    message: /"2" is not a label/,
  },
  {
    name: 'tsb: label as text',
    files: { 't.csv': 'Data,Label\n1,yes\n' },
    spec: 'tsb:t.csv',
    cls: DataError,
    line: 2,
    field: 'Label',
    message: /"yes" is not a label/,
  },
  {
    name: 'tsb: wrong number of columns',
    files: { 't.csv': 'Data,Label\n1,0\n2,0,5\n' },
    spec: 'tsb:t.csv',
    cls: DataError,
    line: 3,
    field: 'row',
    message: /has 3 fields; the first row \(line 1\) has 2/,
  },
  {
    name: 'tsb: no Label column',
    files: { 't.csv': 'Data,Value\n1,0\n' },
    spec: 'tsb:t.csv',
    cls: DataError,
    line: 1,
    field: 'Label',
    message: /no Label column/,
  },
  {
    name: 'tsb: header only (empty series)',
    files: { 't.csv': 'Data,Label\n' },
    spec: 'tsb:t.csv',
    cls: DataError,
    line: 2,
    field: 'Data',
    message: /series is empty/,
  },
  {
    name: 'tsb: three columns and no header',
    files: { 't.out': '1,2,0\n' },
    spec: 'tsb:t.out',
    cls: DataError,
    line: 1,
    field: 'row',
    message: /3 columns and no header/,
  },
  // Spec strings
  {
    name: 'spec: unknown prefix',
    files: {},
    spec: 'csv:x.csv',
    cls: ConfigError,
    field: 'data spec',
    message: /unknown prefix "csv".*jsonl:<path>, nab:<dir>, ucr:<file\|dir>, tsb:<file\|dir>\[#<column>\], anomllm:/,
  },
  { name: 'spec: no prefix', files: {}, spec: 'x.jsonl', cls: ConfigError, message: /"x\.jsonl" is not a data spec; valid forms/ },
  { name: 'spec: empty path', files: {}, spec: 'nab:', cls: ConfigError, message: /no path after "nab:"/ },
  { name: 'spec: anomllm bad split', files: {}, spec: 'anomllm:test', cls: ConfigError, message: /split "test" must be train or eval/ },
  {
    name: 'spec: anomllm unknown task',
    files: {},
    spec: 'anomllm:eval?tasks=range,spikes',
    cls: ConfigError,
    message: /unknown task "spikes"; valid tasks: range, point/,
  },
  { name: 'spec: anomllm bad count', files: {}, spec: 'anomllm:eval?count=-3', cls: ConfigError, message: /count=-3 must be an integer in \[1, 1000000\]/ },
  {
    name: 'spec: anomllm unknown option',
    files: {},
    spec: 'anomllm:eval?cnt=3',
    cls: ConfigError,
    message: /unknown option "cnt"; allowed: count, tasks, seed, length/,
  },
];

const root = mkdtempSync(join(tmpdir(), 'anomseer-bad-'));

cases.forEach((c, k) => {
  test(`${c.name} → ${c.cls.name}${c.line !== undefined ? ` at line ${c.line}` : ''}${c.field !== undefined ? `, field ${c.field}` : ''}`, () => {
    const dir = join(root, String(k));
    mkdirSync(dir, { recursive: true });
    for (const [rel, text] of Object.entries(c.files)) {
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      writeFileSync(join(dir, rel), text);
    }
    let caught: unknown;
    try {
      loadDataSpecSync(c.spec, { baseDir: dir });
    } catch (err) {
      caught = err;
    }
    assert.ok(caught !== undefined, 'expected an error, got records');
    assert.instance(caught, c.cls);
    const e = caught as AnomseerError;
    assert.match(e.message, c.message);
    assert.not.match(e.message, /\n\s+at /, 'no stack trace in the message');
    if (e instanceof DataError) {
      if (c.file !== undefined) {
        assert.ok(e.file.endsWith(c.file), `file ${e.file} ends with ${c.file}`);
        assert.ok(e.message.startsWith(e.file), 'the message starts with the file');
      }
      assert.is(e.line, c.line, 'line');
      if (c.line !== undefined) assert.match(e.message, new RegExp(`line ${c.line}\\b`));
      if (c.field !== undefined) {
        assert.is(e.field, c.field, 'field');
        assert.ok(e.message.includes(`field "${c.field}"`));
      }
    } else if (c.field !== undefined) {
      assert.is((e as ConfigError).field, c.field);
    }
  });
});

test('the async loader rejects with the same error', async () => {
  try {
    await loadDataSpec('jsonl:does-not-exist.jsonl', { baseDir: root });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, DataError);
    assert.match((err as DataError).message, /does-not-exist\.jsonl: JSONL file does not exist/);
  }
});

test.after(() => rmSync(root, { recursive: true, force: true }));

test.run();
