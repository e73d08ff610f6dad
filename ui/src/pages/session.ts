import { api, type Session } from '../api';
import { failure, h, loading } from '../dom';
import { rangeTestPage } from './range-test';
import { runPage } from './run';

/** One session: range tests get their loss-against-lr view, everything else (or `/steps`) the step view. */
export function sessionPage(root: HTMLElement, id: string, stepView: boolean): () => void {
  let stopView: () => void = () => {};
  let stopped = false;

  async function open(): Promise<void> {
    root.replaceChildren(breadcrumb(id), loading('the session'));
    let session: Session;
    try {
      session = await api.session(id);
    } catch (e) {
      if (stopped) return;
      root.replaceChildren(breadcrumb(id), failure(e, () => void open()));
      return;
    }
    if (stopped) return;
    root.replaceChildren(breadcrumb(session.name ?? session.key ?? id));
    stopView =
      session.scheduler.type === 'LRRangeTest' && !stepView ? rangeTestPage(root, session) : runPage(root, session);
  }

  void open();
  return () => {
    stopped = true;
    stopView();
  };
}

function breadcrumb(label: string): HTMLElement {
  return h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/' }, 'Runs'), ' / ', h('span', {}, label));
}
