import helmet from '@fastify/helmet';
import fp from 'fastify-plugin';

/**
 * Security headers on every answer (@fastify/helmet: the usual set, from a maintained
 * source). The content security policy is helmet's default, which /docs (swagger-ui: its
 * own scripts and styles, data: images, fetches of /openapi.json) works under, except
 * upgrade-insecure-requests: the service speaks plain HTTP (TLS, where there is some, ends
 * at a proxy), and a browser told to upgrade would fetch /docs' assets over HTTPS from a
 * port that has none. test/routes/security.test.ts loads /docs in Chromium under it.
 */
export const securityHeaders = fp(
  async (app) => {
    await app.register(helmet, { contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
  },
  { name: 'lrsched-security-headers', fastify: '5.x' },
);
