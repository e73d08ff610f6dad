import fp from 'fastify-plugin';
import helmet from 'helmet';

/**
 * The headers helmet (the usual set, from a maintained source) sets on a response, worked
 * out once. Helmet's options here are fixed, so its headers are the same on every answer;
 * @fastify/helmet built a whole helmet middleware anew on every request instead (parsing
 * the content security policy's directives each time), which cost a step some 8 µs of CPU
 * and garbage beside it (README, "Durable steps at speed").
 */
function helmetHeaders(options: Parameters<typeof helmet>[0]): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string) => void (headers[name.toLowerCase()] = value),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  // Helmet 8 throws a bad option itself; its callback only says it is done.
  helmet(options)({} as never, response as never, () => undefined);
  return headers;
}

/**
 * Security headers on every answer. The content security policy is helmet's default, which
 * /docs (swagger-ui: its own scripts and styles, data: images, fetches of /openapi.json)
 * works under, except upgrade-insecure-requests: the service speaks plain HTTP (TLS, where
 * there is some, ends at a proxy), and a browser told to upgrade would fetch /docs' assets
 * over HTTPS from a port that has none. test/routes/security.test.ts loads /docs in
 * Chromium under it.
 */
export const securityHeaders = fp(
  async (app) => {
    const headers = helmetHeaders({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
    app.addHook('onRequest', (_request, reply, done) => {
      void reply.headers(headers);
      done();
    });
  },
  { name: 'lrsched-security-headers', fastify: '5.x' },
);
