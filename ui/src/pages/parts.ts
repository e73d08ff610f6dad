import type { Session } from '../api';
import { h } from '../dom';

/** The title row every session view shares: name, type, key, id. */
export function sessionHeading(session: Session, ...extra: (Node | null)[]): HTMLElement {
  return h(
    'div',
    { class: 'page-head' },
    h('h1', {}, session.name ?? session.key ?? 'Unnamed session'),
    h(
      'div',
      { class: 'chips' },
      h('span', { class: 'type' }, session.scheduler.type),
      session.key ? h('span', { class: 'chip', title: 'key' }, `key ${session.key}`) : null,
      h('span', { class: 'chip mono', title: 'session id' }, session.id),
      ...extra,
    ),
  );
}

/** A labelled card of the side column. */
export function card(title: string, ...body: (Node | string | null)[]): HTMLElement {
  return h('section', { class: 'card' }, h('h2', {}, title), ...body);
}

export function jsonBlock(value: unknown): HTMLElement {
  return h('pre', { class: 'json' }, JSON.stringify(value, null, 2));
}
