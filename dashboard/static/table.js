// anomseer dashboard: the page's copy of a metric table against step, bounded like the
// server's (dashboard/history.ts, "halve the old middle"): past maxPoints rows, keep row 0 and
// the newest half, and merge the rows between pairwise by weighted means. Keeps the charts fast
// over any run length. Shared by app.js (live) and runs.js (runs); plain JS, no build step.
'use strict';
(() => {
  class Table {
    /** @param json a server TableJson ({ step, weight, columns }) to start from, or nothing. */
    constructor(maxPoints, json) {
      this.max = maxPoints;
      this.step = json ? json.step.slice() : [];
      this.weight = json ? json.weight.slice() : [];
      this.cols = new Map();
      if (json)
        for (const [k, v] of Object.entries(json.columns))
          this.cols.set(
            k,
            v.map((x) => (x === null ? NaN : x)),
          );
    }
    get length() {
      return this.step.length;
    }
    get columnNames() {
      return [...this.cols.keys()];
    }
    append(step, values) {
      const n = this.step.length;
      if (n > 0 && step <= this.step[n - 1]) return false;
      for (const k of Object.keys(values)) if (!this.cols.has(k)) this.cols.set(k, new Array(n).fill(NaN));
      this.step.push(step);
      this.weight.push(1);
      for (const [k, col] of this.cols) col.push(typeof values[k] === 'number' ? values[k] : NaN);
      if (this.step.length > this.max) this.compact();
      return true;
    }
    /** Drop the rows at `step` and after (a step written again replaces them), as history.ts does. */
    rewind(step) {
      let n = this.step.length;
      while (n > 0 && this.step[n - 1] >= step) n--;
      this.step.length = n;
      this.weight.length = n;
      for (const col of this.cols.values()) col.length = n;
    }
    compact() {
      const n = this.step.length,
        midEnd = n - Math.floor(this.max / 2);
      const groups = [[0]];
      let i = 1;
      for (; i + 1 < midEnd; i += 2) groups.push([i, i + 1]);
      if (i < midEnd) groups.push([i]);
      for (let j = midEnd; j < n; j++) groups.push([j]);
      const w = this.weight;
      const mean = (xs, rows) => {
        let s = 0,
          ws = 0;
        for (const r of rows)
          if (Number.isFinite(xs[r])) {
            s += xs[r] * w[r];
            ws += w[r];
          }
        return ws > 0 ? s / ws : NaN;
      };
      const step = groups.map((g) => mean(this.step, g));
      for (const [k, col] of this.cols)
        this.cols.set(
          k,
          groups.map((g) => mean(col, g)),
        );
      this.weight = groups.map((g) => g.reduce((a, r) => a + w[r], 0));
      this.step = step;
    }
    /** A column with null for missing values (what uPlot draws as a gap). */
    column(k) {
      const c = this.cols.get(k);
      return c ? c.map((x) => (Number.isFinite(x) ? x : null)) : new Array(this.step.length).fill(null);
    }
    has(k) {
      const c = this.cols.get(k);
      return c !== undefined && c.some((x) => Number.isFinite(x));
    }
  }
  window.AnomseerTable = Table;
})();
