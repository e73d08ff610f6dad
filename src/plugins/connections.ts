import type { FastifyHttpOptions } from 'fastify';
import fp from 'fastify-plugin';
import { STATUS_CODES, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { problem, PROBLEM_CONTENT_TYPE } from '../api/problem.js';
import {
  atMost,
  HEADERS_TIMEOUT_MS,
  KEEP_ALIVE_TIMEOUT_MS,
  MAX_CONNECTIONS,
  MAX_HEADER_BYTES,
  REQUEST_TIMEOUT_MS,
  SOCKET_IDLE_TIMEOUT_MS,
} from '../limits.js';

/**
 * How often Node looks for requests past HEADERS_TIMEOUT_MS or REQUEST_TIMEOUT_MS: its
 * default of 30 s would let a trickling client hold its connection up to 30 s longer.
 */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/**
 * Node answers a request it cannot parse (a malformed request line, headers beyond
 * MAX_HEADER_BYTES) or that arrives too slowly by writing to the socket itself, before
 * Fastify sees a request. These are those answers as problem documents, with the headers
 * that matter on any answer (see security-headers.ts for the others).
 */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has no one to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  // A connection that never sent a byte asked nothing: it is closed, as an idle keep-alive
  // one would be (and a flood of them costs no answer each).
  if (socket.bytesRead === 0) {
    socket.destroy();
    return;
  }
  const body =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? problem('request-timeout', `the request did not arrive within ${REQUEST_TIMEOUT_MS} ms (REQUEST_TIMEOUT_MS)`, {
          limit: 'REQUEST_TIMEOUT_MS',
        })
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? problem('headers-too-large', `the request line and headers are too large: bytes ${atMost('MAX_HEADER_BYTES', MAX_HEADER_BYTES)}`, {
            limit: 'MAX_HEADER_BYTES',
          })
        : problem('malformed-request', `the request is not valid HTTP/1.1 (${error.code ?? error.message})`);
  // As Node itself: answer only if no answer to this connection's request has begun.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    const json = JSON.stringify(body);
    socket.write(
      `HTTP/1.1 ${body.status} ${STATUS_CODES[body.status]}\r\n` +
        `content-type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `content-length: ${Buffer.byteLength(json)}\r\n` +
        "content-security-policy: default-src 'none'; frame-ancestors 'none'\r\n" +
        'x-content-type-options: nosniff\r\n' +
        `connection: close\r\n\r\n${json}`,
    );
  }
  socket.destroy(error);
}

/**
 * The connection settings, all set here (the values and their reasons are in limits.ts):
 * the timeouts for headers, for the whole request including its body, for idle keep-alive
 * connections and for sockets on which nothing moves; the largest request head; Node's own
 * errors as problem documents.
 */
export const CONNECTION_OPTIONS = {
  requestTimeout: REQUEST_TIMEOUT_MS,
  keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
  connectionTimeout: SOCKET_IDLE_TIMEOUT_MS,
  http: {
    headersTimeout: HEADERS_TIMEOUT_MS,
    maxHeaderSize: MAX_HEADER_BYTES,
    connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
  },
  clientErrorHandler: answerClientError,
} satisfies FastifyHttpOptions<Server>;

/**
 * The connection cap, and `Expect: 100-continue` answered per route: Node would send
 * "100 Continue" for every such request at once, and a client then sending a body over
 * the route's limit would race the 413 (and often read a connection reset). Here the
 * continue is sent only once the route is known and the declared length fits its limit;
 * otherwise the 413 problem comes first and the client never sends the body.
 */
export const connections = fp(
  async (app) => {
    app.server.maxConnections = MAX_CONNECTIONS;
    app.server.on('checkContinue', (request, response) => app.server.emit('request', request, response));
    app.addHook('preParsing', async (request, reply, payload) => {
      if (request.headers.expect?.toLowerCase() !== '100-continue') return payload;
      const length = Number(request.headers['content-length']);
      const limit = request.routeOptions.bodyLimit;
      if (!(limit !== undefined && length > limit)) reply.raw.writeContinue();
      return payload;
    });
  },
  { name: 'lrsched-connections', fastify: '5.x' },
);
