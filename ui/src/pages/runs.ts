import { api, describeError, plottable, type HistoryEntry, type Session } from '../api';
import { empty, failure, h, loading } from '../dom';
import { formatDate, formatLrs, formatNumber, timeAgo } from '../format';

/** How often the list is read again: the service has no stream of all sessions, and one GET is cheap. */
const REFRESH_MS = 2_000;
const PAGE_SIZE = 100;
/** Trend reads in flight at once (one short downsampled history per session that moved). */
const LOOKUPS_IN_FLIGHT = 4;

interface Filters {
  text: string;
  type: string;
  metadata: string;
}

function readFilters(query: URLSearchParams): Filters {
  return { text: query.get('q') ?? '', type: query.get('type') ?? '', metadata: query.get('meta') ?? '' };
}

/** `team=vision` matches that metadata value; anything else is a substring of the metadata's JSON. */
function matchesMetadata(session: Session, filter: string): boolean {
  if (!filter) return true;
  const pair = /^\s*([^=]+?)\s*=\s*(.*?)\s*$/.exec(filter);
  if (pair) {
    const value = session.metadata[pair[1]!];
    return value !== undefined && (typeof value === 'string' ? value : JSON.stringify(value)) === pair[2];
  }
  return JSON.stringify(session.metadata).toLowerCase().includes(filter.toLowerCase());
}

function matches(session: Session, filters: Filters): boolean {
  const text = filters.text.toLowerCase();
  return (
    (!text || [session.name, session.key, session.id].some((field) => field?.toLowerCase().includes(text))) &&
    (!filters.type || session.scheduler.type === filters.type) &&
    matchesMetadata(session, filters.metadata)
  );
}

/** Points of the small trend lines in the list: enough for the shape, one short read each. */
const TREND_POINTS = 60;

interface Trend {
  step: number;
  last: HistoryEntry['report'];
  lr: { step: number; value: number }[];
  metric: { step: number; value: number }[];
}

/**
 * Each session's trend (its lr and metric over the whole run, downsampled) and last report,
 * read once per step the session reaches: sessions that did not move cost nothing.
 */
class Trends {
  private readonly known = new Map<string, Trend>();
  private readonly wanted = new Map<string, Session>();
  private readonly inFlight = new Set<string>();

  constructor(private readonly changed: () => void) {}

  get(session: Session): Trend | undefined {
    const trend = this.known.get(session.id);
    const key = `${session.id}:${session.state.step}`;
    if (trend?.step !== session.state.step && !this.inFlight.has(key)) {
      this.wanted.set(session.id, session);
      this.pump();
    }
    return trend;
  }

  private pump(): void {
    for (const [id, session] of this.wanted) {
      if (this.inFlight.size >= LOOKUPS_IN_FLIGHT) return;
      this.wanted.delete(id);
      const step = session.state.step;
      const key = `${id}:${step}`;
      this.inFlight.add(key);
      api
        .history(id, TREND_POINTS)
        .then((page) => {
          const last = page.items.at(-1);
          if (last?.step !== step) return; // it moved on meanwhile: the next refresh asks again
          const series = (pick: (entry: HistoryEntry) => Parameters<typeof plottable>[0]) =>
            page.items.flatMap((entry) => {
              const value = plottable(pick(entry));
              return value === null ? [] : [{ step: entry.step, value }];
            });
          this.known.set(id, {
            step,
            last: last.report,
            lr: series((entry) => entry.state.lrs[0]),
            metric: series((entry) => entry.report?.metric),
          });
        })
        .catch(() => {
          // The columns stay empty; the list itself says when the service is unreachable.
        })
        .finally(() => {
          this.inFlight.delete(key);
          this.changed();
          this.pump();
        });
    }
  }
}

/** A trend as a small inline SVG line (the data's own range, no axes). */
function sparkline(points: readonly { step: number; value: number }[], color: string, label: string): SVGElement | null {
  if (points.length < 2) return null;
  const [width, height] = [72, 20];
  const steps = points.map((p) => p.step);
  const values = points.map((p) => p.value);
  const [x0, x1] = [Math.min(...steps), Math.max(...steps)];
  const [y0, y1] = [Math.min(...values), Math.max(...values)];
  const x = (step: number) => ((step - x0) / (x1 - x0 || 1)) * (width - 2) + 1;
  const y = (value: number) => height - 1 - ((value - y0) / (y1 - y0 || 1)) * (height - 2);
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('class', 'spark');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
  line.setAttribute('points', points.map((p) => `${x(p.step).toFixed(1)},${y(p.value).toFixed(1)}`).join(' '));
  line.setAttribute('stroke', `var(${color})`);
  svg.append(line);
  return svg;
}

function lastMetricText(report: HistoryEntry['report'] | undefined): string {
  if (!report) return '—';
  if (report.metric !== undefined) return formatNumber(report.metric);
  const named = Object.entries(report.metrics ?? {})[0];
  return named ? `${named[0]} ${formatNumber(named[1])}` : '—';
}

export function runsPage(root: HTMLElement, query: URLSearchParams): () => void {
  const filters = readFilters(query);
  let sessions: Session[] = [];
  let nextCursor: string | null = null;
  let loaded = false;
  let error: unknown = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const textInput = h('input', { id: 'filter-text', type: 'search', placeholder: 'name, key or id', value: filters.text });
  const typeSelect = h('select', { id: 'filter-type' }, h('option', { value: '' }, 'All types'));
  const metadataInput = h('input', {
    id: 'filter-metadata',
    type: 'search',
    placeholder: 'team=vision or any text',
    value: filters.metadata,
  });
  const body = h('div', { class: 'runs-body' }, loading('sessions'));
  const summary = h('p', { class: 'muted', 'aria-live': 'polite' });

  const filterBar = h(
    'form',
    { class: 'filters', role: 'search', onsubmit: (e: Event) => e.preventDefault() },
    h('label', {}, 'Name or key', textInput),
    h('label', {}, 'Type', typeSelect),
    h('label', {}, 'Metadata', metadataInput),
  );
  root.append(h('div', { class: 'page-head' }, h('h1', {}, 'Runs'), summary), filterBar, body);

  const trends = new Trends(() => draw());

  /** Filters live in the URL, so a filtered list can be bookmarked; replaceState keeps history short. */
  function onFilter(): void {
    filters.text = textInput.value;
    filters.type = typeSelect.value;
    filters.metadata = metadataInput.value;
    const params = new URLSearchParams();
    if (filters.text) params.set('q', filters.text);
    if (filters.type) params.set('type', filters.type);
    if (filters.metadata) params.set('meta', filters.metadata);
    history.replaceState(null, '', `#/${params.size ? `?${params}` : ''}`);
    draw();
  }
  for (const input of [textInput, metadataInput]) input.addEventListener('input', onFilter);
  typeSelect.addEventListener('change', onFilter);

  function syncTypes(): void {
    const types: string[] = [...new Set(sessions.map((s) => s.scheduler.type))].sort();
    if (filters.type && !types.includes(filters.type)) types.push(filters.type);
    const current = [...typeSelect.options].slice(1).map((o) => o.value);
    if (current.join() === types.join()) return;
    typeSelect.replaceChildren(h('option', { value: '' }, 'All types'), ...types.map((t) => h('option', { value: t }, t)));
    typeSelect.value = filters.type;
  }

  function row(session: Session): HTMLTableRowElement {
    const href = `#/sessions/${encodeURIComponent(session.id)}`;
    const state = session.state;
    const status = state.finished ? h('span', { class: 'badge done' }, 'finished') : null;
    const trend = trends.get(session);
    return h(
      'tr',
      { 'data-session': session.id },
      h(
        'td',
        {},
        h('a', { href, class: 'run-name' }, session.name ?? session.key ?? session.id.slice(0, 8)),
        status,
        session.key && session.name ? h('div', { class: 'sub' }, session.key) : null,
      ),
      h('td', {}, h('span', { class: 'type' }, session.scheduler.type)),
      h('td', { class: 'num', 'data-column': 'step' }, state.step),
      h(
        'td',
        { class: 'num', title: state.lrs.map((lr) => formatNumber(lr)).join(', ') },
        h('div', { class: 'trend' }, sparkline(trend?.lr ?? [], '--series-1', 'lr of the first group over the run'), formatLrs(state.lrs)),
      ),
      h(
        'td',
        { class: 'num' },
        h('div', { class: 'trend' }, sparkline(trend?.metric ?? [], '--series-5', 'metric over the run'), h('span', { 'data-column': 'metric' }, lastMetricText(trend?.last))),
      ),
      h('td', { class: 'when', title: formatDate(session.updated_at) }, timeAgo(session.updated_at)),
    );
  }

  function draw(): void {
    if (stopped) return;
    if (!loaded) {
      if (error) body.replaceChildren(failure(error, () => void refresh()));
      return;
    }
    syncTypes();
    const shown = sessions.filter((s) => matches(s, filters));
    summary.textContent = `${sessions.length}${nextCursor ? '+' : ''} sessions${shown.length !== sessions.length ? `, ${shown.length} shown` : ''} · updates live`;
    const notice = error ? h('p', { class: 'notice', role: 'alert' }, `Not updating: ${describeError(error)}`) : null;
    if (sessions.length === 0) {
      body.replaceChildren(
        ...[notice].filter((n) => n !== null),
        empty(
          'No sessions yet',
          h('p', {}, 'Sessions appear here as soon as a training job creates one, for example:'),
          h('pre', {}, `curl -s ${location.origin}/v1/sessions -H 'content-type: application/json' \\\n  -d '{"name": "my-run", "param_groups": [{"lr": 0.1}], "scheduler": {"type": "StepLR", "step_size": 30}}'`),
          h('p', {}, 'Or ', h('a', { href: '#/designer' }, 'design a schedule'), ' and preview it first.'),
        ),
      );
      return;
    }
    const table = h(
      'table',
      { class: 'runs' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['Name', 'Type', 'Step', 'Learning rate', 'Last metric', 'Updated'].map((label) => h('th', { scope: 'col' }, label)),
        ),
      ),
      h('tbody', {}, shown.map(row)),
    );
    const more = nextCursor
      ? h('button', { type: 'button', class: 'more', onclick: () => void loadMore() }, 'Load older sessions')
      : null;
    // Redrawing every refresh must not throw a keyboard user's focus back to the top.
    const focused = document.activeElement instanceof HTMLElement && body.contains(document.activeElement) ? document.activeElement : null;
    const focusedRow = focused?.closest('tr')?.dataset.session;
    const focusedMore = focused?.classList.contains('more') ?? false;
    body.replaceChildren(
      ...[notice].filter((n) => n !== null),
      shown.length > 0 ? h('div', { class: 'table-wrap' }, table) : empty('No session matches these filters'),
      ...(more ? [more] : []),
    );
    if (focusedRow) body.querySelector<HTMLElement>(`tr[data-session="${CSS.escape(focusedRow)}"] a`)?.focus();
    else if (focusedMore) more?.focus();
  }

  /** Re-reads the newest page and keeps the older pages the user loaded. */
  async function refresh(): Promise<void> {
    clearTimeout(timer);
    try {
      const page = await api.sessions(null, PAGE_SIZE);
      if (stopped) return;
      const fresh = new Set(page.items.map((s) => s.id));
      const older = loaded ? sessions.slice(PAGE_SIZE).filter((s) => !fresh.has(s.id)) : [];
      sessions = [...page.items, ...older];
      if (!loaded) nextCursor = page.next_cursor;
      loaded = true;
      error = null;
    } catch (e) {
      error = e;
    }
    if (stopped) return;
    draw();
    // The list follows while visible; a hidden tab asks nothing of the service.
    if (document.visibilityState === 'visible') timer = setTimeout(() => void refresh(), REFRESH_MS);
  }

  async function loadMore(): Promise<void> {
    if (!nextCursor) return;
    try {
      const page = await api.sessions(nextCursor, PAGE_SIZE);
      const have = new Set(sessions.map((s) => s.id));
      sessions = [...sessions, ...page.items.filter((s) => !have.has(s.id))];
      nextCursor = page.next_cursor;
    } catch (e) {
      error = e;
    }
    draw();
  }

  const onVisibility = () => {
    if (document.visibilityState === 'visible') void refresh();
    else clearTimeout(timer);
  };
  document.addEventListener('visibilitychange', onVisibility);
  void refresh();

  return () => {
    stopped = true;
    clearTimeout(timer);
    document.removeEventListener('visibilitychange', onVisibility);
  };
}
