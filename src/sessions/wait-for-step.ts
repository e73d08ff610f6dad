import { visibleProject, type Caller } from '../access/caller.js';
import type { WaitQuery } from '../api/live.js';
import type { State } from '../api/state.js';
import type { SessionStore } from '../store/session-store.js';
import { SessionNotFound } from './errors.js';
import { findSession } from './find-session.js';
import type { HoldSlot, SessionChanges } from './session-changes.js';
import { currentState } from './views.js';

/**
 * The session's state once it has reached `min_step`: at once if it has, else as soon
 * as a step gets it there (the step's own change wakes the wait), else after `wait`
 * seconds as it is then. The answer's `step` tells which. Only a wait that waits takes a
 * slot (`hold`). Throws SessionNotFound, also when the session is deleted while waiting;
 * a slot whose signal aborts (the server closing) answers the state as it is.
 */
export async function waitForStep(
  store: SessionStore,
  changes: SessionChanges,
  caller: Caller,
  id: string,
  query: WaitQuery,
  hold: HoldSlot,
): Promise<State> {
  const { min_step: minStep, wait } = query;
  const reached = (state: State) => minStep === undefined || state.step >= minStep;
  const stateNow = async () => currentState(await store.snapshot((reads) => findSession(reads, caller, id)));
  const first = await stateNow();
  if (reached(first) || wait === 0) return first;

  const slot = hold();
  let unsubscribe = () => {};
  let unmark = () => {};
  let done = false;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<State>((resolve, reject) => {
      // SessionNotFound when gone meanwhile: deleted by a request whose change this wait has not been told of.
      const asItIsNow = () => void stateNow().then(resolve, reject);
      unsubscribe = changes.subscribe(id, (change) => {
        if (change.kind === 'deleted') reject(new SessionNotFound(id));
        else if (reached(change.state)) resolve(change.state);
      });
      timer = setTimeout(asItIsNow, wait * 1000);
      slot.signal.addEventListener('abort', asItIsNow);
      // Marked watched, then read again: a step committed since the first read is in the store, not in a
      // change, and every step after this read is told (see markWatched). The first read needs no mark:
      // it only answers at once.
      void (async () => {
        const marked = await store.markWatched(id, visibleProject(caller));
        if (done) marked();
        else unmark = marked;
        const again = await stateNow();
        if (reached(again)) resolve(again);
      })().catch(reject);
    });
  } finally {
    done = true;
    clearTimeout(timer);
    unsubscribe();
    unmark();
    slot.release();
  }
}
