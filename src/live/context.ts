import type { SessionChanges } from '../sessions/session-changes.js';
import type { SessionStore } from '../store/session-store.js';
import type { LiveConnections } from './connections.js';

/** What watching and waiting read from: the store, the change hub, the connection budget. */
export interface Live {
  readonly store: SessionStore;
  readonly changes: SessionChanges;
  readonly connections: LiveConnections;
}
