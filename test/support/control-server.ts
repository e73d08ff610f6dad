import { spawn } from 'node:child_process';
import { join } from 'node:path';

// Answers 200 to anything; on /durable, first appends 4 KiB to a file and fsyncs it, as a
// step's SQLite commit (synchronous=FULL) does.
const CONTROL = `
const fs = require('node:fs');
const fd = fs.openSync(process.argv[1], 'a');
const block = Buffer.alloc(4096, 1);
const server = require('node:http').createServer((request, response) => {
  if (request.url === '/durable') {
    fs.writeSync(fd, block);
    fs.fsyncSync(fd);
  }
  response.end('ok');
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));`;

/**
 * An HTTP server that does nothing but answer 200 (or write and sync 4 KiB first, on
 * /durable), in a process of its own: probed beside the service, its slowest answer is what
 * the machine itself (other processes, the test runner, a busy disk) adds to any latency at
 * that moment. Latency bounds are asserted on top of it, so that they measure the service,
 * not how busy the machine is. `dir` holds its file.
 */
export async function startControlServer(dir: string): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['-e', CONTROL, join(dir, 'control-writes')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', (code) => reject(new Error(`control server exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill('SIGKILL') };
}
