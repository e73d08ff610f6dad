/**
 * Anchor: Fastify with one better-sqlite3 transaction per step (read the job's step, check
 * expected_step, update it, append the report), in WAL mode with synchronous=$SYNCHRONOUS
 * (NORMAL: durable across a killed process; FULL: an fsync per commit, durable across power
 * loss, as the service runs). What a plain durable write costs on this machine.
 */
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import Fastify from 'fastify';

const synchronous = process.env.SYNCHRONOUS ?? 'FULL';
if (synchronous !== 'NORMAL' && synchronous !== 'FULL') throw new Error('SYNCHRONOUS must be NORMAL or FULL');
const db = new Database(process.env.DATABASE_PATH ?? ':memory:');
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${synchronous}`);
db.exec(`
  CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, step INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS steps (job TEXT NOT NULL, step INTEGER NOT NULL, report TEXT NOT NULL, PRIMARY KEY (job, step)) WITHOUT ROWID;
`);
const insertJob = db.prepare('INSERT INTO jobs (id, step) VALUES (?, 0)');
const stepOf = db.prepare('SELECT step FROM jobs WHERE id = ?').pluck();
const advance = db.prepare('UPDATE jobs SET step = ? WHERE id = ?');
const record = db.prepare('INSERT INTO steps (job, step, report) VALUES (?, ?, ?)');

const step = db.transaction((id: string, body: { expected_step?: number }) => {
  const current = stepOf.get(id) as number | undefined;
  if (current === undefined) return { status: 404, step: null };
  if (body.expected_step !== undefined && body.expected_step !== current) return { status: 409, step: current };
  advance.run(current + 1, id);
  record.run(id, current + 1, JSON.stringify(body));
  return { status: 200, step: current + 1 };
});

const app = Fastify();
app.get('/healthz', async () => ({ status: 'ok' }));
app.post('/v1/sessions', async (_request, reply) => {
  const id = randomUUID();
  insertJob.run(id);
  return reply.code(201).send({ id });
});
app.post<{ Params: { id: string }; Body: { expected_step?: number } }>('/v1/sessions/:id/step', async (request, reply) => {
  const { status, step: reached } = step.immediate(request.params.id, request.body);
  return reply.code(status).send({ step: reached, replayed: false });
});

process.once('SIGTERM', () => void app.close().then(() => (db.close(), process.exit(0))));
await app.listen({ port: Number(process.env.PORT), host: process.env.HOST ?? '127.0.0.1' });
