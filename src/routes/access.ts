import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  createdKeySchema,
  keyIdParams,
  keyInputSchema,
  keyListSchema,
  projectInputSchema,
  projectListSchema,
  projectSchema,
} from '../api/access.js';
import { BODY_PROBLEMS, problemResponses } from '../api/problem.js';
import { noQuery } from '../api/sessions.js';

/** Projects and API keys: the admin role only. */
export const accessRoutes: FastifyPluginAsyncZod = async (app) => {
  const { access } = app;
  const admin = { role: 'admin' } as const;

  app.post(
    '/v1/projects',
    {
      config: admin,
      schema: {
        operationId: 'createProject',
        summary: 'Create a project (or find the one with this name)',
        tags: ['access'],
        querystring: noQuery,
        body: projectInputSchema,
        response: { 201: projectSchema, 200: projectSchema, ...problemResponses(...BODY_PROBLEMS, 'invalid-request') },
      },
    },
    async (request, reply) => {
      const { project, created } = await access.createProject(request.caller, request.body.name);
      if (created) request.log.info({ project: project.name, actor: request.caller.actor }, 'project created');
      return reply.code(created ? 201 : 200).send(project);
    },
  );

  app.get(
    '/v1/projects',
    {
      config: admin,
      schema: {
        operationId: 'listProjects',
        summary: 'List projects, by name',
        tags: ['access'],
        querystring: noQuery,
        response: { 200: projectListSchema },
      },
    },
    async () => ({ items: await access.listProjects() }),
  );

  app.post(
    '/v1/keys',
    {
      config: admin,
      schema: {
        operationId: 'createKey',
        summary: 'Create an API key: the only answer that shows its token',
        tags: ['access'],
        querystring: noQuery,
        body: keyInputSchema,
        response: { 201: createdKeySchema, ...problemResponses(...BODY_PROBLEMS, 'invalid-request') },
      },
    },
    async (request, reply) => {
      const { key, token } = await access.createKey(request.caller, request.body);
      request.log.info({ key: key.id, project: key.project, role: key.role, actor: request.caller.actor }, 'key created');
      return reply.code(201).send({ ...key, token });
    },
  );

  app.get(
    '/v1/keys',
    {
      config: admin,
      schema: {
        operationId: 'listKeys',
        summary: 'List API keys (never their tokens), revoked ones included',
        tags: ['access'],
        querystring: noQuery,
        response: { 200: keyListSchema },
      },
    },
    async () => ({ items: await access.listKeys() }),
  );

  app.delete(
    '/v1/keys/:id',
    {
      config: admin,
      schema: {
        operationId: 'revokeKey',
        summary: 'Revoke an API key: its next request is refused, on every replica',
        tags: ['access'],
        querystring: noQuery,
        params: keyIdParams,
        response: { 204: z.null().describe('Revoked'), ...problemResponses(...BODY_PROBLEMS, 'key-not-found') },
      },
    },
    async (request, reply) => {
      const key = await access.revokeKey(request.caller, request.params.id);
      request.log.info({ key: key.id, actor: request.caller.actor }, 'key revoked');
      return reply.code(204).send(null);
    },
  );
};
