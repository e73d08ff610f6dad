// @ts-check
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/**
 * Lints every TypeScript file with typescript-eslint's type-aware rules, and keeps the
 * layers apart: the pure core (schedulers, expressions, range-test suggestions, numerics)
 * imports nothing that does I/O or speaks HTTP, nor anything of the service around it; use
 * cases know nothing of HTTP; routes reach the database only through the use cases.
 */

/** Modules that do I/O, speak HTTP or hold the process: none of them belongs in the core. */
const IO_MODULES = [
  'fastify',
  'fastify-*',
  '@fastify/*',
  'better-sqlite3',
  'pino',
  'close-with-grace',
  'node:fs',
  'node:fs/*',
  'fs',
  'fs/*',
  'node:child_process',
  'node:net',
  'node:http',
  'node:worker_threads',
  'node:process',
];

/** `no-restricted-imports` patterns: a group of module specifiers and why they are refused. */
const refuse = (group, message) => ({ group, message });

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'clients/python/', 'clients/typescript/src/schema.ts', 'clients/typescript/dist/', 'clients/typescript/node_modules/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: './tsconfig.check.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // `_`-prefixed parameters are the ones a signature requires but the body does not read.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Fastify plugins, hooks and handlers are async by contract (a plugin that is not must
      // call done(), a handler must call reply.send()), so an async function without await is
      // the framework's idiom here. Forgotten awaits are no-floating-promises' job.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // The dashboard is browser code with a tsconfig of its own (DOM types, bundler resolution):
    // its types, browser globals included, come from there; the rules are the same.
    files: ['ui/src/**'],
    languageOptions: {
      parserOptions: { project: './ui/tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    // Tests read answers as parsed JSON, typed `any` by JSON.parse: what shape they have is
    // exactly what the test asserts, so reading their fields is not an unchecked assumption.
    files: ['test/**'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['src/schedulers/**', 'src/expressions/**', 'src/range-test/**', 'src/numerics/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            refuse(IO_MODULES, 'The core is pure: no I/O, no HTTP, no database.'),
            refuse(
              ['**/api/**', '**/routes/**', '**/sessions/**', '**/store/**', '**/plugins/**', '**/app.js', '**/server.js', '**/config.js'],
              'The core knows nothing of the service layers around it.',
            ),
          ],
        },
      ],
    },
  },
  {
    // The use cases: of sessions, and of projects and keys.
    files: ['src/sessions/**', 'src/access/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            refuse(['fastify', 'fastify-*', '@fastify/*'], 'Use cases know nothing of HTTP.'),
            refuse(['**/routes/**', '**/plugins/**', '**/api/problem*'], 'Use cases throw domain errors; plugins/problems.ts maps them to HTTP.'),
          ],
        },
      ],
    },
  },
  {
    files: ['src/routes/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            refuse(['**/store/**', 'better-sqlite3'], 'Routes reach the database only through the use cases in src/sessions and src/access.'),
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // Plain Node scripts (scripts/build.mjs runs before anything is compiled): Node's globals.
    files: ['**/*.mjs'],
    languageOptions: { globals: { console: 'readonly', process: 'readonly', URL: 'readonly' } },
  },
);
