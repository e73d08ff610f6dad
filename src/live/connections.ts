import { ProblemError } from '../api/problem.js';
import { MAX_LIVE_CONNECTIONS, MAX_LIVE_CONNECTIONS_PER_CLIENT } from '../limits.js';
import type { HeldSlot } from '../sessions/session-changes.js';

export interface LiveLimits {
  readonly perClient: number;
  readonly total: number;
}

export const LIVE_LIMITS: LiveLimits = { perClient: MAX_LIVE_CONNECTIONS_PER_CLIENT, total: MAX_LIVE_CONNECTIONS };

/**
 * The budget of long-lived requests. A stream or a wait takes a slot for as long as it
 * is open; beyond a client's share the answer is 429, beyond the total 503, so no
 * client can hold every socket and the server's memory for subscriptions stays bounded.
 */
export class LiveConnections {
  private readonly perClient = new Map<string, number>();
  private readonly open = new Set<AbortController>();
  private closed = false;

  constructor(private readonly limits: LiveLimits = LIVE_LIMITS) {}

  /** Takes a slot for `client`, or refuses with a problem saying which limit was reached. */
  hold(client: string): HeldSlot {
    const mine = this.perClient.get(client) ?? 0;
    if (this.closed) throw new ProblemError('shutting-down', 'the service is shutting down and takes no new requests');
    if (mine >= this.limits.perClient) {
      throw new ProblemError(
        'too-many-live-connections',
        `this client already holds ${mine} event streams and waits, the most one client may; close one first`,
      );
    }
    if (this.open.size >= this.limits.total) {
      throw new ProblemError(
        'live-connections-exhausted',
        `the service already holds ${this.open.size} event streams and waits; try again later`,
      );
    }
    const controller = new AbortController();
    this.open.add(controller);
    this.perClient.set(client, mine + 1);
    let released = false;
    return {
      signal: controller.signal,
      release: () => {
        if (released) return;
        released = true;
        this.open.delete(controller);
        const left = (this.perClient.get(client) ?? 1) - 1;
        if (left === 0) this.perClient.delete(client);
        else this.perClient.set(client, left);
      },
    };
  }

  /** How many slots are held now. */
  get size(): number {
    return this.open.size;
  }

  /** Ends every stream and wait at once (the server is closing) and refuses new ones. */
  closeAll(): void {
    this.closed = true;
    for (const controller of this.open) controller.abort();
  }
}
