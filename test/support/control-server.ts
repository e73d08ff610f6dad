import { spawn } from 'node:child_process';

/**
 * An HTTP server that does nothing but answer 200, in a process of its own: probed beside
 * the service, its slowest answer is what the machine itself (other processes, the test
 * runner) adds to any latency at that moment. Latency bounds are asserted on top of it,
 * so that they measure the service, not how busy the machine is.
 */
export async function startControlServer(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(
    process.execPath,
    ['-e', "const s = require('node:http').createServer((q, r) => r.end('ok')).listen(0, '127.0.0.1', () => console.log(s.address().port));"],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', (code) => reject(new Error(`control server exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill('SIGKILL') };
}
