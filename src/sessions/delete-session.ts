import type { Caller } from '../access/caller.js';
import type { SessionStore } from '../store/session-store.js';
import { SessionNotFound } from './errors.js';
import { holdSession } from './find-session.js';
import { currentState } from './views.js';

/**
 * Deletes a session: from now on no use case finds it, and its key is free. Its history
 * goes in the background (DeletionSweeper), so a large one holds up no other request.
 * The audit log keeps who deleted it, and what it was, in the same transaction, which
 * tells its watchers as it commits, with the state it had. Throws SessionNotFound.
 */
export async function deleteSession(store: SessionStore, caller: Caller, id: string, now: string): Promise<void> {
  await store.transaction(async (tx) => {
    // Held, so that no step lands between reading the state and marking it.
    const session = await holdSession(tx, caller, id);
    if (!(await tx.markDeleted(id, now))) throw new SessionNotFound(id);
    await tx.recordAudit({
      at: now,
      actor: caller.actor,
      action: 'session.delete',
      project: session.project,
      subject: session.id,
      detail: { step: session.step, key: session.key, name: session.name, type: session.schedule.config.type },
    });
    const state = currentState(session);
    await tx.announce({ kind: 'deleted', sessionId: id, step: state.step, state });
  });
}
