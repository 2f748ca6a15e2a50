// The CSV reader: a table of inputs with the rows (and lines) they give, a table of bad inputs
// with the error each gives, and the streaming property — any split of the text into chunks
// gives the same rows as the whole text — plus a write → read round trip on random tables.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CsvParser, csvRows, detectDelimiter, parseCsvDelimiter } from '../../shared/datasets/csv-parser.js';
import type { CsvDelimiter, CsvOptions, CsvRow } from '../../shared/datasets/csv-parser.js';
import { ConfigError, DataError } from '../../shared/errors.js';
import { Rng } from '../../shared/rng.js';

/** [line, ...fields] per row, for compact tables. */
type Expected = (number | string)[][];
const flat = (rows: Iterable<CsvRow>): Expected => [...rows].map((r) => [r.line, ...r.fields]);

const good: [string, string, Expected, CsvOptions?][] = [
  [
    'plain rows',
    'a,b\n1,2\n3,4\n',
    [
      [1, 'a', 'b'],
      [2, '1', '2'],
      [3, '3', '4'],
    ],
  ],
  [
    'quoted header',
    '"timestamp","value"\n2020-01-01,1.5\n',
    [
      [1, 'timestamp', 'value'],
      [2, '2020-01-01', '1.5'],
    ],
  ],
  [
    'a delimiter inside quotes',
    'name,v\n"Smith, J",3\n',
    [
      [1, 'name', 'v'],
      [2, 'Smith, J', '3'],
    ],
  ],
  [
    'an escaped quote',
    'q,v\n"say ""hi""",1\n"""",2\n',
    [
      [1, 'q', 'v'],
      [2, 'say "hi"', '1'],
      [3, '"', '2'],
    ],
  ],
  [
    'a line end inside quotes counts as a line',
    'a,b\n"x\ny",1\nz,2\n',
    [
      [1, 'a', 'b'],
      [2, 'x\ny', '1'],
      [4, 'z', '2'],
    ],
  ],
  [
    'a CRLF inside quotes is kept and counts once',
    'a,b\r\n"x\r\ny",1\r\nz,2\r\n',
    [
      [1, 'a', 'b'],
      [2, 'x\r\ny', '1'],
      [4, 'z', '2'],
    ],
  ],
  [
    'a UTF-8 byte-order mark is dropped',
    '\ufeff"value"\n1\n',
    [
      [1, 'value'],
      [2, '1'],
    ],
  ],
  [
    '; detected from the header',
    'time;value\n1;2,5\n',
    [
      [1, 'time', 'value'],
      [2, '1', '2,5'],
    ],
  ],
  [
    'tab detected from the header',
    'time\tvalue\n1\t2\n',
    [
      [1, 'time', 'value'],
      [2, '1', '2'],
    ],
  ],
  [
    'CRLF line ends',
    'a,b\r\n1,2\r\n',
    [
      [1, 'a', 'b'],
      [2, '1', '2'],
    ],
  ],
  [
    'lone CR line ends (old Mac)',
    'a,b\r1,2\r3,4',
    [
      [1, 'a', 'b'],
      [2, '1', '2'],
      [3, '3', '4'],
    ],
  ],
  [
    'no final line end',
    'a,b\n1,2',
    [
      [1, 'a', 'b'],
      [2, '1', '2'],
    ],
  ],
  [
    'empty fields',
    'a,b,c\n,,\n1,,3\n',
    [
      [1, 'a', 'b', 'c'],
      [2, '', '', ''],
      [3, '1', '', '3'],
    ],
  ],
  [
    'spaces around quotes are ignored, inside kept',
    '"a" , " b "\n1,2\n',
    [
      [1, 'a', ' b '],
      [2, '1', '2'],
    ],
  ],
  [
    'a quote inside an unquoted field is text',
    'size,v\n5",1\n',
    [
      [1, 'size', 'v'],
      [2, '5"', '1'],
    ],
  ],
  [
    'a quoted empty field is a row, not a blank line',
    'v\n""\n1\n',
    [
      [1, 'v'],
      [2, ''],
      [3, '1'],
    ],
  ],
  [
    'blank lines at the end are fine',
    'a,b\n1,2\n\n  \n',
    [
      [1, 'a', 'b'],
      [2, '1', '2'],
    ],
  ],
  [
    'a delimiter inside a quoted header does not vote',
    '"a;b;c",d\n1,2\n',
    [
      [1, 'a;b;c', 'd'],
      [2, '1', '2'],
    ],
  ],
  [
    'a given delimiter wins over detection',
    'a;b,c\n1;2,5\n',
    [
      [1, 'a', 'b,c'],
      [2, '1', '2,5'],
    ],
    { delimiter: ';' },
  ],
  [
    'blank lines between rows, skipped',
    '\nv\n1\n\n2\n',
    [
      [2, 'v'],
      [3, '1'],
      [5, '2'],
    ],
    { blankLines: 'skip' },
  ],
  [
    'one column, no delimiter anywhere',
    '1\n2\n',
    [
      [1, '1'],
      [2, '2'],
    ],
  ],
  ['empty text', '', []],
];
for (const [name, text, rows, opts] of good) {
  test(`csvRows: ${name}`, () => assert.equal(flat(csvRows(text, 'x.csv', opts)), rows));
}

const bad: [string, string, number, RegExp, CsvOptions?][] = [
  ['a quote left open at the end, on the line it opened', 'a,b\n1,2\n"3,4\n5,6\n', 3, /quoted field opens here and is never closed/],
  ['a quote left open in the header', '"a,b\n1,2\n', 1, /never closed/],
  ['a short row', 'a,b\n1,2\n3\n', 3, /has 1 field; the first row \(line 1\) has 2/],
  ['a long row', 'a,b\n1,2,3\n', 2, /has 3 fields; the first row \(line 1\) has 2/],
  ['a ragged row after a multi-line field, on its own line', 'a,b\n"x\ny",1\n2\n', 4, /has 1 field/],
  ['text after a closing quote', 'a,b\n"x"y,1\n', 2, /field 1 has text after its closing quote/],
  ['a blank line between rows', 'a\n1\n\n2\n', 3, /is blank, between rows/],
  ['a blank line before the header', '\na\n1\n', 1, /is blank, between rows/],
];
for (const [name, text, line, re, opts] of bad) {
  test(`csvRows rejects ${name}`, () => {
    try {
      [...csvRows(text, 'x.csv', opts)];
      assert.unreachable('no error');
    } catch (e) {
      assert.instance(e, DataError);
      assert.is((e as DataError).line, line);
      assert.is((e as DataError).field, 'row');
      assert.match((e as Error).message, new RegExp(`^x\\.csv, line ${line}, field "row": `));
      assert.match((e as Error).message, re);
    }
  });
}

test('a quote left open in a stream is reported at its line once the row outgrows maxRowChars', () => {
  const p = new CsvParser('big.csv', { maxRowChars: 100 });
  p.push('v\n1\n"2\n');
  assert.throws(
    () => p.push('3\n'.repeat(60)),
    (e: unknown) => e instanceof DataError && e.line === 3 && /still open 100 characters later/.test(e.message),
  );
});

test('a line longer than maxRowChars without a quote is an error too', () => {
  const p = new CsvParser('one-line.bin', { maxRowChars: 50 });
  assert.throws(
    () => p.push('x'.repeat(60)),
    (e: unknown) => e instanceof DataError && e.line === 1 && /no line end within 50 characters/.test(e.message),
  );
});

const detections: [string, CsvDelimiter | undefined, boolean][] = [
  ['a,b;c,d\n', ',', false],
  ['a;b;c,d\n', ';', false],
  ['a\tb\n', '\t', false],
  ['value\n', ',', false],
  ['\n\n a;b\n', ';', false],
  ['a;b', undefined, false],
  ['a;b', ';', true],
];
for (const [text, want, final] of detections) {
  test(`detectDelimiter(${JSON.stringify(text)}, final=${final}) is ${JSON.stringify(want)}`, () => assert.is(detectDelimiter(text, final), want));
}

test('parseCsvDelimiter takes , ; and three spellings of tab; anything else is a ConfigError naming the flag', () => {
  assert.equal(
    [',', ';', 'tab', '\\t', '\t'].map((t) => parseCsvDelimiter(t)),
    [',', ';', '\t', '\t', '\t'],
  );
  assert.throws(
    () => parseCsvDelimiter('|', '--delimiter'),
    (e: unknown) => e instanceof ConfigError && /--delimiter: got "\|"; expected/.test(e.message),
  );
});

/** A random table as CSV text, quoting fields that need it, with the given line end. */
function randomCsv(rng: Rng, delimiter: CsvDelimiter, eol: string): { text: string; rows: string[][] } {
  const cols = 1 + rng.int(4);
  const alphabet = ['a', '1', '.', ' ', '"', ',', ';', '\t', '\n', '\r\n', '\r', 'é', '€', '𝄞'];
  const rows: string[][] = [];
  for (let r = 0, n = 1 + rng.int(12); r < n; r++) {
    rows.push(Array.from({ length: cols }, () => Array.from({ length: rng.int(6) }, () => alphabet[rng.int(alphabet.length)]).join('')));
  }
  const cell = (f: string) => (/["\r\n,;\t]|^ | $/.test(f) || f === '' ? `"${f.replace(/"/g, '""')}"` : f);
  return { text: rows.map((r) => r.map(cell).join(delimiter)).join(eol) + (rng.bernoulli(0.5) ? eol : ''), rows };
}

test('round trip: random tables written as CSV read back field for field (all delimiters and line ends)', () => {
  const rng = new Rng(5);
  for (let trial = 0; trial < 300; trial++) {
    const delimiter = ([',', ';', '\t'] as const)[trial % 3]!;
    const eol = ['\n', '\r\n', '\r'][rng.int(3)]!;
    const { text, rows } = randomCsv(rng, delimiter, eol);
    assert.equal(
      [...csvRows(text, 'r.csv', { delimiter })].map((r) => r.fields),
      rows,
      JSON.stringify(text),
    );
  }
});

test('streaming: every split of the text into chunks gives the same rows and lines as the whole text', () => {
  const rng = new Rng(9);
  for (let trial = 0; trial < 200; trial++) {
    const delimiter = ([',', ';', '\t'] as const)[trial % 3]!;
    const { text } = randomCsv(rng, delimiter, ['\n', '\r\n', '\r'][rng.int(3)]!);
    const whole = flat(csvRows('\ufeff' + text, 'r.csv'));
    const p = new CsvParser('r.csv');
    const got: CsvRow[] = [];
    let at = 0;
    const full = '\ufeff' + text;
    while (at < full.length) {
      const size = rng.bernoulli(0.5) ? 1 : 1 + rng.int(8);
      got.push(...p.push(full.slice(at, at + size)));
      at += size;
    }
    got.push(...p.end());
    assert.equal(flat(got), whole, JSON.stringify(text));
  }
});

test.run();
