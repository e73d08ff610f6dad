import pg from 'pg';

/**
 * Changes of sessions told across replicas by PostgreSQL's LISTEN/NOTIFY: a transaction
 * that changes a session adds a notice (notifyOnCommit), which PostgreSQL delivers to
 * every listening connection when, and only if, that transaction commits, in commit
 * order; each replica keeps one such connection (PostgresChangeFeed) and hands the
 * notices to its own waiters and watchers. A replica killed right after a commit cannot
 * lose the notice: it left with the commit.
 */

export const CHANGES_CHANNEL = 'lrsched_session_changes';

/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
export const MAX_NOTICE_BYTES = 7999;

/** How long the feed waits before connecting again after losing its connection. */
const RECONNECT_MS = 500;

/**
 * Adds `notice` (JSON, at most MAX_NOTICE_BYTES) to the transaction under way on `client`:
 * delivered to every feed when it commits, dropped if it rolls back.
 */
export async function notifyOnCommit(client: Pick<pg.ClientBase, 'query'>, notice: unknown): Promise<void> {
  const payload = JSON.stringify(notice);
  if (!fitsNotify(payload)) {
    throw new Error(`a change notice must be at most ${MAX_NOTICE_BYTES} bytes, not ${Buffer.byteLength(payload)}`);
  }
  await notifyPayloadOnCommit(client, payload);
}

/** Whether a notice's JSON fits one NOTIFY. */
export const fitsNotify = (payload: string): boolean => Buffer.byteLength(payload) <= MAX_NOTICE_BYTES;

/** notifyOnCommit for a notice already written as JSON and known to fit (fitsNotify). */
export async function notifyPayloadOnCommit(client: Pick<pg.ClientBase, 'query'>, payload: string): Promise<void> {
  await client.query({ name: 'notifyOnCommit', text: 'SELECT pg_notify($1, $2)', values: [CHANGES_CHANNEL, payload] });
}

export interface ChangeFeedEvents {
  /** A notice some replica's committed transaction sent (this replica's own included). */
  notice(notice: unknown): void;
  /**
   * The feed listens again after losing its connection: notices sent meanwhile are lost,
   * so whoever waits on them reads the database again.
   */
  resumed(): void;
  /** The connection failed, or connecting again did; the feed keeps trying. */
  failed(error: Error): void;
}

/** One replica's listening connection, connecting again whenever it is lost, until closed. */
export class PostgresChangeFeed {
  private client: pg.Client | undefined;
  private reconnect: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly events: ChangeFeedEvents,
  ) {}

  /** Connects and listens; resolves once notices committed from now on will be delivered. */
  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, application_name: 'lrsched-change-feed' });
    client.on('notification', ({ channel, payload }) => {
      if (channel === CHANGES_CHANNEL && payload !== undefined) this.events.notice(JSON.parse(payload));
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('the change feed connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGES_CHANNEL}`);
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnect);
    const client = this.client;
    this.client = undefined;
    await client?.end();
  }

  private lost(client: pg.Client, error: Error): void {
    if (this.client !== client || this.closed) return;
    this.client = undefined;
    this.events.failed(error);
    void client.end().catch(() => undefined);
    this.connectAgain();
  }

  private connectAgain(): void {
    this.reconnect = setTimeout(() => {
      this.start().then(
        () => (this.closed ? void this.close() : this.events.resumed()),
        (error: unknown) => {
          this.events.failed(error as Error);
          if (!this.closed) this.connectAgain();
        },
      );
    }, RECONNECT_MS);
  }
}
