/**
 * Anchor: a bare Fastify route with small JSON in and out, the same URLs the service has.
 * What a step costs with no work and no storage: the ceiling for this machine and load.
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';

const app = Fastify();
app.get('/healthz', async () => ({ status: 'ok' }));
app.post('/v1/sessions', async (_request, reply) => reply.code(201).send({ id: randomUUID() }));
app.post<{ Body: { expected_step?: number } }>('/v1/sessions/:id/step', async (request) => ({
  step: (request.body.expected_step ?? 0) + 1,
  replayed: false,
}));

process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
await app.listen({ port: Number(process.env.PORT), host: process.env.HOST ?? '127.0.0.1' });
