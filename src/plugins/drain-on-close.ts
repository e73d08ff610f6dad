import type { FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';

/**
 * Node's server.close() destroys "idle" sockets, including ones whose answer is complete
 * but still being written out: a large preview would reach the client cut short. Before
 * closing, wait until every answer has been handed to the operating system, for at most
 * graceMs. Then cut every connection still open (a stuck answer, a client still sending its
 * request): server.close() would otherwise wait for them, and the database, closed after it,
 * would stay open.
 */
export function drainResponsesOnClose(app: FastifyInstance, graceMs: number): void {
  const unfinished = new Set<ServerResponse>();

  app.addHook('onRequest', async (_request, reply) => {
    const response = reply.raw;
    unfinished.add(response);
    const done = () => unfinished.delete(response);
    response.once('finish', done);
    response.once('close', done);
  });

  app.addHook('preClose', async () => {
    const deadline = Date.now() + graceMs;
    while (unfinished.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    if (unfinished.size > 0) {
      app.log.warn({ unfinished: unfinished.size, graceMs }, 'answers still unfinished after the drain grace; cutting them');
    }
    // In the same tick as the check: every answer begun so far is handed over or out of time.
    if (app.server.listening) app.server.closeAllConnections();
  });
}
