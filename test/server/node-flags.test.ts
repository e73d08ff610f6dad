import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { serviceNodeFlags } from '../../bench/support/processes.js';

/**
 * npm start, the container image and the benchmarks run dist/server.js with the same node
 * flags: package.json's start script is where they are set, the others must follow it.
 */
describe('node flags of the service', () => {
  const flags = serviceNodeFlags();

  it('npm start sets the young generation the step path was measured with', () => {
    expect(flags).toContain('--max-semi-space-size=32');
  });

  it('the container image starts node with the same flags, directly (signals reach it)', () => {
    const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile);
    expect(JSON.parse(cmd![1] as string)).toEqual(['node', ...flags, 'dist/server.js']);
  });
});
