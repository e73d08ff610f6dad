import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROBLEM_TYPES, PROBLEM_TYPE_NAMES, problemTypeUri } from '../../src/api/problem-types.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('problem types', () => {
  it("are the README's table, row for row", () => {
    const documented = README.split('\n').filter((line) => line.startsWith('| `urn:lrsched:problem:'));
    const defined = PROBLEM_TYPE_NAMES.map((name) => {
      const { status, title, when } = PROBLEM_TYPES[name];
      return `| \`${problemTypeUri(name)}\` | ${status} | ${title} | ${when} |`;
    });
    expect(documented).toEqual(defined);
  });

  it('have kebab-case names and 4xx or 5xx statuses', () => {
    for (const name of PROBLEM_TYPE_NAMES) {
      expect(name).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(PROBLEM_TYPES[name].status).toBeGreaterThanOrEqual(400);
      expect(PROBLEM_TYPES[name].status).toBeLessThan(600);
    }
  });
});
