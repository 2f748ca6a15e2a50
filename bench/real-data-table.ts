/**
 * The tables of the real-data benchmark (bench/real-data.ts), as pure functions of the
 * records and two models' predictions. Every number comes from the eval scorer
 * (shared/eval/score.ts `scoreAll`: per-series point-wise, affiliation and IoU, class accuracy
 * over records of known type); this file only lays the scores out, so the benchmark and
 * `anomseer eval` cannot disagree on what a file scores.
 *
 * Per file: points, label windows (the record's intervals, i.e. the NAB windows after
 * merging), the class each model answered (✓/✗ when the truth is known — NAB labels say
 * where, not which kind, so only a file without windows has a known class, `normal`), and
 * affiliation F1, point-wise F1 and IoU in percent, the two models side by side. A second table
 * reads the same answers by events (shared/eval/events.ts): label windows found, false-alarm
 * intervals and the share of the file marked — on NAB's wide windows point-wise F1 grows with
 * how much a model marks, and these say whether it found the windows or covered the file.
 */
import { type EvalReport, type Prediction, type SeriesScore, scoreAll } from '../shared/eval/score.js';
import { eventScore } from '../shared/eval/events.js';
import type { EventScore } from '../shared/eval/events.js';
import { CATEGORIES } from '../shared/series/labels.js';
import type { SeriesRecord } from '../shared/series/record.js';

/** One model's answer on one file, scored. Percentages 0–100. */
export interface FileScore {
  /** The class it answered (`—` when it gave none). */
  readonly type: string;
  /** Whether that class is right; null when the file's class is unknown. */
  readonly classCorrect: boolean | null;
  readonly affiliationF1: number;
  readonly pointF1: number;
  readonly iou: number;
  /** Windows found, false alarms, share marked (shared/eval/events.ts). */
  readonly events: EventScore;
}

export interface FileRow {
  readonly id: string;
  readonly points: number;
  readonly labelWindows: number;
  readonly truth: string;
  readonly policy: FileScore;
  readonly baseline: FileScore;
}

/** Means over all files (percent); class accuracy over files of known class, null when none. */
export interface OverallScore {
  readonly classAccuracy: number | null;
  readonly knownClass: number;
  readonly affiliationF1: number;
  readonly pointF1: number;
  readonly iou: number;
}

export interface RealDataTable {
  readonly rows: readonly FileRow[];
  readonly overall: { readonly policy: OverallScore; readonly baseline: OverallScore };
  /** The eval reports the rows were read from. */
  readonly reports: { readonly policy: EvalReport; readonly baseline: EvalReport };
}

const pct = (x: number) => 100 * x;
const mean = (xs: readonly number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

function fileScore(r: SeriesRecord, s: SeriesScore, p: Prediction | undefined): FileScore {
  return {
    events: eventScore(r.intervals, p?.intervals ?? [], r.series.length),
    type: p?.type ?? '—',
    classCorrect: s.typeKnown ? s.classCorrect : null,
    affiliationF1: pct(s.affiliation.f1),
    pointF1: pct(s.pointwise.f1),
    iou: pct(s.iou),
  };
}

function overallOf(report: EvalReport): OverallScore {
  return {
    classAccuracy: report.classAccuracy,
    knownClass: report.series.filter((s) => s.typeKnown).length,
    affiliationF1: pct(mean(report.series.map((s) => s.affiliation.f1))),
    pointF1: report.pointF1,
    iou: report.iou,
  };
}

/** Score both models on every record (scoreAll) and lay the scores out per file and overall. */
export function realDataTable(
  records: readonly SeriesRecord[],
  policy: ReadonlyMap<string, Prediction>,
  baseline: ReadonlyMap<string, Prediction>,
): RealDataTable {
  const reports = { policy: scoreAll(records, policy), baseline: scoreAll(records, baseline) };
  const rows = records.map((r, i) => ({
    id: r.id,
    points: r.series.length,
    labelWindows: r.intervals.length,
    truth: r.type,
    policy: fileScore(r, reports.policy.series[i]!, policy.get(r.id)),
    baseline: fileScore(r, reports.baseline.series[i]!, baseline.get(r.id)),
  }));
  return { rows, overall: { policy: overallOf(reports.policy), baseline: overallOf(reports.baseline) }, reports };
}

const f1 = (x: number | null | undefined) => (x === null || x === undefined ? '—' : x.toFixed(1));
const classCell = (s: FileScore) => `${s.type}${s.classCorrect === null ? '' : s.classCorrect ? ' ✓' : ' ✗'}`;
const int = (n: number) => n.toLocaleString('en-US');

/** The per-file table and its overall row, as Markdown. `names` shortens ids (default: as they are). */
export function fileTableMarkdown(t: RealDataTable, names: (id: string) => string = (id) => id): string {
  const head =
    '| file | points | label windows | class: policy | class: baseline | aff F1: policy | aff F1: baseline | point-wise F1: policy | point-wise F1: baseline | IoU: policy | IoU: baseline |';
  const lines = [head, `|${'---|'.repeat(11)}`];
  for (const r of t.rows) {
    lines.push(
      `| ${names(r.id)} | ${int(r.points)} | ${r.labelWindows} | ${classCell(r.policy)} | ${classCell(r.baseline)} | ${f1(r.policy.affiliationF1)} | ${f1(r.baseline.affiliationF1)} | ${f1(r.policy.pointF1)} | ${f1(r.baseline.pointF1)} | ${f1(r.policy.iou)} | ${f1(r.baseline.iou)} |`,
    );
  }
  const { policy: p, baseline: b } = t.overall;
  const acc = (o: OverallScore) => `class acc ${f1(o.classAccuracy)} (${o.knownClass} known)`;
  const points = t.rows.reduce((s, r) => s + r.points, 0);
  const windows = t.rows.reduce((s, r) => s + r.labelWindows, 0);
  lines.push(
    `| **all ${t.rows.length} files** | ${int(points)} | ${windows} | ${acc(p)} | ${acc(b)} | **${f1(p.affiliationF1)}** | **${f1(b.affiliationF1)}** | **${f1(p.pointF1)}** | **${f1(b.pointF1)}** | **${f1(p.iou)}** | **${f1(b.iou)}** |`,
  );
  return lines.join('\n');
}

/**
 * The same answers by events, as Markdown: per file the label windows found, the false-alarm
 * intervals and the share of the file marked (percent), the two models side by side; the last
 * row sums windows and false alarms over all files and gives the mean share marked.
 */
export function eventTableMarkdown(t: RealDataTable, names: (id: string) => string = (id) => id): string {
  const head =
    '| file | label windows | windows found: policy | windows found: baseline | false alarms: policy | false alarms: baseline | % marked: policy | % marked: baseline |';
  const lines = [head, `|${'---|'.repeat(8)}`];
  const cells = (a: EventScore, b: EventScore) => [
    a.windowsFound,
    b.windowsFound,
    a.falseAlarms,
    b.falseAlarms,
    f1(pct(a.markedShare)),
    f1(pct(b.markedShare)),
  ];
  for (const r of t.rows) lines.push(`| ${[names(r.id), r.labelWindows, ...cells(r.policy.events, r.baseline.events)].join(' | ')} |`);
  const sum = (side: 'policy' | 'baseline'): EventScore => ({
    windowsFound: t.rows.reduce((s, r) => s + r[side].events.windowsFound, 0),
    windows: t.rows.reduce((s, r) => s + r.labelWindows, 0),
    falseAlarms: t.rows.reduce((s, r) => s + r[side].events.falseAlarms, 0),
    markedShare: mean(t.rows.map((r) => r[side].events.markedShare)),
  });
  const p = sum('policy'),
    b = sum('baseline');
  lines.push(`| ${[`**all ${t.rows.length} files**`, p.windows, ...cells(p, b).map((c) => `**${c}**`)].join(' | ')} |`);
  return lines.join('\n');
}

/**
 * One eval report as a row of the paper's columns (class accuracy, affiliation F1 per paper
 * category and their average), then point-wise F1 and IoU over all series, then the
 * affiliation F1 of every other category present (`extra`, in that order; blank when absent).
 */
export function summaryRow(label: string, report: EvalReport, extra: readonly string[]): string {
  const a = report.affiliationF1;
  const cells = [label, f1(report.classAccuracy), ...CATEGORIES.map((c) => f1(a[c])), f1(a.average), f1(report.pointF1), f1(report.iou)];
  return `| ${[...cells, ...extra.map((c) => f1(a[c]))].join(' | ')} |`;
}

/** The header of `summaryRow`'s table for the same `extra` categories. */
export function summaryHead(extra: readonly string[]): string {
  const cols = ['model', 'class acc', ...CATEGORIES.map((c) => `${c} F1`), 'avg F1', 'point-wise F1', 'IoU', ...extra.map((c) => `${c} F1`)];
  return `| ${cols.join(' | ')} |\n|${'---|'.repeat(cols.length)}`;
}

/** The categories of a report outside the paper's four, in the report's order. */
export function extraCategories(...reports: readonly EvalReport[]): string[] {
  const out: string[] = [];
  for (const r of reports) for (const c of Object.keys(r.perCategory)) if (!(CATEGORIES as readonly string[]).includes(c) && !out.includes(c)) out.push(c);
  return out;
}
