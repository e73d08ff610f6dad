import type pg from 'pg';

/**
 * Which sessions this replica watches, as leases in the database (sessions.watched_until,
 * migrations/postgres/003_watched_sessions.sql). A step, rewind or delete sends its NOTIFY
 * only while the session's lease runs (postgres-store.ts, announce): PostgreSQL serialises
 * the commits of all transactions that notified, so notifying for sessions nobody watches
 * would cap every replica's steps together at about one per disk flush.
 *
 * One lease per watched session per replica, however many of its watchers (event streams,
 * waits) it has, renewed by one timer at half its length while they last. A replica that
 * dies renews nothing, and its leases lapse within WATCH_LEASE_SECONDS by themselves.
 */

/**
 * How long a lease runs: long enough that renewing costs next to nothing (one UPDATE per
 * watched session every 30 s), short enough that the sessions of a replica that died stop
 * notifying within a minute. LRSCHED_WATCH_LEASE_SECONDS changes it (tests use a short one).
 */
export const WATCH_LEASE_SECONDS = 60;

/** After a renewal failed, the next try comes this soon (or at half the lease, if sooner). */
const RETRY_RENEWAL_MS = 1_000;

/**
 * Pushes the leases forward, never back (another replica may hold a longer one). The
 * UPDATE takes the row's lock, as a step does: see announce in postgres-store.ts.
 */
const EXTEND_LEASES = `
  UPDATE sessions SET watched_until = GREATEST(coalesce(watched_until, '-infinity'), now() + make_interval(secs => $2))
  WHERE id = ANY ($1::text[]) AND deleted_at IS NULL`;

export interface WatchLeaseEvents {
  /** Renewing leases failed: they may lapse, and the leases try again soon. */
  failed(error: Error): void;
  /**
   * Renewing succeeded again after failing: a lease may have lapsed meanwhile, so changes
   * committed in between may have sent no notice; whoever waits on them reads again.
   */
  recovered(): void;
}

interface Lease {
  /** This replica's watchers of the session. */
  watchers: number;
  /** The last marking or renewal: once it resolves, the session is watched for at least half a lease. */
  marked: Promise<void>;
  /** new: not marked yet; renewing: marked, renewed on time; failing: the last renewal failed (the lease may lapse). */
  state: 'new' | 'renewing' | 'failing';
  timer: NodeJS.Timeout | undefined;
}

export class WatchLeases {
  private readonly leases = new Map<string, Lease>();
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly leaseSeconds: number,
    private readonly events: WatchLeaseEvents,
  ) {}

  /**
   * Marks the session watched, committed when this resolves, and keeps it so until the
   * returned function has been called as often as this was. A watcher that joins a lease
   * renewing on time awaits its last marking instead of marking again.
   */
  async hold(id: string): Promise<() => void> {
    let lease = this.leases.get(id);
    if (!lease) {
      lease = { watchers: 0, marked: Promise.resolve(), state: 'new', timer: undefined };
      this.leases.set(id, lease);
    }
    const held = lease;
    held.watchers++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      if (--held.watchers > 0) return;
      clearTimeout(held.timer);
      if (this.leases.get(id) === held) this.leases.delete(id);
    };
    try {
      if (held.state !== 'renewing') this.renew(id, held);
      await held.marked;
    } catch (error) {
      release();
      throw error;
    }
    return release;
  }

  /** Marks every lease again at once (the change feed listens again after a gap); resolves once committed. */
  async renewAll(): Promise<void> {
    const ids = [...this.leases.keys()];
    if (ids.length === 0) return;
    try {
      await this.extend(ids);
    } catch (error) {
      for (const lease of this.leases.values()) lease.state = 'failing';
      throw error;
    }
  }

  close(): void {
    this.closed = true;
    for (const lease of this.leases.values()) clearTimeout(lease.timer);
    this.leases.clear();
  }

  /** Marks one lease now, and schedules its next renewal: at half the lease, or soon if this one fails. */
  private renew(id: string, lease: Lease): void {
    clearTimeout(lease.timer);
    const recovering = lease.state === 'failing';
    lease.state = 'renewing';
    const marked = this.extend([id]);
    lease.marked = marked;
    const halfLease = (this.leaseSeconds * 1000) / 2;
    marked.then(
      () => {
        if (recovering && lease.watchers > 0 && !this.closed) this.events.recovered();
        this.schedule(id, lease, halfLease);
      },
      (error: unknown) => {
        lease.state = 'failing';
        this.events.failed(error as Error);
        this.schedule(id, lease, Math.min(RETRY_RENEWAL_MS, halfLease));
      },
    );
  }

  private schedule(id: string, lease: Lease, ms: number): void {
    if (this.closed || this.leases.get(id) !== lease || lease.watchers === 0) return;
    clearTimeout(lease.timer);
    lease.timer = setTimeout(() => this.renew(id, lease), ms);
    // Leases keep no process alive: a replica that stops lets them lapse.
    lease.timer.unref();
  }

  private async extend(ids: string[]): Promise<void> {
    await this.pool.query({ name: 'extendWatchLeases', text: EXTEND_LEASES, values: [ids, this.leaseSeconds] });
  }
}
