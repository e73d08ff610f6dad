import { request } from 'node:http';
import type { InjectOptions } from 'fastify';
import type { DatabaseOptions } from '../../src/store/open-store.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

/**
 * The route suite through real service processes: what inject() asks of the app goes as a
 * real HTTP request to one of several processes (src/server.ts) on one database, each
 * request to the next process in turn (round-robin), as a load balancer would spread them.
 */

/** How many replicas the `postgres-replicas` vitest project runs the route suite through (0: in-process). */
export const TEST_REPLICAS = Number(process.env.LRSCHED_TEST_REPLICAS ?? 0);

/** What inject() answers, as far as the route tests read it. */
export interface ReplicaResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  readonly payload: string;
  json(): unknown;
}

export interface Replicas {
  /** Sends the request to the next replica. */
  inject(options: InjectOptions): Promise<ReplicaResponse>;
  /** Stops every replica (SIGTERM) and waits for them to exit. */
  close(): Promise<void>;
}

/** What inject() would send as the body, and the content type it would give an object. */
function bodyOf(payload: InjectOptions['payload']): { bytes?: Buffer; json: boolean } {
  if (payload === undefined) return { json: false };
  if (typeof payload === 'string' || Buffer.isBuffer(payload)) return { bytes: Buffer.from(payload), json: false };
  if (typeof (payload as { pipe?: unknown }).pipe === 'function') throw new Error('replicas: streamed payloads are not supported');
  return { bytes: Buffer.from(JSON.stringify(payload)), json: true };
}

function send(url: string, options: InjectOptions): Promise<ReplicaResponse> {
  const known = new Set(['method', 'url', 'headers', 'payload', 'body']);
  const unknown = Object.keys(options).filter((option) => !known.has(option));
  if (unknown.length > 0) throw new Error(`replicas: inject option(s) ${unknown.join(', ')} not supported over HTTP`);
  const { bytes, json } = bodyOf(options.payload ?? options.body);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) if (value !== undefined) headers[name.toLowerCase()] = String(value);
  if (json && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
  if (bytes && headers['content-length'] === undefined) headers['content-length'] = String(bytes.length);
  if (typeof options.url !== 'string') throw new Error('replicas: inject() with a URL object is not supported over HTTP');
  const path = options.url;
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, url), { method: options.method ?? 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body, payload: body, json: () => JSON.parse(body) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(bytes);
  });
}

/** `count` service processes on `database`, started together (they migrate it under the advisory lock). */
export async function startReplicas(database: DatabaseOptions, count: number): Promise<Replicas> {
  const processes: ServerProcess[] = await Promise.all(Array.from({ length: count }, () => startServerProcess(database)));
  let next = 0;
  return {
    inject: (options) => send((processes[next++ % processes.length] as ServerProcess).url, options),
    close: async () => {
      for (const replica of processes) replica.child.kill('SIGTERM');
      await Promise.all(processes.map((replica) => replica.exited));
    },
  };
}
