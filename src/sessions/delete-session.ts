import type { Caller } from '../access/caller.js';
import type { SessionStore } from '../store/session-store.js';
import { findSession } from './find-session.js';

/** Deletes a session and its history (404 if the caller sees none), leaving a row in the audit log. */
export function deleteSession(store: SessionStore, caller: Caller, id: string, now: string): void {
  store.transaction(() => {
    const session = findSession(store, caller, id);
    store.delete(session);
    store.audit.record({
      at: now,
      actor: caller.actor,
      action: 'session.delete',
      project: session.project,
      subject: session.id,
      detail: { step: session.step, key: session.key, name: session.name, type: session.schedule.config.type },
    });
  });
}
