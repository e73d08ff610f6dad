import type uPlot from 'uplot';
import { api, ApiError, numberFrom, plottable, type ParamGroup, type State } from '../api';
import { createChart } from '../charts';
import { failure, h, loading, snippetTabs } from '../dom';
import { formatNumber } from '../format';
import { readSchedulerSchemas, schedulerForm, showFieldErrors, type Config, type SchedulerSchemas } from '../schema-form';
import { designCurl, designJson, designPython, type Design } from '../snippets';

/** Typing pauses this long before the preview is asked for. */
const DEBOUNCE_MS = 250;
const DEFAULT_STEPS = 100;

/** Where a freshly chosen type starts, so its curve shows at once (the README's examples, scaled to the steps). */
function example(type: string, steps: number): Config {
  const span = Math.max(1, steps);
  const examples: Record<string, Config> = {
    StepLR: { step_size: Math.max(1, Math.round(span / 3)), gamma: 0.1 },
    MultiStepLR: { milestones: [Math.round(span * 0.5), Math.round(span * 0.8)], gamma: 0.1 },
    ExponentialLR: { gamma: 0.97 },
    CosineAnnealingLR: { T_max: span },
    ReduceLROnPlateau: { factor: 0.5, patience: 5 },
    LambdaLR: { lr_lambda: 'min(1.0, (epoch + 1) / 10)' },
    MultiplicativeLR: { lr_lambda: '0.97' },
    ConstantLR: { factor: 0.5, total_iters: Math.round(span / 4) },
    LinearLR: { start_factor: 0.1, total_iters: Math.round(span / 4) },
    PolynomialLR: { total_iters: span, power: 2 },
    CosineAnnealingWarmRestarts: { T_0: Math.max(1, Math.round(span / 7)), T_mult: 2 },
    CyclicLR: { base_lr: 0.001, max_lr: 0.1, step_size_up: Math.max(1, Math.round(span / 8)) },
    OneCycleLR: { max_lr: 0.1, total_steps: span },
    SequentialLR: {
      milestones: [Math.round(span / 10)],
      schedulers: [
        { type: 'LinearLR', start_factor: 0.1, total_iters: Math.round(span / 10) },
        { type: 'CosineAnnealingLR', T_max: span - Math.round(span / 10) },
      ],
    },
    ChainedScheduler: {
      schedulers: [
        { type: 'ConstantLR', factor: 0.1, total_iters: Math.round(span / 10) },
        { type: 'ExponentialLR', gamma: 0.97 },
      ],
    },
    LRRangeTest: { end_lr: 10, num_iter: span },
  };
  return { type, ...structuredClone(examples[type] ?? {}) };
}

/** Schedulers that watch a metric are previewed against a made-up loss that falls, then stays flat. */
const WATCHES_METRIC = new Set(['ReduceLROnPlateau', 'LRRangeTest']);
function syntheticLoss(step: number): number {
  return Number((0.5 + 2 * 0.95 ** step).toPrecision(6));
}

interface Side {
  name: 'A' | 'B';
  scheduler: Config;
  groups: ParamGroup[];
  points: State[] | null;
  error: string | null;
  form: HTMLElement;
  seq: number;
}

interface Saved {
  /** The link's query it started from: the same link again shows the edits, a new one starts over. */
  origin: string;
  steps: number;
  a: { scheduler: Config; groups: ParamGroup[] };
  b: { scheduler: Config; groups: ParamGroup[] } | null;
}

/** What the designer held, so a redraw (theme switch, key change) does not throw work away. */
let saved: Saved | null = null;

function fromQuery(query: URLSearchParams): Saved | null {
  const type = query.get('type');
  if (!type) return null;
  const steps = Number(query.get('steps') ?? DEFAULT_STEPS) || DEFAULT_STEPS;
  const scheduler = example(type, steps);
  const maxLr = query.get('max_lr');
  if (maxLr) scheduler.max_lr = maxLr.startsWith('[') ? (JSON.parse(maxLr) as number[]) : Number(maxLr);
  const groupCount = Math.max(1, Math.min(64, Number(query.get('groups') ?? 1) || 1));
  return {
    origin: query.toString(),
    steps,
    a: { scheduler, groups: Array.from({ length: groupCount }, () => ({ lr: 0.1, momentum: 0.9 })) },
    b: null,
  };
}

function defaults(): Saved {
  return { origin: '', steps: DEFAULT_STEPS, a: { scheduler: example('OneCycleLR', DEFAULT_STEPS), groups: [{ lr: 0.1, momentum: 0.9 }] }, b: null };
}

export function designerPage(root: HTMLElement, query: URLSearchParams): () => void {
  const start = (saved?.origin === query.toString() ? saved : null) ?? fromQuery(query) ?? defaults();
  const from = query.get('from');
  let schemas: SchedulerSchemas;
  let steps = start.steps;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let charts: uPlot[] = [];
  const sides: Side[] = [];

  root.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Schedule designer'), h('p', { class: 'muted' }, 'Edit a schedule and see every step of it before a job runs it.')),
  );
  const body = h('div', {}, loading('the scheduler schemas'));
  root.append(body);

  const stepsInput = h('input', { id: 'steps', type: 'number', min: 1, max: 100000, value: steps });
  const compareToggle = h('input', { id: 'compare', type: 'checkbox', checked: start.b !== null });
  const formsBox = h('div', { class: 'designer-forms' });
  const chartsBox = h('div', { class: 'charts' });
  const summary = h('div', { class: 'summary', 'aria-live': 'polite' });
  const generalErrors = h('div', { class: 'general-errors', role: 'alert' });

  const design = (side: Side): Design => ({ param_groups: side.groups, scheduler: side.scheduler });
  const exports = snippetTabs(
    [
      { label: 'JSON', text: () => designJson(design(sides[0]!)) },
      { label: 'Python', text: () => designPython(design(sides[0]!), location.origin) },
      { label: 'curl', text: () => designCurl(design(sides[0]!), location.origin) },
    ],
    'Copy config A',
  );

  function remember(): void {
    saved = {
      origin: start.origin,
      steps,
      a: { scheduler: sides[0]!.scheduler, groups: sides[0]!.groups },
      b: sides[1] ? { scheduler: sides[1].scheduler, groups: sides[1].groups } : null,
    };
  }

  function changed(): void {
    remember();
    exports.refresh();
    clearTimeout(timer);
    timer = setTimeout(() => void previewAll(), DEBOUNCE_MS);
  }

  function groupsEditor(side: Side): HTMLElement {
    const box = h('fieldset', { class: 'groups', 'data-path': 'param_groups' });
    const draw = () => {
      box.replaceChildren(
        h('legend', {}, 'Param groups'),
        h('div', { class: 'field-error', role: 'alert' }),
        ...side.groups.map((group, i) => {
          const numberField = (key: 'lr' | 'momentum', label: string) => {
            const id = `${side.name}-group-${i}-${key}`;
            const input = h('input', { id, type: 'text', inputmode: 'decimal', 'data-field': `param_groups.${i}.${key}`, value: group[key] ?? '', placeholder: key === 'lr' ? 'required' : 'none' });
            input.addEventListener('input', () => {
              const text = input.value.trim();
              const value = text === '' ? undefined : Number.isFinite(Number(text)) ? Number(text) : text;
              if (value === undefined) delete group[key];
              else (group as Record<string, unknown>)[key] = value;
              changed();
            });
            return h('div', { class: 'field', 'data-path': `param_groups.${i}.${key}` }, h('label', { for: id }, label), input, h('div', { class: 'field-error', role: 'alert' }));
          };
          return h(
            'div',
            { class: 'group-row' },
            h('span', { class: 'group-index' }, `${i}`),
            numberField('lr', 'lr'),
            numberField('momentum', 'momentum'),
            h('button', { type: 'button', class: 'small', 'aria-label': `remove group ${i}`, disabled: side.groups.length <= 1, onclick: () => { side.groups.splice(i, 1); draw(); changed(); } }, 'Remove'),
          );
        }),
        h('button', { type: 'button', class: 'small', onclick: () => { side.groups.push({ ...side.groups.at(-1)! }); draw(); changed(); } }, 'Add a group'),
      );
    };
    draw();
    return box;
  }

  function makeSide(name: 'A' | 'B', scheduler: Config, groups: ParamGroup[]): Side {
    const side: Side = { name, scheduler, groups, points: null, error: null, form: h('div'), seq: 0 };
    side.form = h(
      'section',
      { class: `card design design-${name.toLowerCase()}`, 'aria-label': `Config ${name}` },
      h('h2', {}, h('span', { class: `side-mark side-${name.toLowerCase()}`, 'aria-hidden': 'true' }), `Config ${name}`),
      schedulerForm(scheduler, 'scheduler', {
        schemas,
        example: (type) => example(type, steps),
        onChange: changed,
      }),
      groupsEditor(side),
    );
    return side;
  }

  function drawForms(): void {
    formsBox.replaceChildren(...sides.map((s) => s.form));
  }

  /** Asks for one side's preview; an answer overtaken by a newer request is dropped. */
  async function preview(side: Side): Promise<void> {
    const seq = ++side.seq;
    const body: Record<string, unknown> = { param_groups: side.groups, scheduler: side.scheduler };
    if (WATCHES_METRIC.has(String(side.scheduler.type))) body.reports = Array.from({ length: steps }, (_, k) => ({ metric: syntheticLoss(k) }));
    else body.steps = steps;
    try {
      const answer = await api.preview(body);
      if (seq !== side.seq || stopped) return;
      side.points = answer.points;
      side.error = null;
      showFieldErrors(side.form, []);
    } catch (e) {
      if (seq !== side.seq || stopped) return;
      const error = e instanceof ApiError ? e : new ApiError(0, null, String(e));
      const unplaced = showFieldErrors(side.form, error.problem?.errors ?? []);
      const stepsError = unplaced.find((u) => u.path === 'steps' || u.path === 'reports');
      side.error = error.problem?.errors && unplaced.length === 0 ? 'see the fields marked' : (stepsError?.message ?? error.describe());
      side.points = null;
    }
  }

  async function previewAll(): Promise<void> {
    await Promise.all(sides.map(preview));
    if (!stopped) drawCharts();
  }

  function peak(points: readonly State[], group: number): { lr: number; step: number } {
    let best = { lr: -Infinity, step: 0 };
    for (const point of points) {
      const lr = numberFrom(point.lrs[group]);
      if (lr > best.lr) best = { lr, step: point.step };
    }
    return best;
  }

  function drawCharts(): void {
    for (const chart of charts) chart.destroy();
    charts = [];
    generalErrors.replaceChildren(
      ...sides.filter((s) => s.error).map((s) => h('p', {}, h('strong', {}, `Config ${s.name}: `), s.error)),
    );
    const drawn = sides.filter((s) => s.points && s.points.length > 0);
    if (drawn.length === 0) {
      chartsBox.replaceChildren(h('div', { class: 'state empty' }, 'Fix the marked fields to see the schedule.'));
      summary.replaceChildren();
      return;
    }
    const xs = Array.from({ length: steps + 1 }, (_, k) => k);
    const column = (points: readonly State[], pick: (s: State) => Parameters<typeof plottable>[0]) => xs.map((k) => (points[k] ? plottable(pick(points[k])) : null));
    const series: { label: string; color: number; dash?: number[] }[] = [];
    const lrColumns: (number | null)[][] = [];
    const momentumSeries: typeof series = [];
    const momentumColumns: (number | null)[][] = [];
    // B's groups take the colours after A's (A blue, B orange for one group each) and dash.
    let colour = 0;
    for (const side of drawn) {
      const groups = side.points![0]!.lrs.length;
      for (let g = 0; g < groups; g++) {
        const label = `${side.name}${groups > 1 ? ` group ${g}` : ''}`;
        const style = { color: colour++, ...(side.name === 'B' ? { dash: [6, 4] } : {}) };
        series.push({ label: `lr ${label}`, ...style });
        lrColumns.push(column(side.points!, (s) => s.lrs[g]));
        if (side.points![0]!.momentums) {
          momentumSeries.push({ label: `momentum ${label}`, ...style });
          momentumColumns.push(column(side.points!, (s) => s.momentums?.[g]));
        }
      }
    }
    chartsBox.replaceChildren();
    const lrBox = h('div', { class: 'chart', 'data-chart': 'preview-lr' });
    chartsBox.append(lrBox);
    charts.push(createChart(lrBox, { title: 'Learning rate', xLabel: 'step', series, height: 300, syncKey: 'designer' }, [xs, ...lrColumns]));
    if (momentumColumns.length > 0) {
      const momentumBox = h('div', { class: 'chart', 'data-chart': 'preview-momentum' });
      chartsBox.append(momentumBox);
      charts.push(createChart(momentumBox, { title: 'Momentum', xLabel: 'step', series: momentumSeries, height: 180, syncKey: 'designer' }, [xs, ...momentumColumns]));
    }
    summary.replaceChildren(
      ...drawn.flatMap((side) =>
        side.points![0]!.lrs.map((_, g) => {
          const top = peak(side.points!, g);
          const last = side.points!.at(-1)!;
          return h(
            'p',
            { 'data-side': side.name, 'data-group': g, 'data-peak': String(top.lr) },
            h('strong', {}, `${side.name}${side.points![0]!.lrs.length > 1 ? ` group ${g}` : ''}: `),
            `peak lr ${formatNumber(top.lr)} at step ${top.step} · final lr ${formatNumber(last.lrs[g])} at step ${last.step}`,
          );
        }),
      ),
      WATCHES_METRIC.has(String(sides[0]?.scheduler.type)) || WATCHES_METRIC.has(String(sides[1]?.scheduler.type))
        ? h('p', { class: 'muted' }, 'Metric-driven schedulers are previewed against a made-up loss, 0.5 + 2·0.95^step.')
        : '',
    );
  }

  async function open(): Promise<void> {
    try {
      schemas = readSchedulerSchemas(await api.openapi());
    } catch (e) {
      if (!stopped) body.replaceChildren(failure(e, () => void open()));
      return;
    }
    if (stopped) return;
    sides.push(makeSide('A', start.a.scheduler, start.a.groups));
    if (start.b) sides.push(makeSide('B', start.b.scheduler, start.b.groups));
    stepsInput.addEventListener('input', () => {
      const value = Number(stepsInput.value);
      if (!Number.isInteger(value) || value < 1) return;
      steps = value;
      changed();
    });
    compareToggle.addEventListener('change', () => {
      if (compareToggle.checked) sides.push(makeSide('B', structuredClone(sides[0]!.scheduler), structuredClone(sides[0]!.groups)));
      else sides.splice(1);
      drawForms();
      changed();
    });
    drawForms();
    body.replaceChildren(
      from ? h('p', { class: 'notice' }, `max_lr comes from range test ${from.split(':')[0]} (${from.split(':')[1] ?? 'suggestion'} rule).`) : '',
      h(
        'div',
        { class: 'designer' },
        h(
          'div',
          { class: 'designer-side' },
          h(
            'div',
            { class: 'card settings' },
            h('div', { class: 'field', 'data-path': 'steps' }, h('label', { for: 'steps' }, 'Steps to preview'), stepsInput),
            h('label', { class: 'toggle' }, compareToggle, ' Compare with a second config (B)'),
          ),
          formsBox,
        ),
        h(
          'div',
          { class: 'designer-main' },
          generalErrors,
          chartsBox,
          summary,
          h(
            'section',
            { class: 'card' },
            h('h2', {}, 'Use config A'),
            h('div', { class: 'actions' }, exports.tabs, exports.copy),
            exports.text,
          ),
        ),
      ),
    );
    chartsBox.replaceChildren(loading('the preview'));
    exports.refresh();
    remember();
    await previewAll();
  }

  void open();
  return () => {
    stopped = true;
    clearTimeout(timer);
    for (const chart of charts) chart.destroy();
  };
}
