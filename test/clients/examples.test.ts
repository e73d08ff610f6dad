import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startListeningApp } from '../support/listening-app.js';

/** The examples in examples/ run as written against a real server. */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const has = (command: string, args: string[]) => spawnSync(command, args, { stdio: 'ignore' }).status === 0;
const torchPython = ['/usr/bin/python3', 'python3'].find((python) => has(python, ['-c', 'import torch']));
const inCI = process.env.CI === 'true';
// Asynchronous: the server answering the examples runs in this very process.
const run = promisify(execFile);

let url: string;
let close: () => Promise<void>;
beforeAll(async () => ({ url, close } = await startListeningApp()));
afterAll(async () => close());

describe('examples', () => {
  it.skipIf(!torchPython && !inCI)('train_reduce_on_plateau.py trains, and a second run continues its session', async () => {
    const train = (epochs: number) =>
      run(torchPython ?? 'python3', ['examples/train_reduce_on_plateau.py'], {
        cwd: ROOT,
        env: { ...process.env, PYTHONPATH: 'clients/python/src', LRSCHED_URL: url, EPOCHS: String(epochs), RUN_ID: 'examples-test' },
        timeout: 120_000,
      });
    const first = await train(4);
    expect(first.stdout.match(/^epoch +\d+/gm)).toEqual(['epoch   1', 'epoch   2', 'epoch   3', 'epoch   4']);
    const second = await train(6);
    expect(second.stdout.match(/^epoch +\d+/gm)).toEqual(['epoch   5', 'epoch   6']);
  });

  it.skipIf(!has('jq', ['--version']) && !inCI)('curl-session.sh walks through a session', async () => {
    const { stdout } = await run('bash', ['examples/curl-session.sh', url], { cwd: ROOT, timeout: 60_000 });
    expect(stdout).toContain('"replayed":true');
    expect(stdout).toMatch(/\{"step":2,"lrs":\[/);
  });
});
