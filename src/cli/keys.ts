/**
 * The operator's command line for projects and API keys, on the database the service
 * uses (DATABASE_URL when set, else DATABASE_PATH). It does what the admin routes do, through the same use cases,
 * and needs no running service and no token: whoever can open the database is the
 * operator. It is how the first key of a service that refuses to run open is made.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { Caller } from '../access/caller.js';
import { KeyNotFound, UnknownProject } from '../access/errors.js';
import { accessUseCases, type AccessUseCases } from '../access/use-cases.js';
import { keyInputSchema, projectName } from '../api/access.js';
import { databaseOptions, readConfig } from '../config.js';
import { openStore } from '../store/open-store.js';

const USAGE = `usage: npm run keys -- <command>   (on DATABASE_URL if set, else DATABASE_PATH, default ./data/lrsched.db)

  create --project <name> --role read|write|admin [--name <what for>]
                             make a key; its token is printed this once and stored nowhere
  list                       every key (never tokens), revoked ones included
  revoke <key id>            refuse the key from its next request on
  projects                   every project
  projects create <name>     make a project (the "default" project always exists)

Output is JSON, as the /v1/keys and /v1/projects routes answer.`;

/** What the audit log records as the actor of the command line. */
const OPERATOR: Caller = { actor: 'cli', project: 'default', role: 'admin' };

class UsageError extends Error {}

function parsed<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new UsageError(result.error.issues.map((i) => `${i.path.join('.') || 'argument'}: ${i.message}`).join('; '));
  }
  return result.data;
}

function parsedArguments(args: string[]) {
  try {
    return parseArgs({
      args,
      options: { project: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' } },
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

async function run(args: string[], access: AccessUseCases): Promise<unknown> {
  const { values, positionals } = parsedArguments(args);
  const [command, ...rest] = positionals;
  const noMore = (expected: number) => {
    if (rest.length !== expected) throw new UsageError(`${command}: unexpected arguments: ${rest.join(' ')}`);
  };
  switch (command) {
    case 'create': {
      noMore(0);
      const request = parsed(keyInputSchema, values);
      const { key, token } = await access.createKey(OPERATOR, request);
      console.error('The token is shown only this once: store it now. The service keeps only its SHA-256.');
      return { ...key, token };
    }
    case 'list':
      noMore(0);
      return { items: await access.listKeys() };
    case 'revoke': {
      noMore(1);
      return await access.revokeKey(OPERATOR, rest[0] as string);
    }
    case 'projects': {
      if (rest.length === 0) return { items: await access.listProjects() };
      if (rest[0] !== 'create' || rest.length !== 2) throw new UsageError('projects: use `projects` or `projects create <name>`');
      return (await access.createProject(OPERATOR, parsed(projectName, rest[1]))).project;
    }
    default:
      throw new UsageError(command === undefined ? 'no command given' : `unknown command '${command}'`);
  }
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.length === 0 || args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return args.length === 0 ? 2 : 0;
  }
  const store = await openStore(databaseOptions(readConfig()));
  try {
    console.log(JSON.stringify(await run(args, accessUseCases(store, undefined)), null, 2));
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`lrsched keys: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof UnknownProject || error instanceof KeyNotFound) {
      console.error(`lrsched keys: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    await store.close();
  }
}

process.exitCode = await main();
