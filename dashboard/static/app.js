// anomseer dashboard page: plain JS, no build step. Talks to dashboard/server.ts over /ws: the
// first message is a snapshot of the (downsampled) history, which replaces everything shown;
// then live messages append. Reconnects with exponential backoff — until the server says the
// job ended (`end`): then it shows how, and stays as it is when the server closes.
'use strict';
(() => {
  const TOKEN = new URLSearchParams(location.search).get('token') ?? '';
  const AUTH = `token=${encodeURIComponent(TOKEN)}`;
  const COLORS = ['#0072b2', '#e69f00', '#009e73', '#d55e00', '#cc79a7', '#56b4e9', '#000000'];

  /** Metric table against step, bounded like the server's (table.js). */
  const Table = window.AnomseerTable;

  /** The charts: which table, which columns, labels; `scale: 'y2'` puts a series on the right axis. */
  const CHARTS = [
    {
      id: 'reward',
      table: 'steps',
      title: 'Reward R = 0.1·format + 0.2·class + 0.7·localization',
      series: [
        { key: 'reward', label: 'R', width: 2.5 },
        { key: 'rewardFormat', label: 'format' },
        { key: 'rewardClass', label: 'class' },
        { key: 'rewardLocalization', label: 'localization' },
      ],
    },
    {
      id: 'grounded',
      table: 'steps',
      title: 'Grounded reward s and OT distance W',
      series: [
        { key: 'grounded', label: 's' },
        { key: 'otDistance', label: 'W (right)', scale: 'y2' },
      ],
    },
    { id: 'kl', table: 'steps', title: 'KL to the reference policy (k3)', series: [{ key: 'kl', label: 'KL' }] },
    { id: 'entropy', table: 'steps', title: 'Entropy (nats/token)', series: [{ key: 'entropy', label: 'entropy' }] },
    { id: 'gradNorm', table: 'steps', title: 'Gradient norm (before clipping)', series: [{ key: 'gradNorm', label: '|g|' }] },
    { id: 'clipFraction', table: 'steps', title: 'PPO clip fraction', series: [{ key: 'clipFraction', label: 'clipped' }] },
    { id: 'evalAcc', table: 'evals', title: 'Eval: class accuracy (%)', points: true, series: [{ key: 'classAccuracy', label: 'class acc' }] },
    {
      id: 'evalF1',
      table: 'evals',
      title: 'Eval: affiliation F1 per category (%)',
      points: true,
      series: [
        { key: 'affiliationF1.freq', label: 'freq' },
        { key: 'affiliationF1.trend', label: 'trend' },
        { key: 'affiliationF1.range', label: 'range' },
        { key: 'affiliationF1.point', label: 'point' },
        { key: 'affiliationF1.average', label: 'avg', width: 2.5 },
      ],
    },
    { id: 'warm', table: 'warmStart', title: 'Warm start: NLL per token', xLabel: 'warm-start step', series: [{ key: 'loss', label: 'NLL' }] },
  ];

  const state = {
    limits: { maxPoints: 600, maxTraces: 24 },
    tables: { steps: new Table(600), evals: new Table(600), warmStart: new Table(600) },
    job: {},
    lastStep: null,
    paperRows: [],
    latestEval: null,
    cluster: null,
    /** How the job ended (an `end` message), or null while it runs. */
    end: null,
  };
  const charts = new Map(); // id → { def, plot, el }
  const dirty = new Set();

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
  /** Axis ticks: exponent form for tiny magnitudes (KL ~1e-4), else trimmed decimals. */
  const tick = (v) => {
    if (v === null) return '';
    const a = Math.abs(v);
    if (a === 0) return '0';
    if (a < 1e-2 || a >= 1e5) return v.toExponential(0);
    return String(Number(v.toPrecision(3)));
  };
  const pct = (x) => (x === null || x === undefined || Number.isNaN(x) ? '—' : x.toFixed(1));

  // ---- charts -------------------------------------------------------------------------
  function chartWidth() {
    const box = $('#charts');
    const cols = Math.max(1, Math.floor(box.clientWidth / 300));
    return Math.max(260, Math.floor(box.clientWidth / cols) - 12);
  }

  function makeChart(def) {
    const wrap = el('div', { class: 'chart', id: `chart-${def.id}`, 'data-points': '0' }, el('h3', { text: def.title }));
    $('#charts').append(wrap);
    const scales = { x: { time: false } };
    // Steps are integers: no 2.5 ticks. A flat series gets a small range above its value.
    const INT_INCRS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000];
    const yRange = (_u, min, max) =>
      min === null ? [0, 1] : min === max ? [Math.min(0, min), max === 0 ? 1 : Math.abs(max) * 1.25] : [min - (max - min) * 0.05, max + (max - min) * 0.05];
    scales.y = { range: yRange };
    const axes = [
      { label: def.xLabel ?? 'step', size: 36, labelSize: 16, incrs: INT_INCRS },
      { size: 52, values: (_u, splits) => splits.map(tick) },
    ];
    if (def.series.some((s) => s.scale === 'y2')) {
      scales.y2 = { range: yRange };
      axes.push({ scale: 'y2', side: 1, grid: { show: false }, size: 52, values: (_u, splits) => splits.map(tick) });
    }
    const opts = {
      width: chartWidth(),
      height: 170,
      scales,
      axes,
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
      series: [
        { label: def.xLabel ?? 'step', value: (_u, v) => (v === null ? '—' : Number.isInteger(v) ? String(v) : v.toFixed(1)) },
        ...def.series.map((s, k) => ({
          label: s.label,
          scale: s.scale ?? 'y',
          stroke: COLORS[k % COLORS.length],
          width: s.width ?? 1.5,
          spanGaps: true,
          points: { show: def.points ? true : undefined, size: 5 },
          value: (_u, v) => fmt(v, 3),
        })),
      ],
    };
    const plot = new uPlot(opts, [[], ...def.series.map(() => [])], wrap);
    charts.set(def.id, { def, plot, el: wrap });
  }

  function chartData(def) {
    const t = state.tables[def.table];
    return [t.step.slice(), ...def.series.map((s) => t.column(s.key))];
  }

  function markDirty(table) {
    for (const c of charts.values()) if (c.def.table === table) dirty.add(c.def.id);
    scheduleRender();
  }

  let renderQueued = false;
  function scheduleRender() {
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(() => {
      renderQueued = false;
      for (const id of dirty) {
        const c = charts.get(id);
        c.plot.setData(chartData(c.def));
        c.el.dataset.points = String(state.tables[c.def.table].length);
        c.el.style.display = c.def.table === 'warmStart' && state.tables.warmStart.length === 0 ? 'none' : '';
      }
      dirty.clear();
    });
  }

  new ResizeObserver(() => {
    const w = chartWidth();
    for (const c of charts.values()) c.plot.setSize({ width: w, height: 170 });
  }).observe($('#charts'));

  // ---- header -------------------------------------------------------------------------
  function renderHeader() {
    $('#job-name').textContent = state.job.name ? `· ${state.job.name}` : '';
    const s = state.lastStep;
    const total = state.job.steps ? ` / ${state.job.steps}` : '';
    $('#progress').textContent = s
      ? `step ${s.step}${total} · weights v${s.weightVersion} · R ${fmt(s.values.reward)} · ${fmt(s.values['seconds.generate'], 1)} s sampling + ${fmt(s.values['seconds.update'], 1)} s update`
      : state.tables.warmStart.length > 0
        ? `warm start, step ${state.tables.warmStart.step.at(-1)}`
        : 'waiting for the first step…';
  }

  // ---- cluster ------------------------------------------------------------------------
  function ago(ms) {
    if (ms === null || ms === undefined) return '—';
    const s = Math.max(0, (Date.now() - ms) / 1000);
    return s < 60 ? `${s.toFixed(0)} s ago` : `${(s / 60).toFixed(1)} min ago`;
  }

  function renderCluster() {
    const st = state.cluster;
    const body = $('#workers tbody');
    body.replaceChildren();
    if (!st) {
      $('#cluster-summary').textContent = 'no status yet';
      renderBroadcasts([]);
      return;
    }
    for (const w of st.workers) {
      const lag = w.weightVersion === null ? null : st.weightVersion - w.weightVersion;
      body.append(
        el(
          'tr',
          { 'data-worker': w.id },
          el('td', { text: w.id }),
          el('td', { text: w.host }),
          el('td', { text: w.device }),
          el('td', { class: `state-${w.state}`, text: w.state }),
          el('td', { class: lag !== null && lag > 0 ? 'stale' : '', text: w.weightVersion === null ? '—' : `v${w.weightVersion}${lag ? ` (−${lag})` : ''}` }),
          el('td', { text: fmt(w.rolloutsPerSecond, 1) }),
          el('td', { class: 'cpu', text: w.cpuCores === null || w.cpuCores === undefined ? '—' : w.cpuCores.toFixed(2) }),
          el('td', { class: 'rss', text: bytes(w.rssBytes), title: w.rssBytes ? `${w.rssBytes} bytes resident` : 'not reported' }),
          el('td', { text: String(w.leasesHeld) }),
          el('td', { text: ago(w.lastHeartbeatMs) }),
        ),
      );
    }
    const sum = $('#cluster-summary');
    sum.replaceChildren();
    const item = (label, value) => sum.append(el('span', {}, `${label} `, el('b', { text: String(value) })));
    item('prompts done', st.prompts.done);
    item('in flight', st.prompts.inFlight);
    item('requeued', st.prompts.requeued);
    item('queue', st.queueDepth);
    const hist = el('span', { title: 'accepted groups by staleness (versions behind the learner)' }, 'staleness ');
    const max = Math.max(1, ...st.staleness);
    st.staleness.forEach((n, k) => hist.append(el('span', { class: 'bar', style: `width:${Math.max(2, (24 * n) / max)}px`, title: `${k} behind: ${n}` })));
    if (st.staleness.length === 0) hist.append('—');
    sum.append(hist);
    if (st.broadcast) {
      const b = st.broadcast;
      const meter = el('span', { class: 'meter' }, el('span', { style: `width:${(100 * b.workersAt) / Math.max(1, b.workersTotal)}%` }));
      sum.append(el('span', {}, `weights v${b.version} `, meter, ` ${b.workersAt}/${b.workersTotal}`));
    }
    renderBroadcasts(st.broadcasts ?? []);
  }

  /** 1536 → "1.5 KiB"; 0 → "—" (a single-process run sends nothing). */
  const bytes = (n) => {
    if (!n) return '—';
    const units = ['B', 'KiB', 'MiB', 'GiB'];
    let k = 0;
    while (n >= 1024 && k < units.length - 1) {
      n /= 1024;
      k += 1;
    }
    return `${k === 0 ? n : n.toFixed(1)} ${units[k]}`;
  };

  /** The "weights" table: one row per version (bytes sent, workers updated x/y, publish → last fetch). */
  function renderBroadcasts(rows) {
    $('#broadcasts-box').hidden = rows.length === 0;
    const body = $('#broadcasts tbody');
    body.replaceChildren();
    for (const b of rows) {
      const partial = b.workersUpdated < b.workersTotal;
      body.append(
        el(
          'tr',
          { 'data-version': String(b.version) },
          el('td', { text: `v${b.version}` }),
          el('td', { text: bytes(b.bytes) }),
          el('td', { text: bytes(b.bytesSent), title: `${b.bytesSent} bytes` }),
          el('td', { class: partial ? 'partial' : '', text: `${b.workersUpdated}/${b.workersTotal}` }),
          el('td', {
            text: b.seconds === null ? '—' : `${fmt(b.seconds, b.seconds < 10 ? 2 : 1)} s`,
            title: `published ${new Date(b.publishedAtMs).toLocaleTimeString()}`,
          }),
        ),
      );
    }
  }
  setInterval(renderCluster, 1000);

  // ---- eval table ---------------------------------------------------------------------
  function renderEval() {
    const body = $('#eval-table tbody');
    body.replaceChildren();
    for (const r of state.paperRows) {
      body.append(el('tr', {}, el('td', { text: r.model }), ...[r.classAcc, r.freq, r.trend, r.range, r.point, r.avg].map((x) => el('td', { text: pct(x) }))));
    }
    const e = state.latestEval;
    const f = e?.report?.affiliationF1 ?? {};
    body.append(
      el(
        'tr',
        { class: 'ours' },
        el('td', { text: e ? `anomseer (step ${e.step})` : 'anomseer (no eval yet)' }),
        ...[e?.report?.classAccuracy, f.freq, f.trend, f.range, f.point, f.average].map((x) => el('td', { text: pct(x) })),
      ),
    );
    const fa = e?.report?.faithfulness;
    const faith = fa
      ? `; faithfulness: conclusion agrees ${pct(fa.conclusionAgreement)}, stated numbers correct ${pct(fa.statedNumberAccuracy)}, well-formed intervals ${pct(fa.wellFormedIntervals)}`
      : '';
    $('#eval-when').textContent = e
      ? `latest at step ${e.step}, ${e.report.count ?? '?'} series; point-wise F1 ${pct(e.report.pointF1)}, mean IoU ${pct(e.report.iou)}${faith}`
      : '';
  }

  // ---- traces -------------------------------------------------------------------------
  const ivs = (xs) => (xs === null ? 'unparseable' : xs.length === 0 ? '[]' : xs.map(([a, b]) => `[${a}, ${b})`).join(' '));
  const signed = (x) => el('span', { class: x > 0 ? 'pos' : x < 0 ? 'neg' : '', text: (x > 0 ? '+' : '') + fmt(x, 3) });

  function traceCard(t) {
    const nums = el('div', { class: 'nums' });
    const pair = (label, value) => nums.append(el('span', { text: label }), typeof value === 'string' ? el('span', { text: value }) : value);
    pair('reward R', fmt(t.reward.total));
    pair('Â main', signed(t.advMain));
    pair('format · class · loc', `${fmt(t.reward.format, 0)} · ${fmt(t.reward.cls, 0)} · ${fmt(t.reward.localization)}`);
    pair('Â grounded', signed(t.advGrounded));
    pair('grounded s', fmt(t.grounded));
    pair('Â⊥ projected', signed(t.advProjected));
    pair('class', `${t.predictedType ?? '?'}${t.trueType ? ` (true: ${t.trueType})` : ''}`);
    pair('A final', signed(t.advantage));
    const plot = t.plot
      ? el('img', {
          src: `plot/${t.id}.png?${AUTH}`,
          alt: `series ${t.promptId}: true ${ivs(t.truth)}, predicted ${ivs(t.predicted)}`,
          width: '1000',
          height: '150',
        })
      : el('div', { class: 'noplot', text: 'no plot: the series of this prompt is not known to the dashboard' });
    return el(
      'article',
      { class: 'trace', 'data-trace': String(t.id), 'data-step': String(t.step) },
      el(
        'header',
        {},
        el('span', { class: 'id', text: `step ${t.step}` }),
        el('span', { text: `prompt ${t.promptId} · sample ${t.sampleIndex} · weights v${t.weightVersion}` }),
        el('span', { text: `truth ${t.truth ? ivs(t.truth) : '?'} · predicted ${ivs(t.predicted)}` }),
      ),
      plot,
      el('pre', { text: t.text }),
      nums,
    );
  }

  /** Newest step first; within a step, in the server's order (best reward first). */
  function addTrace(t) {
    const box = $('#traces');
    const card = traceCard(t);
    const sameStep = [...box.children].filter((c) => c.dataset.step === String(t.step));
    if (sameStep.length > 0) sameStep.at(-1).after(card);
    else box.prepend(card);
    while (box.children.length > state.limits.maxTraces) box.lastElementChild.remove();
  }

  // ---- end of the job -----------------------------------------------------------------
  /** The job ended: say how (and where its record is, how to continue it); no more reconnecting. */
  function showEnd(end) {
    state.end = end;
    const box = $('#end');
    box.hidden = false;
    box.className = `end end-${end.state}`;
    const lines = [el('b', { text: end.state === 'finished' ? 'Finished' : end.state === 'interrupted' ? 'Interrupted' : 'Stopped' }), ` — ${end.message}.`];
    if (end.resume) lines.push(' Continue it with ', el('code', { text: end.resume }), '.');
    if (end.outputDir) lines.push(' Reopen it any time with ', el('code', { text: `anomseer dashboard ${end.outputDir}` }), '.');
    box.replaceChildren(...lines);
  }

  // ---- messages -----------------------------------------------------------------------
  function onSnapshot(m) {
    state.limits = m.limits;
    state.job = m.job ?? {};
    state.tables = {
      steps: new Table(m.limits.maxPoints, m.steps),
      evals: new Table(m.limits.maxPoints, m.evals),
      warmStart: new Table(m.limits.maxPoints, m.warmStart),
    };
    state.lastStep = m.lastStep;
    state.paperRows = m.paperRows;
    state.latestEval = m.evalReports.at(-1) ?? null;
    state.cluster = m.cluster;
    if (m.end) showEnd(m.end);
    $('#traces').replaceChildren();
    for (const t of m.traces) addTrace(t);
    for (const t of Object.keys(state.tables)) markDirty(t);
    renderHeader();
    renderCluster();
    renderEval();
  }

  function onMessage(m) {
    switch (m.type) {
      case 'snapshot':
        return onSnapshot(m);
      case 'step':
        if (state.tables.steps.append(m.step, m.values)) markDirty('steps');
        state.lastStep = m;
        return renderHeader();
      case 'warm-start':
        if (state.tables.warmStart.append(m.step, m.values)) markDirty('warmStart');
        return renderHeader();
      case 'eval':
        if (state.tables.evals.append(m.step, m.values)) markDirty('evals');
        state.latestEval = { step: m.step, report: m.report };
        return renderEval();
      case 'trace':
        return addTrace(m.trace);
      case 'cluster':
        state.cluster = m.status;
        return renderCluster();
      case 'end':
        showEnd(m.end);
        return setConn('ended', `${m.end.state === 'finished' ? 'run finished' : m.end.state === 'interrupted' ? 'run interrupted' : 'training stopped'}`);
      default:
        return undefined;
    }
  }

  // ---- connection ---------------------------------------------------------------------
  /** Backoff before reconnect attempt k (0-based): 0.5 s · 2^k, at most 15 s, ±25 % jitter. */
  const backoff = (k) => Math.min(15000, 500 * 2 ** k) * (0.75 + Math.random() * 0.5);
  let attempt = 0;
  function setConn(kind, text) {
    const c = $('#conn');
    c.className = `conn conn-${kind}`;
    c.textContent = text;
  }
  function connect() {
    setConn('connecting', attempt === 0 ? 'connecting…' : `reconnecting (attempt ${attempt + 1})…`);
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws?${AUTH}`);
    ws.onopen = () => {
      attempt = 0;
      setConn('open', 'live');
    };
    ws.onmessage = (ev) => onMessage(JSON.parse(ev.data));
    ws.onclose = () => {
      if (state.end) {
        // The job is over and its process gone: nothing to retry. The button tries once more.
        setConn(
          'ended',
          `${state.end.state === 'finished' ? 'run finished' : state.end.state === 'interrupted' ? 'run interrupted' : 'training stopped'} · dashboard closed`,
        );
        $('#reconnect').hidden = false;
        return;
      }
      const delay = backoff(attempt++);
      setConn('closed', `disconnected; retrying in ${(delay / 1000).toFixed(1)} s${TOKEN ? '' : ' (no token in the URL)'}`);
      setTimeout(connect, delay);
    };
  }

  $('#reconnect').addEventListener('click', () => {
    $('#reconnect').hidden = true;
    state.end = null;
    $('#end').hidden = true;
    connect();
  });
  for (const def of CHARTS) makeChart(def);
  renderEval();
  renderCluster();
  connect();
})();
