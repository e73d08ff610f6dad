import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { problemResponses } from '../api/problem.js';
import { noQuery } from '../api/sessions.js';

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
type RouteDocument = Parameters<typeof jsonSchemaTransform>[0];

/**
 * Bearer tokens (API keys) are required on every /v1 operation once any key exists; until
 * then the service runs open and ignores the header. Both alternatives are listed.
 */
const SECURITY_SCHEMES = {
  bearerAuth: {
    type: 'http',
    scheme: 'bearer',
    description:
      'An API key as `Authorization: Bearer <token>` (made with POST /v1/keys or `npm run keys -- create`): ' +
      'required on every /v1 route once any key exists (or LRSCHED_ADMIN_KEY is set); a service without keys, ' +
      'which it allows on a loopback address only, runs open and ignores it.',
  },
} as const;

const V1_SECURITY: Record<string, string[]>[] = [{ bearerAuth: [] }, {}];

/** Marks, for transformObject, an operation whose body may be left out (a bare POST …/step). */
const OPTIONAL_BODY = 'x-lrsched-optional-body';

/**
 * What every route shares, documented from one rule each rather than by every route: every
 * /v1 route may refuse the caller (401, 403). A body schema that accepts no body at all
 * (Fastify validates a missing body as null) makes the request body optional. (The problems
 * of a body itself, BODY_PROBLEMS, each route reading one declares with its own.)
 */
function withCommonAnswers(route: RouteDocument): RouteDocument {
  const schema = route.schema as (Record<string, unknown> & { body?: unknown; response?: object; hide?: boolean }) | undefined;
  if (!schema || schema.hide) return route;
  const guarded = route.url.startsWith('/v1/');
  const body = schema.body instanceof z.ZodType ? schema.body : undefined;
  return {
    ...route,
    schema: {
      ...schema,
      security: guarded ? V1_SECURITY : [],
      response: {
        ...schema.response,
        ...(guarded ? problemResponses('unauthorized', 'forbidden') : {}),
      },
      ...(body?.safeParse(null).success ? { [OPTIONAL_BODY]: true } : {}),
    },
  };
}

type Operation = { requestBody?: { required?: boolean }; [OPTIONAL_BODY]?: boolean };

function markOptionalBodies(document: OpenApiDocument): void {
  for (const path of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(path as Record<string, Operation>)) {
      if (!operation[OPTIONAL_BODY]) continue;
      delete operation[OPTIONAL_BODY];
      if (operation.requestBody) operation.requestBody.required = false;
    }
  }
}

const COMPONENT_PREFIX = '#/components/schemas/';

/**
 * Only the components the operations reach, in name order. The provider writes every
 * registered schema twice (as requests send it, `…Input`, and as answers carry it) whether
 * or not anything uses that form; zod's registry order depends on which module loaded first.
 */
function usedComponents(document: OpenApiDocument): void {
  const components = (document as { components?: { schemas?: Record<string, unknown> } }).components;
  if (!components?.schemas) return;
  const schemas = components.schemas;
  const used = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string' && child.startsWith(COMPONENT_PREFIX)) {
        const name = child.slice(COMPONENT_PREFIX.length);
        if (!used.has(name)) {
          used.add(name);
          visit(schemas[name]);
        }
      } else {
        visit(child);
      }
    }
  };
  visit(document.paths);
  components.schemas = Object.fromEntries(
    Object.entries(schemas)
      .filter(([name]) => used.has(name))
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

/** The OpenAPI document, generated from the routes' zod schemas, at /openapi.json and /docs. */
export const openApi = fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: OPENAPI_INFO,
        servers: [
          { url: '/', description: 'The service that serves this document' },
          {
            url: 'http://{host}:{port}',
            description: 'A service you run (`npm start` listens on 127.0.0.1:8080; HOST and PORT change it)',
            variables: { host: { default: '127.0.0.1' }, port: { default: '8080' } },
          },
        ],
        components: { securitySchemes: SECURITY_SCHEMES },
        tags: [
          { name: 'sessions', description: 'Scheduler sessions' },
          { name: 'steps', description: 'Stepping, rewinding and reading history' },
          { name: 'live', description: 'Watching a session step by step, waiting for a step' },
          { name: 'preview', description: 'Schedules computed without storing anything' },
          { name: 'range tests', description: 'Suggested learning rates from LRRangeTest sessions' },
          { name: 'access', description: 'Projects and API keys (admin role)' },
          { name: 'operations', description: 'Health' },
        ],
      },
      transform: (route) => jsonSchemaTransform(withCommonAnswers(route)),
      transformObject: (input) => {
        const document = jsonSchemaTransformObject(input);
        markOptionalBodies(document);
        usedComponents(document);
        return document;
      },
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
