// anomseer runs page (`anomseer dashboard <root>`): plain JS, no build step. Talks to
// dashboard/runs-server.ts: /ws says hello with every run's header, then which runs changed;
// the page asks to `watch` the runs it has selected and gets their bounded tables once
// (`run-data`) and the rows they gain (`lines`). Charts overlay one series per selected run,
// aligned by step; traces and eval reports come over HTTP. The selection and the charts live
// in the link's #hash, so a view can be shared or bookmarked.
'use strict';
(() => {
  const TOKEN = new URLSearchParams(location.search).get('token') ?? '';
  const AUTH = `token=${encodeURIComponent(TOKEN)}`;
  const Table = window.AnomseerTable;
  const COLORS = ['#0072b2', '#e69f00', '#009e73', '#d55e00', '#cc79a7', '#56b4e9', '#000000', '#f0e442'];
  const TABLES = { steps: 'RL step', warmStart: 'warm start', evals: 'eval' };

  /** Titles of the keys metrics.jsonl holds (docs/RUNS.md); any other key charts under its own name. */
  const TITLES = {
    'steps:reward': 'Reward R',
    'steps:rewardFormat': 'Reward: format part',
    'steps:rewardClass': 'Reward: class part',
    'steps:rewardLocalization': 'Reward: localization part',
    'steps:grounded': 'Grounded reward s',
    'steps:otDistance': 'OT distance W',
    'steps:kl': 'KL to the reference (k3)',
    'steps:entropy': 'Entropy (nats/token)',
    'steps:gradNorm': 'Gradient norm (before clipping)',
    'steps:clipFraction': 'PPO clip fraction',
    'steps:lr': 'Learning rate',
    'steps:loss': 'Loss (total)',
    'steps:surrogate': 'Loss: clipped surrogate',
    'steps:seconds.generate': 'Seconds sampling per step',
    'steps:seconds.update': 'Seconds updating per step',
    'steps:rolloutsPerSecond': 'Rollouts per second',
    'steps:tokensPerSecond': 'Tokens per second',
    'warmStart:loss': 'Warm start: NLL per token',
    'warmStart:lr': 'Warm start: learning rate',
    'warmStart:gradNorm': 'Warm start: gradient norm',
    'evals:classAccuracy': 'Eval: class accuracy (%)',
    'evals:affiliationF1.average': 'Eval: affiliation F1, average (%)',
    'evals:pointF1': 'Eval: point-wise F1 (%)',
    'evals:iou': 'Eval: mean IoU (%)',
    'evals:faithfulness.conclusionAgreement': 'Eval: faithfulness, conclusion agrees (%)',
  };
  const DEFAULT_CHARTS = [
    'steps:reward',
    'steps:rewardLocalization',
    'steps:grounded',
    'steps:otDistance',
    'steps:kl',
    'steps:entropy',
    'steps:gradNorm',
    'steps:clipFraction',
    'steps:lr',
    'steps:loss',
    'steps:seconds.generate',
    'steps:rolloutsPerSecond',
    'warmStart:loss',
    'evals:affiliationF1.average',
    'evals:classAccuracy',
    'evals:pointF1',
    'evals:iou',
    'evals:faithfulness.conclusionAgreement',
  ];

  const state = {
    root: '',
    maxPoints: 600,
    paperRows: [],
    /** id → RunHeader */
    runs: new Map(),
    /** selected run ids, in the order they were ticked (their colours) */
    selected: [],
    /** id → { steps, warmStart, evals } Tables, for watched runs whose data arrived */
    data: new Map(),
    charts: DEFAULT_CHARTS.slice(),
    traces: { run: null, prompt: '', next: null },
  };
  const INT_INCRS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000];
  const charts = new Map(); // key → { plot, el }
  let ws = null;

  const $ = (sel) => document.querySelector(sel);
  const el = (tag, attrs = {}, ...kids) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v);
    }
    for (const k of kids) e.append(k);
    return e;
  };
  const fmt = (x, d = 3) =>
    x === null || x === undefined || Number.isNaN(x) ? '—' : Math.abs(x) !== 0 && Math.abs(x) < 1e-3 ? x.toExponential(1) : x.toFixed(d);
  const pct = (x) => (x === null || x === undefined || Number.isNaN(x) ? '—' : x.toFixed(1));
  const tick = (v) => {
    if (v === null) return '';
    const a = Math.abs(v);
    if (a === 0) return '0';
    if (a < 1e-2 || a >= 1e5) return v.toExponential(0);
    return String(Number(v.toPrecision(3)));
  };
  const ago = (iso) => {
    if (!iso) return '—';
    const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
    return s < 90 ? `${s.toFixed(0)} s ago` : s < 5400 ? `${(s / 60).toFixed(0)} min ago` : `${(s / 3600).toFixed(1)} h ago`;
  };
  const colorOf = (id) => COLORS[state.selected.indexOf(id) % COLORS.length];
  const swatch = (id) => el('span', { class: 'run-swatch', style: `background:${colorOf(id)}` });
  const api = (path, params) => `${path}?${new URLSearchParams({ ...params, token: TOKEN })}`;

  // ---- the link's #hash: runs=a,b&charts=steps:reward,… ---------------------------------
  function readHash() {
    const h = new URLSearchParams(location.hash.slice(1));
    const runs = h.get('runs');
    const cs = h.get('charts');
    return { runs: runs ? runs.split(',').filter((x) => x !== '') : null, charts: cs ? cs.split(',').filter((x) => x !== '') : null };
  }
  function writeHash() {
    const h = new URLSearchParams();
    if (state.selected.length > 0) h.set('runs', state.selected.join(','));
    if (state.charts.join(',') !== DEFAULT_CHARTS.join(',')) h.set('charts', state.charts.join(','));
    history.replaceState(null, '', `${location.pathname}${location.search}${h.size > 0 ? `#${h}` : ''}`);
  }

  // ---- run list -------------------------------------------------------------------------
  function stepsText(r) {
    const total = r.totalSteps ? ` / ${r.totalSteps}` : '';
    if (r.steps === 0 && r.warmStartSteps > 0) return `warm start ${r.warmStartSteps}`;
    return `${r.steps}${total}`;
  }
  function stateText(r) {
    if (r.state === 'interrupted' && r.interrupted) return `interrupted at ${r.interrupted.stage === 'rl' ? 'RL' : 'warm-start'} step ${r.interrupted.step}`;
    if (r.state === 'running') return `running · ${ago(r.updatedAt)}`;
    return r.state;
  }

  function renderRuns() {
    const body = $('#runs tbody');
    body.replaceChildren();
    const ids = [...state.runs.keys()].sort();
    $('#no-runs').hidden = ids.length > 0;
    for (const id of ids) {
      const r = state.runs.get(id);
      const box = el('input', { type: 'checkbox', 'data-run': id, 'aria-label': `select ${id}` });
      box.checked = state.selected.includes(id);
      box.addEventListener('change', () => toggle(id, box.checked));
      body.append(
        el(
          'tr',
          { 'data-run': id, class: box.checked ? 'picked' : '' },
          el('td', {}, box, box.checked ? swatch(id) : ''),
          el('td', { class: 'run-id', text: id, title: r.dir }),
          el('td', { text: r.name ?? '—' }),
          el('td', { class: 'mono', text: r.jobId ?? '—' }),
          el('td', { class: `state state-${r.state}`, text: stateText(r) }),
          el('td', { class: 'steps', text: stepsText(r) }),
          el('td', { text: r.createdAt ? new Date(r.createdAt).toLocaleString() : '—', title: r.createdAt ?? '' }),
          el('td', { text: r.lastEval ? `${pct(r.lastEval.average)} (step ${r.lastEval.step})` : '—' }),
        ),
      );
    }
    $('#progress').textContent = `${ids.length} run${ids.length === 1 ? '' : 's'} · ${state.selected.length} selected`;
    renderSelected();
    renderTraceRuns();
  }

  /** What each selected run is: finished, interrupted (where, how to continue), running. */
  function renderSelected() {
    const box = $('#selected');
    box.replaceChildren();
    for (const id of state.selected) {
      const r = state.runs.get(id);
      if (!r) continue;
      const line = el('p', { class: `run-note state-${r.state}`, 'data-run': id }, swatch(id), el('b', { text: id }), ' ');
      if (r.state === 'finished') {
        const wall = r.wallSeconds === null ? '' : ` in ${(r.wallSeconds / 60).toFixed(1)} min`;
        line.append(`finished: ${r.steps} RL step${r.steps === 1 ? '' : 's'}${wall}.`);
      } else if (r.state === 'interrupted' && r.interrupted) {
        const i = r.interrupted;
        line.append(
          `interrupted in the ${i.stage === 'rl' ? 'RL' : 'warm start'} after step ${i.step}; checkpoint ${i.checkpoint}. Continue it with `,
          el('code', { text: r.resume }),
        );
      } else {
        line.append(`running: no summary yet; last line ${ago(r.updatedAt)} (a run killed without a summary stays "running").`);
      }
      box.append(line);
    }
  }

  function toggle(id, on) {
    state.selected = on ? [...state.selected.filter((x) => x !== id), id] : state.selected.filter((x) => x !== id);
    if (!on) state.data.delete(id);
    watch();
    writeHash();
    renderRuns();
    rebuildCharts();
    renderEvals();
  }

  function watch() {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'watch', runs: state.selected }));
  }

  // ---- charts ---------------------------------------------------------------------------
  const [tableOf, columnOf] = [(key) => key.slice(0, key.indexOf(':')), (key) => key.slice(key.indexOf(':') + 1)];
  const titleOf = (key) => TITLES[key] ?? `${TABLES[tableOf(key)] ?? tableOf(key)}: ${columnOf(key)}`;

  function chartWidth() {
    const box = $('#charts');
    const cols = Math.max(1, Math.floor(box.clientWidth / 340));
    return Math.max(280, Math.floor(box.clientWidth / cols) - 12);
  }

  /** x = the union of the selected runs' steps; one column per run, null where it has no row. */
  function chartData(key) {
    const t = tableOf(key),
      c = columnOf(key);
    const runs = state.selected.map((id) => state.data.get(id)?.[t]);
    const xs = [...new Set(runs.flatMap((tb) => (tb ? tb.step : [])))].sort((a, b) => a - b);
    const at = new Map(xs.map((x, i) => [x, i]));
    const cols = runs.map((tb) => {
      const out = new Array(xs.length).fill(null);
      if (!tb) return out;
      const col = tb.column(c);
      tb.step.forEach((s, i) => (out[at.get(s)] = col[i]));
      return out;
    });
    return [xs, ...cols];
  }

  const hasData = (key) => state.selected.some((id) => state.data.get(id)?.[tableOf(key)]?.has(columnOf(key)));

  function makeChart(key) {
    const remove = el('button', { type: 'button', class: 'remove', title: 'remove this chart', 'aria-label': `remove ${titleOf(key)}` }, '×');
    remove.addEventListener('click', () => {
      state.charts = state.charts.filter((k) => k !== key);
      writeHash();
      rebuildCharts();
    });
    const wrap = el('div', { class: 'chart', 'data-chart': key }, el('h3', {}, titleOf(key), remove));
    $('#charts').append(wrap);
    const yRange = (_u, min, max) =>
      min === null ? [0, 1] : min === max ? [Math.min(0, min), max === 0 ? 1 : Math.abs(max) * 1.25] : [min - (max - min) * 0.05, max + (max - min) * 0.05];
    const opts = {
      width: chartWidth(),
      height: 180,
      scales: { x: { time: false }, y: { range: yRange } },
      axes: [
        // Steps are integers: no 1.5 ticks.
        { label: tableOf(key) === 'warmStart' ? 'warm-start step' : 'step', size: 36, labelSize: 16, incrs: INT_INCRS },
        { size: 56, values: (_u, splits) => splits.map(tick) },
      ],
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
      series: [
        { label: 'step', value: (_u, v) => (v === null ? '—' : Number.isInteger(v) ? String(v) : v.toFixed(1)) },
        ...state.selected.map((id) => ({
          label: id,
          stroke: colorOf(id),
          width: 1.6,
          spanGaps: true,
          points: { show: tableOf(key) === 'evals' ? true : undefined, size: 5 },
          value: (_u, v) => fmt(v, 4),
        })),
      ],
    };
    const plot = new uPlot(opts, chartData(key), wrap);
    // The chart's uPlot instance, for anyone inspecting the page (the browser test reads its data).
    wrap.uplot = plot;
    charts.set(key, { plot, el: wrap });
    refreshChart(key);
  }

  function refreshChart(key) {
    const c = charts.get(key);
    if (!c) return;
    const data = chartData(key);
    c.plot.setData(data);
    c.el.dataset.points = String(data[0].length);
    c.el.dataset.series = String(state.selected.length);
    c.el.hidden = !hasData(key);
  }

  function rebuildCharts() {
    for (const c of charts.values()) c.plot.destroy();
    charts.clear();
    $('#charts').replaceChildren();
    $('#no-selection').hidden = state.selected.length > 0;
    if (state.selected.length > 0) for (const key of state.charts) makeChart(key);
    renderChartPicker();
  }

  let renderQueued = false;
  const dirtyRuns = new Set();
  function scheduleRefresh(id) {
    dirtyRuns.add(id);
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(() => {
      renderQueued = false;
      if ([...dirtyRuns].some((r) => state.selected.includes(r))) {
        for (const key of charts.keys()) refreshChart(key);
        renderChartPicker();
        renderEvals();
      }
      dirtyRuns.clear();
    });
  }

  /** The "add a chart" list: every key the selected runs hold and no chart shows yet. */
  function renderChartPicker() {
    const sel = $('#add-chart');
    const keys = new Map(Object.keys(TABLES).map((t) => [t, new Set()]));
    for (const id of state.selected) {
      const d = state.data.get(id);
      if (d) for (const t of Object.keys(TABLES)) for (const c of d[t].columnNames) keys.get(t).add(c);
    }
    sel.replaceChildren(el('option', { value: '', text: state.selected.length === 0 ? '(select runs first)' : 'any metric key…' }));
    for (const [t, cols] of keys) {
      const free = [...cols].sort().filter((c) => !state.charts.includes(`${t}:${c}`));
      if (free.length === 0) continue;
      const group = el('optgroup', { label: TABLES[t] });
      for (const c of free) group.append(el('option', { value: `${t}:${c}`, text: c }));
      sel.append(group);
    }
  }

  $('#add-chart').addEventListener('change', (e) => {
    const key = e.target.value;
    if (!key) return;
    state.charts = [...state.charts, key];
    writeHash();
    if (state.selected.length > 0) makeChart(key);
    renderChartPicker();
  });
  $('#default-charts').addEventListener('click', () => {
    state.charts = DEFAULT_CHARTS.slice();
    writeHash();
    rebuildCharts();
  });
  new ResizeObserver(() => {
    const w = chartWidth();
    for (const c of charts.values()) c.plot.setSize({ width: w, height: 180 });
  }).observe($('#charts'));

  // ---- evals ----------------------------------------------------------------------------
  function renderEvals() {
    const body = $('#evals tbody');
    body.replaceChildren();
    for (const r of state.paperRows) {
      body.append(
        el(
          'tr',
          { class: 'paper' },
          el('td', { text: r.model }),
          el('td', { text: '' }),
          ...[r.classAcc, r.freq, r.trend, r.range, r.point, r.avg].map((x) => el('td', { text: pct(x) })),
          el('td', { text: '' }),
          el('td', { text: '' }),
          el('td', { text: '' }),
          el('td', { text: '' }),
        ),
      );
    }
    for (const id of state.selected) {
      const t = state.data.get(id)?.evals;
      if (!t) continue;
      const col = (k) => t.column(k);
      const cols = [
        'classAccuracy',
        'affiliationF1.freq',
        'affiliationF1.trend',
        'affiliationF1.range',
        'affiliationF1.point',
        'affiliationF1.average',
        'pointF1',
        'iou',
        'faithfulness.conclusionAgreement',
        'faithfulness.statedNumberAccuracy',
      ].map(col);
      t.step.forEach((step, i) => {
        const whole = Number.isInteger(step);
        const link = whole
          ? el('a', { href: api('api/eval', { id, step: String(step) }), target: '_blank', rel: 'noopener', text: String(step) })
          : String(step.toFixed(1));
        body.append(
          el(
            'tr',
            { 'data-run': id, 'data-step': String(step) },
            el('td', {}, swatch(id), id),
            el('td', {}, link),
            ...cols.map((c) => el('td', { text: pct(c[i]) })),
          ),
        );
      });
    }
  }

  // ---- traces ---------------------------------------------------------------------------
  function renderTraceRuns() {
    const sel = $('#trace-run');
    const ids = [...state.runs.keys()].sort();
    const current = sel.value || state.selected[0] || ids[0] || '';
    sel.replaceChildren(...ids.map((id) => el('option', { value: id, text: id })));
    if (ids.includes(current)) sel.value = current;
  }

  const ivs = (xs) => (xs === null ? 'unparseable' : xs.length === 0 ? '[]' : xs.map(([a, b]) => `[${a}, ${b})`).join(' '));
  const signed = (x) => el('span', { class: x > 0 ? 'pos' : x < 0 ? 'neg' : '', text: (x > 0 ? '+' : '') + fmt(x, 3) });

  function traceCard(run, t) {
    const nums = el('div', { class: 'nums' });
    const pair = (label, value) => nums.append(el('span', { text: label }), typeof value === 'string' ? el('span', { text: value }) : value);
    pair('reward R', fmt(t.reward.total));
    pair('Â main', signed(t.advMain));
    pair('format · class · loc', `${fmt(t.reward.format, 0)} · ${fmt(t.reward.cls, 0)} · ${fmt(t.reward.localization)}`);
    pair('Â grounded', signed(t.advGrounded));
    pair('grounded s', fmt(t.grounded));
    pair('Â⊥ projected', signed(t.advProjected));
    pair('class', t.predictedType ?? '?');
    pair('A final', signed(t.advantage));
    const img = el('img', {
      src: api('api/plot', { id: run, step: String(t.step), i: String(t.index) }),
      alt: `series of ${t.promptId} with the predicted ${ivs(t.predicted)}`,
      width: '1000',
      height: '150',
      loading: 'lazy',
    });
    img.addEventListener('error', () => img.replaceWith(el('div', { class: 'noplot', text: "no plot: this run's training series cannot be loaded here" })));
    return el(
      'article',
      { class: 'trace', 'data-step': String(t.step), 'data-prompt': t.promptId },
      el(
        'header',
        {},
        el('span', { class: 'id', text: `step ${t.step}` }),
        el('span', { class: 'prompt', text: `prompt ${t.promptId}` }),
        el('span', { text: `sample ${t.sampleIndex} · weights v${t.weightVersion} · predicted ${ivs(t.predicted)}` }),
      ),
      img,
      el('pre', { text: t.text }),
      nums,
    );
  }

  async function loadTraces(more) {
    const q = state.traces;
    if (!more) {
      q.run = $('#trace-run').value;
      q.prompt = $('#trace-prompt').value.trim();
      const from = Number($('#trace-step').value);
      q.next = Number.isInteger(from) && from > 0 ? from + 1 : null;
      $('#trace-list').replaceChildren();
      q.shown = 0;
      q.scanned = 0;
    }
    if (!q.run) return;
    const params = { id: q.run, limit: '20' };
    if (q.prompt) params.prompt = q.prompt;
    if (q.next !== null) params.before = String(q.next);
    $('#trace-status').textContent = 'reading…';
    const res = await fetch(api('api/traces', params));
    if (!res.ok) {
      $('#trace-status').textContent = `could not read the traces: ${res.status} ${await res.text()}`;
      return;
    }
    const page = await res.json();
    for (const t of page.traces) $('#trace-list').append(traceCard(q.run, t));
    q.shown += page.traces.length;
    q.scanned += page.scanned;
    q.next = page.next;
    $('#trace-more').hidden = page.next === null;
    const f = page.files;
    const what = q.prompt ? `${q.shown} trace${q.shown === 1 ? '' : 's'} of prompts matching "${q.prompt}"` : `${q.shown} traces`;
    const where = page.next === null ? 'searched to the first step' : `searched down to step ${page.next}; more below`;
    $('#trace-status').textContent =
      f.count === 0 ? `${q.run} has no traces yet` : `${what} · ${q.scanned} of ${f.count} steps read (steps ${f.first}–${f.last}) · ${where}`;
    $('#trace-status').dataset.shown = String(q.shown);
  }

  $('#trace-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void loadTraces(false);
  });
  $('#trace-more').addEventListener('click', () => void loadTraces(true));

  // ---- messages -------------------------------------------------------------------------
  function tablesOf(json) {
    return {
      steps: new Table(state.maxPoints, json.steps),
      warmStart: new Table(state.maxPoints, json.warmStart),
      evals: new Table(state.maxPoints, json.evals),
    };
  }

  let firstHello = true;
  function onMessage(m) {
    switch (m.type) {
      case 'hello': {
        state.root = m.root;
        state.maxPoints = m.limits.maxPoints;
        state.paperRows = m.paperRows;
        state.runs = new Map(m.runs.map((r) => [r.id, r]));
        state.data.clear();
        if (firstHello) {
          firstHello = false;
          const h = readHash();
          if (h.runs) state.selected = h.runs.filter((id) => state.runs.has(id));
          if (h.charts) state.charts = h.charts;
        }
        state.selected = state.selected.filter((id) => state.runs.has(id));
        $('#root').textContent = `· ${m.root}`;
        renderRuns();
        rebuildCharts();
        renderEvals();
        watch();
        return;
      }
      case 'run':
        state.runs.set(m.run.id, m.run);
        if (m.reset) state.data.delete(m.run.id);
        return renderRuns();
      case 'removed':
        state.runs.delete(m.run);
        if (state.selected.includes(m.run)) toggle(m.run, false);
        return renderRuns();
      case 'run-data':
        if (!state.selected.includes(m.run)) return;
        state.data.set(m.run, tablesOf(m.data));
        state.runs.set(m.run, m.data.header);
        renderRuns();
        return scheduleRefresh(m.run);
      case 'lines': {
        const d = state.data.get(m.run);
        if (!d) return;
        for (const r of m.rows) {
          if (r.rewind !== undefined) d[r.table].rewind(r.rewind);
          d[r.table].append(r.step, r.values);
        }
        return scheduleRefresh(m.run);
      }
      default:
        return undefined;
    }
  }

  // ---- connection -----------------------------------------------------------------------
  const backoff = (k) => Math.min(15000, 500 * 2 ** k) * (0.75 + Math.random() * 0.5);
  let attempt = 0;
  function setConn(kind, text) {
    const c = $('#conn');
    c.className = `conn conn-${kind}`;
    c.textContent = text;
  }
  function connect() {
    setConn('connecting', attempt === 0 ? 'connecting…' : `reconnecting (attempt ${attempt + 1})…`);
    ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws?${AUTH}`);
    ws.onopen = () => {
      attempt = 0;
      setConn('open', 'live');
    };
    ws.onmessage = (ev) => onMessage(JSON.parse(ev.data));
    ws.onclose = () => {
      const delay = backoff(attempt++);
      setConn('closed', `disconnected; retrying in ${(delay / 1000).toFixed(1)} s${TOKEN ? '' : ' (no token in the URL)'}`);
      setTimeout(connect, delay);
    };
  }
  setInterval(() => {
    // "running · 12 s ago" stays current.
    if ([...state.runs.values()].some((r) => r.state === 'running')) renderRuns();
  }, 5000);

  connect();
})();
