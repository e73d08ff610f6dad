import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the proxy does with one request: pass it on, pass it on but cut the connection
 * instead of answering (the service acted, the client never hears of it), answer 502 itself
 * without passing it on (a gateway's error page), or hold it unanswered until closed.
 */
export type ProxyAction = 'forward' | 'drop-answer' | 'bad-gateway' | 'hang';

export interface FlakyProxy {
  readonly url: string;
  /** Every request seen, in order, with what was done with it. */
  readonly requests: { method: string; url: string; action: ProxyAction }[];
  readonly close: () => Promise<void>;
}

async function bodyOf(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A proxy in front of `upstream` that fails requests as `decide` says, as a flaky network does. */
export async function startFlakyProxy(
  upstream: string,
  decide: (method: string, url: string, count: number) => ProxyAction,
): Promise<FlakyProxy> {
  const requests: FlakyProxy['requests'] = [];
  const relay = async (request: IncomingMessage, reply: ServerResponse) => {
    const method = request.method ?? 'GET';
    const url = request.url ?? '/';
    const action = decide(method, url, requests.length + 1);
    requests.push({ method, url, action });
    const body = await bodyOf(request);
    if (action === 'hang') return;
    if (action === 'bad-gateway') {
      reply.writeHead(502, { 'content-type': 'text/html' }).end('<html>502 Bad Gateway</html>');
      return;
    }
    const headers = Object.fromEntries(
      ['content-type', 'authorization'].flatMap((name) => (request.headers[name] ? [[name, request.headers[name] as string]] : [])),
    );
    const answer = await fetch(upstream + url, { method, headers, ...(body.length > 0 ? { body } : {}) });
    const payload = Buffer.from(await answer.arrayBuffer());
    if (action === 'drop-answer') {
      request.socket.destroy();
      return;
    }
    reply.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' }).end(payload);
  };
  const server = createServer((request, reply) => void relay(request, reply));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
