import type { StoredSession } from './session-store.js';

/**
 * Sessions kept parsed between requests: a training job steps its session again and again,
 * and reading it anew each time meant reading its row and parsing five JSON columns per step.
 *
 * Only for SQLite, where the service changes the file through its one connection: every
 * change it makes to a session passes through the store, which updates or forgets the
 * session's entry here within the transaction that makes it. What the store cannot follow
 * row by row it handles whole: a unit of work rolled back forgets the sessions it read or
 * changed; a failed group, or a write by another connection to the file (PRAGMA
 * data_version moved), forgets everything. On PostgreSQL other replicas change sessions
 * behind this process's back, so there every step reads its locked row.
 *
 * Entries are the objects the use cases get; nothing changes a StoredSession once built
 * (the schedulers' functions leave their input as it was), so sharing them is safe.
 */
export class HotSessions {
  /** In order of use, least recently used first (a Map keeps insertion order). */
  private readonly byId = new Map<string, StoredSession>();
  /**
   * Sessions the unit of work under way read or changed: if it is rolled back, what it read
   * may have been its own changes, so all of them are read again.
   */
  private readonly inUnit = new Set<string>();

  constructor(private readonly capacity: number) {}

  get(id: string): StoredSession | undefined {
    const session = this.byId.get(id);
    if (session) {
      this.byId.delete(id);
      this.byId.set(id, session);
    }
    return session;
  }

  /** A session as its row reads now (read, inserted or changed by the unit under way). */
  remember(session: StoredSession): void {
    this.inUnit.add(session.id);
    this.byId.delete(session.id);
    this.byId.set(session.id, session);
    if (this.byId.size > this.capacity) this.byId.delete(this.byId.keys().next().value as string);
  }

  /** A session the unit under way deleted. */
  forget(id: string): void {
    this.inUnit.add(id);
    this.byId.delete(id);
  }

  startUnit(): void {
    this.inUnit.clear();
  }

  /** The unit under way was rolled back. */
  rolledBack(): void {
    for (const id of this.inUnit) this.byId.delete(id);
    this.inUnit.clear();
  }

  clear(): void {
    this.byId.clear();
    this.inUnit.clear();
  }
}
