import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { readFileSync } from 'node:fs';
import { noQuery } from '../api/sessions.js';
import { BEARER_SECURITY_SCHEME, SECURITY_SCHEME } from './authentication.js';

/**
 * The service's version, as package.json states it. Read at run time: package.json sits at the
 * repo root (and in the image's /app), two levels above both src/plugins and dist/plugins, outside
 * the rootDir tsc compiles.
 */
const PACKAGE_VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export const OPENAPI_INFO = {
  title: 'lrsched',
  version: PACKAGE_VERSION,
  description:
    "Learning-rate scheduling service: PyTorch's torch.optim.lr_scheduler over HTTP. Create a session, " +
    'report each finished epoch or batch, get the learning rate to use next. Every step persists in SQLite.',
};

type OpenApiDocument = ReturnType<typeof jsonSchemaTransformObject>;

/** Components in name order: zod's registry order depends on which module loaded first. */
function sortedComponents(document: OpenApiDocument): OpenApiDocument {
  const components = (document as { components?: { schemas?: Record<string, unknown> } }).components;
  if (components?.schemas) {
    components.schemas = Object.fromEntries(
      Object.entries(components.schemas).sort(([a], [b]) => a.localeCompare(b)),
    );
  }
  return document;
}

/** The OpenAPI document, generated from the routes' zod schemas, at /openapi.json and /docs. */
export const openApi = fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: OPENAPI_INFO,
        tags: [
          { name: 'sessions', description: 'Scheduler sessions' },
          { name: 'steps', description: 'Stepping, rewinding and reading history' },
          { name: 'preview', description: 'Schedules computed without storing anything' },
          { name: 'range tests', description: 'Suggested learning rates from LRRangeTest sessions' },
          { name: 'access', description: 'Projects and API keys (admin role)' },
          { name: 'operations', description: 'Health' },
        ],
        components: { securitySchemes: { [SECURITY_SCHEME]: BEARER_SECURITY_SCHEME } },
      },
      transform: jsonSchemaTransform,
      transformObject: (input) => sortedComponents(jsonSchemaTransformObject(input)),
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
    app.get('/openapi.json', { schema: { hide: true, querystring: noQuery } }, async () => app.swagger());
  },
  { name: 'lrsched-openapi', fastify: '5.x' },
);

/** The document as committed in openapi/openapi.json: pretty-printed, newline-terminated. */
export function renderOpenApiDocument(app: FastifyInstance): string {
  return `${JSON.stringify(app.swagger(), null, 2)}\n`;
}
