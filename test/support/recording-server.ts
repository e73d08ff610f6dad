/**
 * The service with a recorder in front, for the Python client's tests: every request's
 * Authorization header is kept (null when absent), and GET /test/authorizations answers
 * them in order. Reads PORT, HOST and the database variables as src/server.ts does, and prints the
 * line src/server.ts logs once listening.
 */
import { buildApp } from '../../src/app.js';
import { databaseOptions, readConfig } from '../../src/config.js';

const config = readConfig();
const app = await buildApp({ database: databaseOptions(config) });
const authorizations: (string | null)[] = [];
app.addHook('onRequest', async (request) => {
  if (!request.url.startsWith('/test/')) authorizations.push(request.headers.authorization ?? null);
});
app.get('/test/authorizations', { schema: { hide: true } }, async () => authorizations);
const address = await app.listen({ port: config.PORT, host: config.HOST });
console.log(`Server listening at ${address}`);
