import uPlot from 'uplot';
import { formatNumber } from './format';

/** Colours come from the stylesheet, so light and dark are decided in one place (style.css). */
export function theme() {
  const css = getComputedStyle(document.documentElement);
  const read = (name: string) => css.getPropertyValue(name).trim();
  return {
    text: read('--muted'),
    grid: read('--grid'),
    series: Array.from({ length: 8 }, (_, i) => read(`--series-${i + 1}`)),
    marker: read('--marker'),
    font: `12px ${read('--font-ui')}`,
  };
}

export interface SeriesSpec {
  label: string;
  /** Index into the theme's series colours. */
  color: number;
  dash?: number[];
  width?: number;
  /** Dots instead of a line (raw, noisy measurements). */
  points?: boolean;
  alpha?: number;
}

export interface Marker {
  x: number;
  label: string;
  color?: string;
}

export interface ChartSpec {
  title: string;
  series: SeriesSpec[];
  xLabel: string;
  /** A log-scaled x axis (the range test's lr). */
  xLog?: boolean;
  yLog?: boolean;
  height?: number;
  /** Charts with the same key share the cursor. */
  syncKey?: string;
  markers?: () => readonly Marker[];
  yRange?: (min: number, max: number) => [number, number];
  /** Called when the user drags out an x range (zoom in) or double-clicks (null: zoom out). */
  onZoom?: (range: [number, number] | null) => void;
}

function withAlpha(color: string, alpha: number): string {
  // Theme colours are hex (#rrggbb); alpha as two more hex digits.
  return alpha >= 1 || !/^#[0-9a-f]{6}$/i.test(color) ? color : `${color}${Math.round(alpha * 255).toString(16).padStart(2, '0')}`;
}

/** The width of an axis label in CSS pixels, measured with the chart's own font. */
function labelWidth(u: uPlot, label: string, font: string): number {
  u.ctx.save();
  u.ctx.font = font;
  const width = u.ctx.measureText(label).width;
  u.ctx.restore();
  return width;
}

function showLatest(u: uPlot): void {
  const last = u.data[0].length - 1;
  if (last >= 0 && u.cursor.idx == null) u.setLegend({ idx: last }, false);
}

/** Marker lines with their labels, drawn over the plot after the series. */
function drawMarkers(u: uPlot, markers: readonly Marker[], fallback: string, font: string): void {
  const { ctx, bbox } = u;
  const ratio = uPlot.pxRatio;
  ctx.save();
  ctx.font = font.replace(/^(\d+)px/, (_, px: string) => `${Number(px) * ratio}px`);
  ctx.lineWidth = ratio;
  // uPlot leaves the alignment of its last axis labels on the context.
  ctx.textAlign = 'left';
  ctx.textBaseline = 'alphabetic';
  ctx.setLineDash([4 * ratio, 3 * ratio]);
  markers.forEach((marker, i) => {
    const x = Math.round(u.valToPos(marker.x, 'x', true));
    if (x < bbox.left || x > bbox.left + bbox.width) return;
    const color = marker.color ?? fallback;
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.beginPath();
    ctx.moveTo(x, bbox.top);
    ctx.lineTo(x, bbox.top + bbox.height);
    ctx.stroke();
    // Labels stagger downwards so neighbouring markers stay readable.
    const y = bbox.top + (12 + (i % 3) * 14) * ratio;
    const width = ctx.measureText(marker.label).width;
    const flip = x + 4 * ratio + width > bbox.left + bbox.width;
    ctx.fillText(marker.label, flip ? x - 4 * ratio - width : x + 4 * ratio, y);
  });
  ctx.restore();
}

/**
 * A uPlot chart that follows its container's width. uPlot draws straight to a canvas from
 * flat typed columns, so series of 100 000 points and more redraw in milliseconds, and its
 * cursor sync links charts without extra code.
 */
export function createChart(container: HTMLElement, spec: ChartSpec, data: uPlot.AlignedData): uPlot {
  const colors = theme();
  // A log axis has splits at 1…9 × each power of ten: over two decades or more, grid lines,
  // ticks and labels only at the powers.
  const isPower = (v: number) => Number.isInteger(Math.log10(v));
  const powersOfTen = (_u: uPlot, splits: number[]) =>
    splits.filter(isPower).length >= 2 ? splits.map((v) => (isPower(v) ? v : null)) : splits;
  // No axis titles: the chart's title names y, the legend names x (step or lr) with its value.
  const axis = (log: boolean | undefined, size: number): uPlot.Axis => ({
    stroke: colors.text,
    grid: { stroke: colors.grid, width: 1, ...(log ? { filter: powersOfTen } : {}) },
    ticks: { stroke: colors.grid, width: 1, ...(log ? { filter: powersOfTen } : {}) },
    font: colors.font,
    values: (_u, splits) => splits.map((v) => (v == null ? '' : formatNumber(v))),
    ...(log ? { filter: powersOfTen } : {}),
    size,
  });
  // The y axis grows for long labels (5.03748e-4); the usual 64 px keeps linked charts' plots aligned.
  const yAxis = (log: boolean | undefined): uPlot.Axis => ({
    ...axis(log, 0),
    size: (u, values) => Math.max(64, Math.ceil(Math.max(0, ...(values ?? []).map((v) => labelWidth(u, v, colors.font)))) + 20),
  });
  const options: uPlot.Options = {
    width: Math.max(200, container.clientWidth),
    height: spec.height ?? 240,
    title: spec.title,
    scales: {
      x: { time: false, ...(spec.xLog ? { distr: 3 } : {}) },
      y: {
        ...(spec.yLog ? { distr: 3 } : {}),
        ...(spec.yRange ? { range: (_u, min, max) => spec.yRange!(min, max) } : {}),
      },
    },
    axes: [axis(spec.xLog, 36), yAxis(spec.yLog)],
    series: [
      { label: spec.xLabel, value: (_u, v) => (v == null ? '—' : formatNumber(v)) },
      ...spec.series.map((s): uPlot.Series => {
        const stroke = withAlpha(colors.series[s.color % colors.series.length] ?? colors.text, s.alpha ?? 1);
        return {
          label: s.label,
          stroke,
          width: s.width ?? 1.5,
          ...(s.dash ? { dash: s.dash } : {}),
          ...(s.points ? { paths: () => null, points: { show: true, size: 3, stroke, fill: stroke } } : { points: { show: false } }),
          spanGaps: false,
          value: (_u, v) => (v == null ? '—' : formatNumber(v)),
        };
      }),
    ],
    cursor: {
      ...(spec.syncKey ? { sync: { key: spec.syncKey } } : {}),
      // With onZoom the page zooms every linked chart itself (and may fetch finer history).
      drag: { x: true, y: false, setScale: !spec.onZoom },
      ...(spec.onZoom
        ? {
            bind: {
              dblclick: () => () => {
                spec.onZoom!(null);
                return null;
              },
            },
          }
        : {}),
    },
    legend: { live: true },
    hooks: {
      // Away from the cursor the legend shows the newest values: what a run is at now.
      ready: [showLatest],
      setData: [showLatest],
      setCursor: [(u) => u.cursor.idx == null && showLatest(u)],
      draw: spec.markers ? [(u) => drawMarkers(u, spec.markers!(), colors.marker, colors.font)] : [],
      setSelect: spec.onZoom
        ? [
            (u) => {
              if (u.select.width < 2) return;
              const from = u.posToVal(u.select.left, 'x');
              const to = u.posToVal(u.select.left + u.select.width, 'x');
              u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
              spec.onZoom!([from, to]);
            },
          ]
        : [],
    },
  };
  const chart = new uPlot(options, data, container);
  const resize = new ResizeObserver(() => {
    const width = Math.max(200, container.clientWidth);
    if (width !== chart.width) chart.setSize({ width, height: chart.height });
  });
  resize.observe(container);
  const destroy = chart.destroy.bind(chart);
  chart.destroy = () => {
    resize.disconnect();
    destroy();
  };
  return chart;
}

/** Applies one x range to every chart of a group (uPlot syncs cursors, not scales). */
export function setXRange(charts: readonly uPlot[], range: [number, number] | null): void {
  for (const chart of charts) {
    const xs = chart.data[0];
    const min = range ? range[0] : xs[0];
    const max = range ? range[1] : xs[xs.length - 1];
    if (min === undefined || max === undefined) continue;
    chart.setScale('x', { min, max: max > min ? max : min + 1 });
  }
}
