import type { WaitQuery } from '../api/live.js';
import type { State } from '../api/state.js';
import { findSession, noSessionWithId } from '../sessions/find-session.js';
import { currentState } from '../sessions/views.js';
import type { Live } from './context.js';

/**
 * The session's state once it has reached `min_step`: at once if it has, else as soon
 * as a step gets it there (the step's own change wakes the wait), else after `wait`
 * seconds as it is then. The answer's `step` tells which. Deleting the session while
 * waiting answers 404; closing the server answers the state as it is.
 */
export async function waitForStep(live: Live, id: string, client: string, query: WaitQuery): Promise<State> {
  const { min_step: minStep, wait } = query;
  const reached = (state: State) => minStep === undefined || state.step >= minStep;
  const first = currentState(findSession(live.store, id));
  if (reached(first) || wait === 0) return first;

  const slot = live.connections.hold(client);
  let unsubscribe = () => {};
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<State>((resolve, reject) => {
      const asItIsNow = () => {
        try {
          resolve(currentState(findSession(live.store, id)));
        } catch (error) {
          reject(error);
        }
      };
      unsubscribe = live.changes.subscribe(id, (change) => {
        if (change.kind === 'deleted') reject(noSessionWithId(id));
        else if (reached(change.state)) resolve(change.state);
      });
      // Read again after subscribing: a step committed since the first read is in the store, not in a change.
      const again = currentState(findSession(live.store, id));
      if (reached(again)) return resolve(again);
      timer = setTimeout(asItIsNow, wait * 1000);
      slot.signal.addEventListener('abort', asItIsNow);
    });
  } finally {
    clearTimeout(timer);
    unsubscribe();
    slot.release();
  }
}
