import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as limits from '../src/limits.js';

/** The README's limits table and src/limits.ts say the same: every limit, every value. */

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const UNITS: Record<string, number> = { '': 1, KiB: 1024, MiB: 1024 ** 2, s: 1000, ms: 1, bits: 1 };

/** The table's rows: | `NAME` | value | what it bounds |, the value in the unit it is written in. */
function readmeLimits(): Map<string, number> {
  const section = README.slice(README.indexOf('## Limits'), README.indexOf('\n## ', README.indexOf('## Limits') + 1));
  const rows = [...section.matchAll(/^\| `([A-Z_]+)` \| ([\d ]+?) ?(KiB|MiB|s|ms|bits)? \|/gm)];
  return new Map(
    rows.map(([, name, digits, unit]) => [name as string, Number((digits as string).replace(/ /g, '')) * (UNITS[unit ?? ''] as number)]),
  );
}

/** The code's limits in the README's units: durations in ms, sizes in bytes (a _MIB constant counts MiB). */
function codeLimits(): Map<string, number> {
  return new Map(
    Object.entries(limits)
      .filter((entry): entry is [string, number] => typeof entry[1] === 'number')
      .map(([name, value]) => [name, name.endsWith('_MIB') ? value * 1024 ** 2 : value]),
  );
}

describe("the README's limits table", () => {
  it('lists every limit of src/limits.ts, and no other', () => {
    expect([...readmeLimits().keys()].sort()).toEqual([...codeLimits().keys()].sort());
  });

  it('gives each the value the code enforces', () => {
    const code = codeLimits();
    for (const [name, value] of readmeLimits()) expect(value, name).toBe(code.get(name));
  });
});
