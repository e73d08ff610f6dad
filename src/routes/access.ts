import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AccessUseCases } from '../access/use-cases.js';
import {
  createdKeySchema,
  keyIdParams,
  keyInputSchema,
  keyListSchema,
  projectInputSchema,
  projectListSchema,
  projectSchema,
} from '../api/access.js';
import { problemResponses } from '../api/problem.js';

/** Projects and API keys: the admin role only. */
export const accessRoutes: FastifyPluginAsyncZod<{ access: AccessUseCases }> = async (app, { access }) => {
  const admin = { role: 'admin' } as const;

  app.post(
    '/v1/projects',
    {
      config: admin,
      schema: {
        summary: 'Create a project (or find the one with this name)',
        tags: ['access'],
        body: projectInputSchema,
        response: { 201: projectSchema, 200: projectSchema, ...problemResponses(400) },
      },
    },
    async (request, reply) => {
      const { project, created } = access.createProject(request.caller, request.body.name);
      if (created) request.log.info({ project: project.name, actor: request.caller.actor }, 'project created');
      return reply.code(created ? 201 : 200).send(project);
    },
  );

  app.get(
    '/v1/projects',
    {
      config: admin,
      schema: {
        summary: 'List projects, by name',
        tags: ['access'],
        response: { 200: projectListSchema },
      },
    },
    async () => ({ items: access.listProjects() }),
  );

  app.post(
    '/v1/keys',
    {
      config: admin,
      schema: {
        summary: 'Create an API key: the only answer that shows its token',
        tags: ['access'],
        body: keyInputSchema,
        response: { 201: createdKeySchema, ...problemResponses(400) },
      },
    },
    async (request, reply) => {
      const { key, token } = access.createKey(request.caller, request.body);
      request.log.info({ key: key.id, project: key.project, role: key.role, actor: request.caller.actor }, 'key created');
      return reply.code(201).send({ ...key, token });
    },
  );

  app.get(
    '/v1/keys',
    {
      config: admin,
      schema: {
        summary: 'List API keys (never their tokens), revoked ones included',
        tags: ['access'],
        response: { 200: keyListSchema },
      },
    },
    async () => ({ items: access.listKeys() }),
  );

  app.delete(
    '/v1/keys/:id',
    {
      config: admin,
      schema: {
        summary: 'Revoke an API key: its next request is refused, on every replica',
        tags: ['access'],
        params: keyIdParams,
        response: { 204: z.null().describe('Revoked'), ...problemResponses(404) },
      },
    },
    async (request, reply) => {
      const key = access.revokeKey(request.caller, request.params.id);
      request.log.info({ key: key.id, actor: request.caller.actor }, 'key revoked');
      return reply.code(204).send(null);
    },
  );
};
