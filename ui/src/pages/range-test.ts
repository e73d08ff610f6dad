import type uPlot from 'uplot';
import { api, ApiError, numberFrom, plottable, type Session, type Suggestion } from '../api';
import { createChart, theme, type Marker } from '../charts';
import { failure, h, loading } from '../dom';
import { watchSession } from '../events';
import { formatNumber } from '../format';
import { card, jsonBlock, sessionHeading } from './parts';

type Rule = 'steepest' | 'minimum' | 'valley';

const RULES: { rule: Rule; explains: string; color: number }[] = [
  { rule: 'steepest', explains: 'where the smoothed loss falls fastest against log lr', color: 3 },
  { rule: 'minimum', explains: 'the lr of the lowest smoothed loss, divided by 10', color: 4 },
  { rule: 'valley', explains: "fastai's valley: inside the longest stretch of falling loss", color: 5 },
];

/** While a test runs, its suggestion is read again at most this often. */
const REFRESH_MS = 1_000;

/**
 * The y range that shows the interesting part: from the lowest loss to a bit above where the
 * test began. Diverging tests end with losses many times larger, which would flatten the rest.
 */
function lossRange(points: Suggestion['points']): (min: number, max: number) => [number, number] {
  const smoothed = points.map((p) => numberFrom(p.smoothed_loss)).filter(Number.isFinite);
  const raw = points.map((p) => numberFrom(p.loss)).filter(Number.isFinite);
  return (min, max) => {
    const low = Math.min(...smoothed, ...raw.slice(0, Math.max(1, raw.length - 1)), min);
    const start = smoothed[0] ?? max;
    const high = Math.min(max, Math.max(start * 1.5, ...smoothed.slice(0, -1)));
    const pad = (high - low) * 0.05 || Math.abs(high) * 0.05 || 1;
    return [low - pad, high + pad];
  };
}

/** A designer link with max_lr (per group when there are several) taken from the chosen rule. */
function designerLink(session: Session, suggestion: Suggestion, rule: Rule): string {
  const lrs = suggestion[rule].lrs.map(numberFrom);
  const params = new URLSearchParams({
    type: 'OneCycleLR',
    max_lr: lrs.length === 1 ? String(lrs[0]) : JSON.stringify(lrs),
    groups: String(session.param_groups.length),
    from: `${session.id}:${rule}`,
  });
  return `#/designer?${params}`;
}

export function rangeTestPage(root: HTMLElement, session: Session): () => void {
  let chart: uPlot | null = null;
  let stopped = false;
  let stopEvents: () => void = () => {};
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  let lastRead = 0;

  const status = h('span', { class: 'chip', role: 'status' });
  const body = h('div', { class: 'range-body' }, loading('the range test'));
  root.append(
    sessionHeading(
      session,
      status,
      h('a', { href: `#/sessions/${encodeURIComponent(session.id)}/steps`, class: 'chip' }, 'Step view'),
    ),
    body,
  );

  function describeStatus(suggestion: Suggestion | null): void {
    const state = session.state;
    status.textContent = state.finished
      ? `finished: ${state.finish_reason === 'diverged' ? 'the loss diverged' : 'all batches run'} at step ${state.step}`
      : `running · batch ${state.step}`;
    status.dataset.finished = String(Boolean(suggestion?.finished ?? state.finished));
  }

  function draw(suggestion: Suggestion): void {
    chart?.destroy();
    const points = suggestion.points.filter((p) => numberFrom(p.lr) > 0);
    const markers: Marker[] = RULES.map(({ rule, color }) => ({
      x: numberFrom(suggestion[rule].lr),
      label: `${rule} ${formatNumber(suggestion[rule].lr)}`,
      color: theme().series[color],
    }));
    const chartBox = h('div', { class: 'chart', 'data-chart': 'loss-vs-lr' });
    const list = h(
      'ol',
      { class: 'suggestions' },
      ...RULES.map(({ rule, explains, color }) =>
        h(
          'li',
          { 'data-rule': rule, style: `--rule-color: var(--series-${color + 1})` },
          h('div', { class: 'rule' }, h('span', { class: 'swatch', 'aria-hidden': 'true' }), rule),
          h('div', { class: 'value', 'data-value': String(numberFrom(suggestion[rule].lr)) }, formatNumber(suggestion[rule].lr)),
          h('div', { class: 'muted' }, `${explains} (batch ${suggestion[rule].step})`),
          h('a', { class: 'button', href: designerLink(session, suggestion, rule) }, 'Start a schedule from this'),
        ),
      ),
    );
    body.replaceChildren(
      h(
        'div',
        { class: 'run-layout' },
        h('div', { class: 'run-main' }, chartBox, h('h2', {}, 'Suggested learning rates'), list),
        h(
          'aside',
          { class: 'run-side' },
          card('Config', jsonBlock(session.scheduler)),
          card('Param groups', jsonBlock(session.param_groups)),
        ),
      ),
    );
    chart = createChart(
      chartBox,
      {
        title: 'Loss against learning rate',
        xLabel: 'lr',
        xLog: true,
        height: 360,
        series: [
          { label: 'loss', color: 1, points: true, alpha: 0.45 },
          { label: 'smoothed loss', color: 0, width: 2.5 },
        ],
        markers: () => markers,
        yRange: lossRange(points),
      },
      [points.map((p) => numberFrom(p.lr)), points.map((p) => plottable(p.loss)), points.map((p) => plottable(p.smoothed_loss))],
    );
  }

  async function read(): Promise<void> {
    refreshTimer = undefined;
    lastRead = Date.now();
    try {
      const [fresh, suggestion] = await Promise.all([api.session(session.id), api.suggestion(session.id)]);
      if (stopped) return;
      session = fresh;
      describeStatus(suggestion);
      draw(suggestion);
    } catch (e) {
      if (stopped) return;
      describeStatus(null);
      // Too few batches yet is the normal start of a test, not a failure.
      if (e instanceof ApiError && e.status === 409) {
        chart?.destroy();
        chart = null;
        body.replaceChildren(
          h('div', { class: 'state empty' }, h('h2', {}, 'Not enough batches yet'), h('p', {}, e.message), h('p', { class: 'muted' }, 'This page updates as the test reports its batches.')),
        );
      } else {
        body.replaceChildren(failure(e, () => void read()));
      }
    }
  }

  function readSoon(): void {
    if (refreshTimer !== undefined) return;
    refreshTimer = setTimeout(() => void read(), Math.max(0, lastRead + REFRESH_MS - Date.now()));
  }

  describeStatus(null);
  void read().then(() => {
    if (stopped || session.state.finished) return;
    stopEvents = watchSession(session.id, { afterStep: session.state.step, onStatus: () => {}, onEvent: readSoon });
  });

  return () => {
    stopped = true;
    stopEvents();
    clearTimeout(refreshTimer);
    chart?.destroy();
  };
}
