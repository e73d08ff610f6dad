import type uPlot from 'uplot';
import { api, describeError, plottable, type HistoryEntry, type Session, type State } from '../api';
import { createChart, setXRange, type Marker } from '../charts';
import { failure, h, loading, snippetTabs } from '../dom';
import { watchSession, type StreamStatus } from '../events';
import { formatDate, formatNumber, timeAgo } from '../format';
import { resumeCurl, resumePython } from '../snippets';
import { card, jsonBlock, sessionHeading } from './parts';

/**
 * A value as uPlot plots it: null (a non-finite number) breaks the line, undefined (not
 * reported at that step: a validation metric every few hundred steps) is bridged.
 */
type Value = number | null | undefined;

/** What the charts plot, column by column (uPlot's layout): steps, then one column per series. */
interface Columns {
  steps: number[];
  lrs: Value[][];
  momentums: Value[][];
  metrics: Map<string, Value[]>;
}

/** The reported metric is `metric`; named ones keep their names. */
const METRIC = 'metric';

function toColumns(entries: readonly HistoryEntry[], groups: number): Columns {
  const columns: Columns = {
    steps: [],
    lrs: Array.from({ length: groups }, () => []),
    momentums: [],
    metrics: new Map(),
  };
  for (const entry of entries) append(columns, entry);
  return columns;
}

/** Adds one entry at the end, padding metric columns that it lacks or that are new. */
function append(columns: Columns, entry: Pick<HistoryEntry, 'step' | 'report' | 'state'>): void {
  const index = columns.steps.length;
  columns.steps.push(entry.step);
  entry.state.lrs.forEach((lr, g) => (columns.lrs[g] ??= Array<Value>(index).fill(undefined)).push(plottable(lr)));
  entry.state.momentums?.forEach((m, g) => (columns.momentums[g] ??= Array<Value>(index).fill(undefined)).push(plottable(m)));
  const reported: [string, Parameters<typeof plottable>[0]][] = [];
  if (entry.report?.metric !== undefined) reported.push([METRIC, entry.report.metric]);
  for (const [name, value] of Object.entries(entry.report?.metrics ?? {})) reported.push([name, value]);
  for (const [name, value] of reported) {
    if (!columns.metrics.has(name)) columns.metrics.set(name, Array<Value>(index).fill(undefined));
    columns.metrics.get(name)!.push(plottable(value));
  }
  for (const column of [...columns.lrs, ...columns.momentums, ...columns.metrics.values()]) {
    if (column.length === index) column.push(undefined);
  }
}

/** A log axis cannot show 0 or less: those points leave gaps. */
function positive(value: Value): Value {
  return value == null || value > 0 ? value : null;
}

/** Drops everything after `step` (a rewind). */
function truncate(columns: Columns, step: number): void {
  let keep = columns.steps.length;
  while (keep > 0 && columns.steps[keep - 1]! > step) keep--;
  for (const column of [columns.steps, ...columns.lrs, ...columns.momentums, ...columns.metrics.values()]) column.length = keep;
}

/** Points to ask for: about two per pixel of chart width, within the 2000 the history endpoint answers at most. */
function pointsFor(width: number): number {
  return Math.min(2000, Math.max(500, Math.round(width * 2)));
}

/** Rows of the current-state card: what PyTorch keeps, as named there. */
function stateRows(state: State): [string, string][] {
  const list = (values: readonly Parameters<typeof formatNumber>[0][]) => values.map((v) => formatNumber(v)).join(', ');
  const rows: [string, string][] = [
    ['step', String(state.step)],
    ['last_epoch', formatNumber(state.last_epoch)],
    ['lrs', list(state.lrs)],
    ['base_lrs', list(state.base_lrs)],
  ];
  if (state.momentums) rows.push(['momentums', list(state.momentums)]);
  if (state.best !== undefined) rows.push(['best', formatNumber(state.best)]);
  if (state.num_bad_epochs !== undefined) rows.push(['num_bad_epochs (plateau)', String(state.num_bad_epochs)]);
  if (state.cooldown_counter !== undefined) rows.push(['cooldown_counter', String(state.cooldown_counter)]);
  if (state.finished !== undefined) {
    rows.push(['finished', state.finished ? `yes (${state.finish_reason ?? 'done'})` : 'no']);
    rows.push(['smoothed_loss', formatNumber(state.smoothed_loss)]);
    rows.push(['best_loss', formatNumber(state.best_loss)]);
  }
  return rows;
}

const LIVE_REDRAW_MS = 200;

const STATUS_TEXT: Record<StreamStatus, string> = {
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
  closed: 'not live',
};

export function runPage(root: HTMLElement, initial: Session): () => void {
  let session = initial;
  const groups = session.param_groups.length;
  let overview: Columns | null = null;
  /** Finer history of the zoomed range; null when showing everything. */
  let zoom: { range: [number, number]; columns: Columns | null } | null = null;
  const rewinds: Marker[] = [];
  let logScale = localStorage.getItem('lrsched.logScale') === 'true';
  let charts: uPlot[] = [];
  let chartNames = '';
  let renderTimer: ReturnType<typeof setTimeout> | undefined;
  let chartsDirty = false;
  let lastRender = 0;
  let refetchTimer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let stopEvents: () => void = () => {};
  let pointsAsked = 0;

  const liveBadge = h('span', { class: 'live', 'data-status': 'connecting', role: 'status' }, STATUS_TEXT.connecting);
  const stateCard = card('Current state');
  const chartsBox = h('div', { class: 'charts' }, loading('history'));
  const zoomNote = h('p', { class: 'muted zoom-note' });
  const resetZoom = h('button', { type: 'button', hidden: true, onclick: () => void setZoom(null) }, 'Show all steps');
  const logToggle = h('input', { type: 'checkbox', id: 'log-scale', checked: logScale });
  logToggle.addEventListener('change', () => {
    logScale = logToggle.checked;
    localStorage.setItem('lrsched.logScale', String(logScale));
    rebuildCharts();
  });
  const banner = h('div', { class: 'banner', hidden: true, role: 'alert' });

  const resume = snippetTabs(
    [
      { label: 'Python', text: () => resumePython(session, location.origin) },
      { label: 'curl', text: () => resumeCurl(session, location.origin) },
    ],
    'Copy snippet',
  );
  const downloadButton = h('button', { type: 'button' }, 'Download state_dict');
  downloadButton.addEventListener('click', () => void downloadStateDict());

  root.append(
    sessionHeading(
      session,
      liveBadge,
      session.scheduler.type === 'LRRangeTest'
        ? h('a', { href: `#/sessions/${encodeURIComponent(session.id)}`, class: 'chip' }, 'Range test view')
        : null,
    ),
    banner,
    h(
      'div',
      { class: 'run-layout' },
      h(
        'div',
        { class: 'run-main' },
        h(
          'div',
          { class: 'toolbar' },
          h('label', { class: 'toggle' }, logToggle, ' Log scale (lr)'),
          resetZoom,
          zoomNote,
        ),
        chartsBox,
        h(
          'section',
          { class: 'card resume' },
          h('h2', {}, 'Resume this schedule'),
          h('div', { class: 'actions' }, resume.tabs, resume.copy, downloadButton),
          resume.text,
        ),
      ),
      h(
        'aside',
        { class: 'run-side' },
        stateCard,
        card('Config', jsonBlock(session.scheduler)),
        card('Param groups', jsonBlock(session.param_groups)),
        Object.keys(session.metadata).length ? card('Metadata', jsonBlock(session.metadata)) : null,
        card(
          'Timeline',
          h('dl', {}, h('dt', {}, 'created'), h('dd', {}, formatDate(session.created_at)), h('dt', {}, 'updated'), h('dd', { id: 'updated-at' }, timeAgo(session.updated_at))),
        ),
      ),
    ),
  );
  function drawState(): void {
    const rows = stateRows(session.state);
    stateCard.replaceChildren(
      h('h2', {}, 'Current state'),
      h('dl', { class: 'state-list', 'data-step': session.state.step }, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    );
    root.querySelector('#updated-at')?.replaceChildren(timeAgo(session.updated_at));
    resume.refresh();
  }

  function shown(): Columns | null {
    return zoom ? zoom.columns : overview;
  }

  function chartData(columns: Columns): { names: string; specs: { title: string; columns: Value[][]; labels: string[]; log: boolean }[] } {
    const groupLabels = (prefix: string, n: number) => Array.from({ length: n }, (_, g) => (n === 1 ? prefix : `${prefix} group ${g}`));
    const specs = [{ title: 'Learning rate', columns: columns.lrs, labels: groupLabels('lr', columns.lrs.length), log: logScale }];
    if (columns.momentums.length > 0) {
      specs.push({ title: 'Momentum', columns: columns.momentums, labels: groupLabels('momentum', columns.momentums.length), log: false });
    }
    for (const [name, values] of columns.metrics) specs.push({ title: name === METRIC ? 'Metric' : name, columns: [values], labels: [name], log: false });
    return { names: specs.map((s) => `${s.title}:${s.columns.length}:${s.log}`).join('|'), specs };
  }

  /** Builds the charts from scratch: on first data, new series, or the log toggle. */
  function rebuildCharts(): void {
    for (const chart of charts) chart.destroy();
    charts = [];
    const columns = shown();
    if (!columns) return;
    if (columns.steps.length === 0) {
      chartsBox.replaceChildren(h('div', { class: 'state empty' }, 'No history in this range.'));
      chartNames = '';
      return;
    }
    const { names, specs } = chartData(columns);
    chartNames = names;
    chartsBox.replaceChildren();
    const hasReports = columns.metrics.size > 0;
    for (const spec of specs) {
      const box = h('div', { class: 'chart', 'data-chart': spec.title });
      chartsBox.append(box);
      const series = spec.labels.map((label, i) => ({ label, color: spec.title === 'Learning rate' || spec.title === 'Momentum' ? i : 2 + specs.indexOf(spec) }));
      const chart = createChart(
        box,
        {
          title: spec.title,
          xLabel: 'step',
          series,
          yLog: spec.log,
          height: spec.title === 'Learning rate' ? 250 : 170,
          syncKey: `run-${session.id}`,
          markers: () => rewinds,
          onZoom: zoomOnce,
        },
        [columns.steps, ...spec.columns.map((c) => (spec.log ? c.map(positive) : c))],
      );
      charts.push(chart);
    }
    if (!hasReports) {
      chartsBox.append(h('p', { class: 'muted' }, 'No metrics reported yet: steps with "metric" or "metrics" are plotted here.'));
    }
    if (zoom) setXRange(charts, zoom.range);
  }

  /** New data in the same series: uPlot redraws in place, keeping cursor and zoom. */
  function refreshCharts(): void {
    const columns = shown();
    if (!columns) return;
    const { names, specs } = chartData(columns);
    if (names !== chartNames || charts.length !== specs.length) {
      rebuildCharts();
      return;
    }
    specs.forEach((spec, i) => {
      const data = [columns.steps, ...spec.columns.map((c) => (spec.log ? c.map(positive) : c))];
      charts[i]!.setData(data as uPlot.AlignedData, !zoom);
    });
    if (zoom) setXRange(charts, zoom.range);
  }

  /**
   * Draws the state card, and the charts when they have new data, at most every
   * LIVE_REDRAW_MS: a job may step hundreds of times a second, and the cost is the
   * browser's layout and canvas painting, not the data.
   */
  function scheduleRender(withCharts: boolean): void {
    chartsDirty ||= withCharts;
    if (renderTimer !== undefined) return;
    renderTimer = setTimeout(
      () =>
        requestAnimationFrame(() => {
          renderTimer = undefined;
          lastRender = performance.now();
          drawState();
          if (chartsDirty) refreshCharts();
          chartsDirty = false;
        }),
      Math.max(0, lastRender + LIVE_REDRAW_MS - performance.now()),
    );
  }

  async function loadOverview(): Promise<void> {
    const width = chartsBox.clientWidth || 800;
    pointsAsked = pointsFor(width);
    const page = await api.history(session.id, pointsAsked);
    if (stopped) return;
    overview = toColumns(page.items, groups);
  }

  /**
   * Linked charts share the drag, so every one of them reports the range (each through its
   * own pixels): the first report of a gesture is taken, once.
   */
  let zoomPending = false;
  function zoomOnce(range: [number, number] | null): void {
    if (zoomPending) return;
    zoomPending = true;
    setTimeout(() => {
      zoomPending = false;
      void setZoom(range);
    });
  }

  async function setZoom(range: [number, number] | null): Promise<void> {
    resetZoom.hidden = range === null;
    if (range === null) {
      zoom = null;
      zoomNote.textContent = '';
      rebuildCharts();
      return;
    }
    const [from, to] = [Math.max(0, Math.floor(range[0])), Math.ceil(range[1])];
    zoom = { range: [from, to], columns: zoom?.columns ?? null };
    zoomNote.textContent = `steps ${from}–${to} · double-click a chart to see all`;
    setXRange(charts, zoom.range);
    try {
      const page = await api.history(session.id, pointsFor(chartsBox.clientWidth || 800), from, to);
      if (stopped || zoom?.range[0] !== from || zoom.range[1] !== to) return;
      zoom.columns = toColumns(page.items, groups);
      rebuildCharts();
    } catch (e) {
      zoomNote.textContent = `could not load steps ${from}–${to}: ${describeError(e)}`;
    }
  }

  /** Appended live points pile up beyond what the chart needs: fetch a fresh downsampled overview now and then. */
  function refetchOverviewSoon(): void {
    if (refetchTimer !== undefined) return;
    refetchTimer = setTimeout(async () => {
      refetchTimer = undefined;
      try {
        await loadOverview();
        scheduleRender(!zoom);
      } catch {
        // the appended points stay; the next growth tries again
      }
    }, 1_000);
  }

  function onStep(entry: Pick<HistoryEntry, 'step' | 'report' | 'state'>): void {
    session = { ...session, state: entry.state, updated_at: new Date().toISOString() };
    const last = overview?.steps.at(-1) ?? -1;
    // An entry the history read at the start already holds only moves the state card.
    if (!overview || entry.step <= last) return scheduleRender(false);
    append(overview, entry);
    if (overview.steps.length > 2 * pointsAsked) refetchOverviewSoon();
    scheduleRender(!zoom);
  }

  async function downloadStateDict(): Promise<void> {
    try {
      const exported = await api.stateDict(session.id);
      const blob = new Blob([JSON.stringify(exported, null, 2)], { type: 'application/json' });
      const link = h('a', {
        href: URL.createObjectURL(blob),
        download: `${session.key ?? session.name ?? session.id}-step${session.state.step}-state_dict.json`,
      });
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    } catch (e) {
      banner.hidden = false;
      banner.textContent = `Could not download the state_dict: ${describeError(e)}`;
    }
  }

  async function start(): Promise<void> {
    drawState();
    try {
      await loadOverview();
    } catch (e) {
      if (!stopped) chartsBox.replaceChildren(failure(e, () => void start()));
      return;
    }
    if (stopped) return;
    rebuildCharts();
    stopEvents = watchSession(session.id, {
      afterStep: overview?.steps.at(-1) ?? session.state.step,
      onStatus: (status, error) => {
        liveBadge.dataset.status = status;
        liveBadge.textContent = error ? `not live: ${error.describe()}` : STATUS_TEXT[status];
      },
      onEvent: (event) => {
        if (event.type === 'deleted') {
          banner.hidden = false;
          banner.textContent = 'This session has been deleted. What is shown is how it was.';
          return;
        }
        if (!event.data.state) return;
        if (event.type === 'rewind') {
          const from = session.state.step;
          rewinds.push({ x: event.step, label: `rewind ${from}→${event.step}` });
          if (overview) truncate(overview, event.step);
          session = { ...session, state: event.data.state, updated_at: new Date().toISOString() };
          scheduleRender(true);
          return;
        }
        onStep({ step: event.step, report: event.data.report ?? null, state: event.data.state });
      },
    });
  }

  void start();
  return () => {
    stopped = true;
    stopEvents();
    clearTimeout(refetchTimer);
    clearTimeout(renderTimer);
    for (const chart of charts) chart.destroy();
  };
}
