import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A PostgreSQL server of the tests' own, from the binaries of Debian's `postgresql` package
 * (.ci/run installs it): a fresh cluster in a temporary folder, reached only through a unix
 * socket in that folder, so that no TCP port is taken. PostgreSQL refuses to run as root,
 * so when the tests run as root (CI does) the cluster belongs to the `postgres` user and
 * the server runs as that user.
 */

const BIN_DIRS = ['/usr/lib/postgresql/17/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin'];

/** Where initdb and pg_ctl are, or undefined if PostgreSQL is not installed. */
export function postgresBinDir(): string | undefined {
  return BIN_DIRS.find((dir) => existsSync(join(dir, 'pg_ctl')));
}

export interface PostgresServer {
  /** The URL of `database` on this server, as the superuser `postgres`. */
  url(database?: string): string;
  /** Stops the server (fast shutdown: open connections are cut, nothing committed is lost). */
  stop(): void;
  /** Starts it again after stop(), on the same socket and data. */
  start(): void;
  /** Stops it and removes its folder. */
  remove(): void;
}

/**
 * `durable: false` (the tests') turns fsync off: the cluster lives for one test run, and a
 * killed server still loses nothing committed. The benchmark keeps it on, as in production,
 * and gives the `taskset` prefix that keeps the server and every backend it forks on the
 * benchmark's server core.
 */
export function startPostgresServer({ durable = false, pinnedBy = [] as readonly string[] } = {}): PostgresServer {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL is not installed: apt-get install postgresql (or set TEST_DATABASE_URL)');
  const dir = mkdtempSync(join(tmpdir(), 'lrsched-pg-'));
  const asRoot = userInfo().uid === 0;
  const run = (program: string, args: string[]) => {
    const [command, ...rest] = [...pinnedBy, ...(asRoot ? ['runuser', '-u', 'postgres', '--'] : []), join(bin, program), ...args] as [string, ...string[]];
    return execFileSync(command, rest, { stdio: 'pipe' });
  };
  if (asRoot) execFileSync('chown', ['postgres', dir]);
  const data = join(dir, 'data');
  // The socket is named after the port; with TCP off, any number will do.
  const port = 5432;
  run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--locale=C']);
  const options = `-c listen_addresses='' -k ${dir} -p ${port} -c fsync=${durable ? 'on' : 'off'} -c max_connections=200`;
  const start = () => void run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
  const stop = () => void run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  start();
  return {
    url: (database = 'postgres') => `postgres://postgres@/${database}?host=${encodeURIComponent(dir)}&port=${port}`,
    stop,
    start,
    remove() {
      try {
        stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** `url` with its database name replaced. */
export function withDatabase(url: string, database: string): string {
  const match = /^(postgres(?:ql)?:\/\/[^/?]*)(\/[^?]*)?(\?.*)?$/.exec(url);
  if (!match) throw new Error(`not a postgres:// URL: ${url}`);
  return `${match[1]}/${database}${match[3] ?? ''}`;
}

/** A new, empty database on the server at `adminUrl`; `drop` removes it, cutting any connection left. */
export async function createDatabase(adminUrl: string, name: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(adminUrl, name),
    async drop() {
      const again = new pg.Client({ connectionString: adminUrl });
      await again.connect();
      try {
        await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await again.end();
      }
    },
  };
}
