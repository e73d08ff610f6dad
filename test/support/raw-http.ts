import { connect, type Socket } from 'node:net';

/** A TCP connection to the service at `url`, for requests no HTTP client would send. */
export function openSocket(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Everything the service sends on `socket` until it closes it (or `timeoutMs` passes), and when it closed. */
export function readUntilClosed(socket: Socket, timeoutMs = 30_000): Promise<{ text: string; closedAt: number }> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('error', () => {}); // a reset after the answer still ends the exchange below
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ text, closedAt: Date.now() });
    });
  });
}

/** An answer as read off the socket: status line, headers (lower-case names) and body. */
export function parseAnswer(text: string): { status: number; headers: Record<string, string>; body: string } {
  const end = text.indexOf('\r\n\r\n');
  const [statusLine = '', ...headerLines] = text.slice(0, end < 0 ? text.length : end).split('\r\n');
  const headers = Object.fromEntries(
    headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
  );
  return { status: Number(statusLine.split(' ')[1]), headers, body: end < 0 ? '' : text.slice(end + 4) };
}

/** Sends `request` as written and reads the whole exchange. */
export async function rawExchange(url: string, request: string, timeoutMs?: number) {
  const socket = await openSocket(url);
  const answer = readUntilClosed(socket, timeoutMs);
  socket.write(request);
  return parseAnswer((await answer).text);
}
