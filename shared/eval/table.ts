/**
 * The results table of docs/METHOD.md §7 as plain text: the paper's Table 1 rows with
 * ours beneath, in the same columns (class accuracy, affiliation F1 per
 * category, their average; all percent), then point-wise F1 and mean IoU, and
 * any category outside the paper's four (shapelet, real data) on its own line.
 */
import { CATEGORIES } from '../series/labels.js';
import type { EvalReport } from './score.js';

export interface PaperRow {
  readonly model: string;
  readonly classAcc: number;
  readonly freq: number;
  readonly trend: number;
  readonly range: number;
  readonly point: number;
  readonly avg: number;
}

/** Paper Table 1, AnomLLM test split (docs/METHOD.md §7), percent. */
export const PAPER_ROWS: readonly PaperRow[] = Object.freeze([
  { model: 'GPT-4o (prompted)', classAcc: 17.2, freq: 10.9, trend: 43.5, range: 57.0, point: 53.4, avg: 41.2 },
  { model: 'Gemini-2.5-Pro (prompted)', classAcc: 12.6, freq: 19.1, trend: 59.0, range: 81.3, point: 74.5, avg: 58.5 },
  { model: 'Qwen2.5-VL-72B (prompted)', classAcc: 14.6, freq: 31.4, trend: 32.1, range: 74.6, point: 62.7, avg: 50.2 },
  { model: 'TimeMaster-3B (SFT + GRPO)', classAcc: 57.9, freq: 51.4, trend: 76.6, range: 80.1, point: 79.6, avg: 71.9 },
  { model: 'AnomSeer-3B (TimerPO)', classAcc: 62.8, freq: 58.9, trend: 84.9, range: 85.6, point: 87.8, avg: 79.3 },
  { model: 'AnomSeer-7B (TimerPO)', classAcc: 65.0, freq: 60.8, trend: 87.7, range: 94.3, point: 94.9, avg: 84.4 },
]);

const HEAD = ['class acc', 'freq F1', 'trend F1', 'range F1', 'point F1', 'avg F1'];

/** One decimal, or an em dash for a figure that does not exist. */
export function fmtPct(x: number | null | undefined): string {
  return x === null || x === undefined || Number.isNaN(x) ? '—' : x.toFixed(1);
}

export interface TableOptions {
  /** First line; defaults to "evaluation". */
  readonly title?: string;
  /** Label of our row; defaults to "anomseer (this run)". */
  readonly label?: string;
}

/** Render the report beside the paper's rows (see the file comment). */
export function formatTable(report: EvalReport, opts: TableOptions = {}): string {
  const label = opts.label ?? 'anomseer (this run)';
  const rows: string[][] = PAPER_ROWS.map((r) => [r.model, ...[r.classAcc, r.freq, r.trend, r.range, r.point, r.avg].map(fmtPct)]);
  const f1 = report.affiliationF1;
  const ours = [label, fmtPct(report.classAccuracy), ...CATEGORIES.map((c) => fmtPct(f1[c])), fmtPct(f1.average)];
  const all = [['model', ...HEAD], ...rows, ours];
  const widths = all[0].map((_, k) => Math.max(...all.map((r) => r[k].length)));
  const line = (r: string[]) =>
    r
      .map((cell, k) => (k === 0 ? cell.padEnd(widths[k]) : cell.padStart(widths[k])))
      .join('  ')
      .trimEnd();
  const rule = '-'.repeat(widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1));
  const out: string[] = [];
  out.push(`${opts.title ?? 'evaluation'}: ${report.count} series${report.missing > 0 ? `, ${report.missing} without a prediction (scored 0)` : ''}`);
  out.push(line(all[0]), rule);
  for (const r of rows) out.push(line(r));
  out.push(rule, line(ours));
  const counts = CATEGORIES.filter((c) => report.counts[c] !== undefined).map((c) => `${c} ${report.counts[c]}`);
  if (counts.length > 0) out.push(`series per category: ${counts.join(', ')}`);
  out.push(`point-wise F1 ${fmtPct(report.pointF1)}   mean IoU ${fmtPct(report.iou)}   well-formed traces ${fmtPct(report.formatRate)}`);
  const f = report.faithfulness;
  if (f !== undefined) {
    out.push(
      `faithfulness (${f.traces} traces): conclusion agrees with answer ${fmtPct(f.conclusionAgreement)}   stated numbers correct ${fmtPct(f.statedNumberAccuracy)} of ${f.statedNumbers}   well-formed intervals ${fmtPct(f.wellFormedIntervals)}`,
    );
    if (f.worstSlots.length > 0) out.push(`most often wrong: ${f.worstSlots.map((w) => `${w.slot} ${w.wrong}/${w.stated}`).join(', ')}`);
  }
  const extra = Object.keys(report.perCategory).filter((c) => !(CATEGORIES as readonly string[]).includes(c));
  if (extra.length > 0) {
    const parts = extra.map((c) => {
      const pc = report.perCategory[c];
      return `${c} (${pc.count}): affiliation F1 ${fmtPct(pc.affiliation.f1)}, point F1 ${fmtPct(pc.pointwise.f1)}, class acc ${fmtPct(pc.classAccuracy)}`;
    });
    out.push(`outside the average: ${parts.join('; ')}`);
  }
  return out.join('\n') + '\n';
}
