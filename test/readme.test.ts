import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startListeningApp } from './support/listening-app.js';

/**
 * The README's Python snippets run as written against a real server, with real PyTorch:
 * only the address changes, and each gets the few lines of setup it assumes (an optimizer,
 * a training loop) before it and checks after it.
 */

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const README_ADDRESS = 'http://127.0.0.1:8080';
const has = (command: string, args: string[]) => spawnSync(command, args, { stdio: 'ignore' }).status === 0;
const torchPython = ['/usr/bin/python3', 'python3'].find((python) => has(python, ['-c', 'import torch']));
const needsTorch = !torchPython && process.env.CI !== 'true';
const run = promisify(execFile); // asynchronous: the server runs in this process

/** The README's ```python block that contains `marker`. */
function pythonSnippet(marker: string): string {
  const blocks = [...README.matchAll(/```python\n([\s\S]*?)```/g)].map((match) => match[1] as string);
  const block = blocks.find((text) => text.includes(marker));
  if (block === undefined) throw new Error(`README has no python snippet containing ${marker}`);
  return block;
}

const SETUP = `
import torch
torch.manual_seed(0)
model = torch.nn.Linear(3, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
`;

let url: string;
let close: () => Promise<void>;
beforeAll(async () => ({ url, close } = await startListeningApp()));
afterAll(async () => close());

async function runPython(program: string, env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run(torchPython ?? 'python3', ['-c', program.replaceAll(README_ADDRESS, url)], {
    cwd: ROOT,
    env: { ...process.env, ...env, PYTHONPATH: 'clients/python/src' },
    timeout: 120_000,
  });
  return stdout;
}

describe('README', () => {
  it.skipIf(needsTorch)('the RemoteScheduler snippet trains with ReduceLROnPlateau', async () => {
    const before = `${SETUP}
epochs = 8
LOSSES = [1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.95, 0.95]
losses = iter(LOSSES)
def train(*args): pass
def validate(*args): return next(losses)
`;
    // Stalled losses make the lr drop twice; PyTorch's own scheduler must agree.
    const after = `
twin_optimizer = torch.optim.SGD(torch.nn.Linear(3, 1).parameters(), lr=0.1)
twin = torch.optim.lr_scheduler.ReduceLROnPlateau(twin_optimizer, factor=0.5, patience=2)
for loss in LOSSES:
    twin.step(loss)
print(scheduler.last_epoch, scheduler.get_last_lr(), optimizer.param_groups[0]["lr"], twin_optimizer.param_groups[0]["lr"])
`;
    const stdout = await runPython(before + pythonSnippet('RemoteScheduler(') + after);
    expect(stdout.trim()).toBe('8 [0.025] 0.025 0.025');
  });

  it.skipIf(needsTorch)('the state_dict snippet moves a CosineAnnealingLR job there and back', async () => {
    const before = `${SETUP}
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=100)
for _ in range(37):
    optimizer.step()
    scheduler.step()
twin = torch.optim.lr_scheduler.CosineAnnealingLR(torch.optim.SGD(torch.nn.Linear(3, 1).parameters(), lr=0.1), T_max=100)
twin.optimizer.param_groups[0]["lr"] = optimizer.param_groups[0]["lr"]
twin.load_state_dict(scheduler.state_dict())
`;
    // The service and the scheduler loaded back from it must both go on exactly as the twin,
    // which never left this process: the same doubles.
    const after = `
remote = [post(f"/v1/sessions/{session['id']}/step", {})["lrs"][0] for _ in range(20)]
local, expected = [], []
for _ in range(20):
    optimizer.step()
    scheduler.step()
    local.append(scheduler.get_last_lr()[0])
    twin.optimizer.step()
    twin.step()
    expected.append(twin.get_last_lr()[0])
print(saved["state_dict"]["last_epoch"], remote + local == expected + expected)  # bit for bit
`;
    const stdout = await runPython(before + pythonSnippet('def to_json') + after);
    expect(stdout.trim()).toBe('37 True');
  });

  it.skipIf(needsTorch)('the DDP snippet runs two ranks, as torchrun starts them, on one schedule', async () => {
    const before = `${SETUP}
import os
rank = int(os.environ["RANK"])
epochs = 6
LOSSES = [1.0, 0.9, 0.9, 0.9, 0.9, 0.9]
def train(*args): pass
def validate(*args): return LOSSES[epoch] + 0.01 * rank
`;
    // Each rank's loss differs; the twin steps on their mean, as the service must have.
    const after = `
twin_optimizer = torch.optim.SGD(torch.nn.Linear(3, 1).parameters(), lr=0.1)
twin = torch.optim.lr_scheduler.ReduceLROnPlateau(twin_optimizer, factor=0.5, patience=2)
for loss in LOSSES:
    twin.step((torch.tensor(loss) + torch.tensor(loss + 0.01)) / 2)
print(scheduler.session_id, scheduler.last_epoch, optimizer.param_groups[0]["lr"], twin_optimizer.param_groups[0]["lr"])
dist.destroy_process_group()
`;
    const program = before + pythonSnippet('dist.init_process_group') + after;
    const rendezvous = { WORLD_SIZE: '2', MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(await freePort()) };
    const ranks = await Promise.all(['0', '1'].map((rank) => runPython(program, { ...rendezvous, RANK: rank })));
    const [id, lastEpoch, lr, twinLr] = ranks[0]!.trim().split(' ');
    expect(ranks[1]).toBe(ranks[0]);
    expect([lastEpoch, lr]).toEqual(['6', twinLr]);
    expect(Number(lr)).toBeLessThan(0.1);
    const session = (await (await fetch(`${url}/v1/sessions/${id}`)).json()) as { key: string; state: { step: number } };
    expect(session).toMatchObject({ key: 'my-ddp-run-id', state: { step: 6 } });
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
