import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

/**
 * The layers' import boundaries in eslint.config.js catch what they are there for: each
 * probe is linted as if it were a file at that path (without type information, which
 * the boundary rule does not need).
 */

const eslint = new ESLint({
  cwd: fileURLToPath(new URL('../..', import.meta.url)),
  overrideConfig: tseslint.configs.disableTypeChecked,
});

async function refusals(path: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${source}\nexport {};\n`, { filePath: path });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import boundaries', () => {
  it.each([
    ['src/schedulers/probe.ts', "import { readFileSync } from 'node:fs';"],
    ['src/schedulers/probe.ts', "import Database from 'better-sqlite3';"],
    ['src/expressions/probe.ts', "import { findSession } from '../sessions/find-session.js';"],
    ['src/expressions/probe.ts', "import type { State } from '../api/state.js';"],
    ['src/range-test/probe.ts', "import Fastify from 'fastify';"],
    ['src/numerics/probe.ts', "import { SessionStore } from '../store/session-store.js';"],
    ['src/sessions/probe.ts', "import { ProblemError } from '../api/problem.js';"],
    ['src/sessions/probe.ts', "import type { FastifyInstance } from 'fastify';"],
    ['src/access/probe.ts', "import { ProblemError } from '../api/problem.js';"],
    ['src/access/probe.ts', "import type { FastifyRequest } from 'fastify';"],
    ['src/routes/probe.ts', "import type { SessionStore } from '../store/session-store.js';"],
    ['src/routes/probe.ts', "import Database from 'better-sqlite3';"],
  ])('%s may not %s', async (path, source) => {
    expect(await refusals(path, source)).toHaveLength(1);
  });

  it.each([
    ['src/schedulers/probe.ts', "import { z } from 'zod';"],
    ['src/routes/probe.ts', "import type { SessionUseCases } from '../sessions/use-cases.js';"],
    ['src/sessions/probe.ts', "import type { SessionStore } from '../store/session-store.js';"],
    ['src/plugins/probe.ts', "import { SessionStore } from '../store/session-store.js';"],
  ])('%s may %s', async (path, source) => {
    expect(await refusals(path, source)).toEqual([]);
  });
});
