import { visibleProject, type Caller } from '../access/caller.js';
import type { SessionEvent } from '../api/live.js';
import type { SessionStore, StoredHistoryEntry, StoredSession } from '../store/session-store.js';
import { findSession } from './find-session.js';
import type { HoldSlot, SessionChange, SessionChanges } from './session-changes.js';
import { currentState, historyEntryView } from './views.js';

/** History entries read per catch-up query: a watcher far behind catches up page by page. */
const CATCH_UP_PAGE = 100;

export interface WatchedEvent extends SessionEvent {
  readonly kind: SessionChange['kind'];
}

export interface SessionWatch {
  /** Every event from the resume point on, in order; ends when the session is deleted or the watch closed. */
  readonly events: AsyncIterable<WatchedEvent>;
  /** Stops watching, ending `events`, and gives the slot back (the client went away). */
  close(): void;
}

/**
 * What a watcher has not read yet: whether anything changed, the deepest rewind, a
 * deletion. Steps need no record: they are read from the history, which is why a
 * watcher that falls behind costs constant memory however many steps it missed.
 */
class Unread {
  private changed = false;
  private deepestRewind: SessionChange | undefined;
  private deletion: SessionChange | undefined;
  private wake: (() => void) | undefined;

  note(change: SessionChange): void {
    this.changed = true;
    if (change.kind === 'deleted') this.deletion = change;
    if (change.kind === 'rewind' && (this.deepestRewind === undefined || change.step < this.deepestRewind.step)) {
      this.deepestRewind = change;
    }
    this.wake?.();
  }

  /** Whether a rewind or deletion came since the last take(). */
  cutSince(): boolean {
    return this.deepestRewind !== undefined || this.deletion !== undefined;
  }

  take(): { deepestRewind: SessionChange | undefined; deletion: SessionChange | undefined } {
    const taken = { deepestRewind: this.deepestRewind, deletion: this.deletion };
    this.changed = false;
    this.deepestRewind = undefined;
    this.deletion = undefined;
    return taken;
  }

  /** Resolves once something changed since the last take(), or the signal aborts. */
  async whenChanged(signal: AbortSignal): Promise<void> {
    if (this.changed || signal.aborted) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.wake = undefined;
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.wake = done;
      signal.addEventListener('abort', done);
    });
  }
}

const changeEvent = (change: SessionChange): WatchedEvent => ({
  kind: change.kind,
  step: change.step,
  report: null,
  state: change.state,
});

/**
 * Opens a watch on a session: one event per step, rewind and deletion. With
 * `afterStep` (a reconnecting watcher's last event) every later step is sent from the
 * history first, then the live ones, with no gap and no repeat: the watch subscribes
 * before it reads, and every step it sends is read from the history in order, the
 * changes serving only to wake it and to say where the history was cut.
 *
 * Refuses before anything is streamed: SessionNotFound (another project's session
 * included), or whatever `hold` throws when no slot is left.
 */
export async function watchSession(
  store: SessionStore,
  changes: SessionChanges,
  caller: Caller,
  id: string,
  afterStep: number | undefined,
  hold: HoldSlot,
): Promise<SessionWatch> {
  const slot = hold();
  const unread = new Unread();
  const unsubscribe = changes.subscribe(id, (change) => unread.note(change));
  const stopped = new AbortController();
  let unmark = () => {};
  const close = () => {
    stopped.abort();
    unsubscribe();
    unmark();
    slot.release();
  };
  slot.signal.addEventListener('abort', close);
  let watched: StoredSession;
  try {
    // Before reading: every change committed after the read below is then told (see markWatched).
    unmark = await store.markWatched(id, visibleProject(caller));
    if (stopped.signal.aborted) unmark();
    // What was told by then committed before the read below: it is in what the read sees.
    await store.settled();
    unread.take();
    watched = await store.snapshot((reads) => findSession(reads, caller, id));
  } catch (error) {
    close();
    throw error;
  }

  async function* events(): AsyncGenerator<WatchedEvent> {
    let position = afterStep ?? watched.step;
    // The watcher saw steps this session no longer has: a rewind happened while it was away.
    if (position > watched.step) {
      yield { kind: 'rewind', step: watched.step, report: null, state: currentState(watched) };
      position = watched.step;
    }
    while (!stopped.signal.aborted) {
      // Taken before reading: every change taken is in what the read sees.
      const { deepestRewind, deletion } = unread.take();
      if (deletion) {
        yield changeEvent(deletion);
        return;
      }
      // A rewind beyond what this watcher has seen cut nothing it saw; the history shows the rest.
      if (deepestRewind && deepestRewind.step <= position) {
        yield changeEvent(deepestRewind);
        position = deepestRewind.step;
        // Sending took time: take what changed meanwhile before reading, in one stretch again.
        continue;
      }
      // Read whole before yielding: the connection serves other requests between events.
      const page = await store.snapshot(async (reads) => {
        const entries: StoredHistoryEntry[] = [];
        for await (const entry of reads.historyAfter(watched, position, CATCH_UP_PAGE)) entries.push(entry);
        return entries;
      });
      // A rewind or deletion told while reading may have cut what was read: take it first, then read again.
      // (On SQLite it is always told before the read; on PostgreSQL its notice may come a moment after
      // a read that already saw it, and the watcher then gets the rewind right after those steps.)
      if (unread.cutSince()) continue;
      for (const entry of page) {
        const { step, report, state } = historyEntryView(watched, entry);
        yield { kind: 'step', step, report, state };
        position = step;
      }
      if (page.length < CATCH_UP_PAGE) await unread.whenChanged(stopped.signal);
    }
  }

  return { events: events(), close };
}
