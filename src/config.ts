import { z } from 'zod';
import type { DatabaseOptions } from './store/open-store.js';
import { WATCH_LEASE_SECONDS } from './store/postgres-watch-leases.js';

/** The service's environment, as the contract names it. */
const environment = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_PATH: z.string().min(1).default('./data/lrsched.db'),
  /** Set, it selects PostgreSQL instead of the SQLite file at DATABASE_PATH. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
  /** How long a replica's mark that it watches a session lasts unrenewed (src/store/postgres-watch-leases.ts). */
  LRSCHED_WATCH_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(WATCH_LEASE_SECONDS),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Set but empty (as compose files and `-e VAR=` write it) counts as unset.
  LRSCHED_ADMIN_KEY: z.preprocess(
    (value) => (value === '' ? undefined : value),
    z
      .string()
      .min(32, 'must be at least 32 characters (e.g. `openssl rand -base64 32`): it grants every right')
      .optional(),
  ),
});

export type Config = z.infer<typeof environment>;

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = environment.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid environment: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** PostgreSQL when DATABASE_URL is set, else the SQLite file at DATABASE_PATH. */
export function databaseOptions(config: Config): DatabaseOptions {
  return config.DATABASE_URL === undefined
    ? { kind: 'sqlite', path: config.DATABASE_PATH }
    : {
        kind: 'postgres',
        url: config.DATABASE_URL,
        poolSize: config.DATABASE_POOL_SIZE,
        watchLeaseSeconds: config.LRSCHED_WATCH_LEASE_SECONDS,
      };
}

/** A database URL fit for a log line: its password, if any, replaced by ***. */
export function redactedUrl(url: string): string {
  return url.replace(/^(\w+:\/\/[^:/@]*:)[^@]*@/, '$1***@');
}
