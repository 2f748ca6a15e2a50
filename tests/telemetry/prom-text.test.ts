// The strict exposition parser the metrics tests rely on: what it accepts, what it refuses.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { PromTextError, parsePromText, parseValue, valueOf } from './prom-text.js';

test('values are Go floats: decimals, exponents, NaN, +Inf, -Inf (any case, as strconv.ParseFloat)', () => {
  const cases: [string, number][] = [
    ['0', 0],
    ['-1.5', -1.5],
    ['1e-3', 0.001],
    ['2.5E+2', 250],
    ['.5', 0.5],
    ['+Inf', Infinity],
    ['-Inf', -Infinity],
  ];
  for (const [text, want] of cases) assert.is(parseValue(text), want, text);
  assert.ok(Number.isNaN(parseValue('NaN')));
  for (const t of ['Nan', 'nan']) assert.ok(Number.isNaN(parseValue(t)), t);
  assert.is(parseValue('inf'), Infinity);
  for (const bad of ['', 'abc', '1,5', '1e', '--1', 'Infinit'])
    assert.throws(
      () => parseValue(bad),
      (e: unknown) => e instanceof PromTextError,
      bad,
    );
});

test('HELP, TYPE, labels with escapes, timestamps', () => {
  const text = [
    '# HELP a_total A \\\\ counter\\nwith two lines',
    '# TYPE a_total counter',
    'a_total{path="/x",msg="say \\"hi\\"\\n\\\\"} 3 1700000000000',
    'a_total{path="/y",} 4',
    '# a comment',
    'b 1',
    '',
  ].join('\n');
  const f = parsePromText(text);
  const a = f.get('a_total')!;
  assert.is(a.type, 'counter');
  assert.is(a.help, 'A \\ counter\nwith two lines');
  assert.equal(a.samples[0]!.labels, { path: '/x', msg: 'say "hi"\n\\' });
  assert.is(a.samples[0]!.timestampMs, 1700000000000);
  assert.is(valueOf(f, 'a_total', { path: '/y' }), 4);
  assert.is(f.get('b')!.type, 'untyped');
});

const refusals: [string, string, RegExp][] = [
  ['no trailing newline', 'a 1', /newline/],
  ['bad metric name', '1a 1\n', /expected a metric name|invalid/],
  ['bad label escape', 'a{x="\\t"} 1\n', /invalid escape/],
  ['unterminated label', 'a{x="1} 1\n', /unterminated|expected/],
  ['repeated label', 'a{x="1",x="2"} 1\n', /repeated/],
  ['reserved label', 'a{__name__="x"} 1\n', /reserved/],
  ['bad value', 'a 1,0\n', /not a float/],
  ['missing value', 'a{x="1"}\n', /expected/],
  ['duplicate series', 'a{x="1"} 1\na{x="1"} 2\n', /twice/],
  ['interleaved families', 'a 1\nb 1\na{x="2"} 1\n', /contiguous/],
  ['unknown type', '# TYPE a gauges\na 1\n', /TYPE/],
  ['type after samples', 'a 1\n# TYPE a gauge\n', /TYPE/],
  ['counter without _total', '# TYPE a counter\na 1\n', /_total/],
  ['negative counter', '# TYPE a_total counter\na_total -1\n', /counter/],
  ['histogram not ending at +Inf', '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n', /\+Inf/],
  ['histogram le not increasing', '# TYPE h histogram\nh_bucket{le="2"} 1\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n', /increasing/],
  ['histogram counts decreasing', '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n', /decrease/],
  ['histogram count != +Inf bucket', '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n', /_count/],
  ['histogram without _sum', '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_count 2\n', /_sum/],
];
for (const [what, text, message] of refusals) {
  test(`refuses: ${what}`, () => {
    try {
      parsePromText(text);
      assert.unreachable('parsed');
    } catch (err) {
      assert.instance(err, PromTextError);
      assert.match((err as Error).message, message);
    }
  });
}

test('round trip: what prom-client writes parses, with the values it holds', async () => {
  const r = new Registry();
  const c = new Counter({ name: 'x_events_total', help: 'events "quoted" \\ back', labelNames: ['kind'], registers: [r] });
  const g = new Gauge({ name: 'x_level', help: 'level', registers: [r] });
  const h = new Histogram({ name: 'x_seconds', help: 'durations', labelNames: ['method'], buckets: [0.1, 1], registers: [r] });
  c.inc({ kind: 'a"b\\c\nd' }, 2);
  g.set(NaN);
  h.observe({ method: 'M' }, 0.05);
  h.observe({ method: 'M' }, 5);
  const f = parsePromText(await r.metrics());
  assert.is(valueOf(f, 'x_events_total', { kind: 'a"b\\c\nd' }), 2);
  assert.ok(Number.isNaN(valueOf(f, 'x_level')));
  assert.is(valueOf(f, 'x_seconds_count', { method: 'M' }), 2);
  assert.is(valueOf(f, 'x_seconds_bucket', { method: 'M', le: '0.1' }), 1);
  assert.is(valueOf(f, 'x_seconds_bucket', { method: 'M', le: '+Inf' }), 2);
  assert.is(f.get('x_seconds')!.type, 'histogram');
});

test.run();
