import type { FastifyReply, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { BlockList, isIPv6 } from 'node:net';
import { OPEN_MODE_CALLER, roleAllows, type Caller, type Role } from '../access/caller.js';
import { accessUseCases, type AccessUseCases } from '../access/use-cases.js';
import { ProblemError } from '../api/problem.js';
import type { SessionStore } from '../store/session-store.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The least role that may call this route. Every /v1 route has one: routes that do not
     * name it get `read` for GET and HEAD, `write` for anything else.
     */
    role?: Role;
  }
  interface FastifyRequest {
    /** Who is calling; set before the handler of every /v1 route runs. */
    caller: Caller;
  }
  interface FastifyInstance {
    /** The project and key use cases: the admin routes' only way to them. */
    readonly access: AccessUseCases;
  }
}

/** Thrown by buildApp when the service would be reachable from other machines with no way to authenticate. */
export class UnprotectedService extends Error {
  constructor(host: string) {
    super(
      `refusing to serve on ${host}: no API key exists and LRSCHED_ADMIN_KEY is not set, so anyone who can ` +
        'reach this address could read, step and delete every session. Create the first admin key on this ' +
        'DATABASE_PATH or DATABASE_URL with `npm run keys -- create --project default --role admin` (in the container image: ' +
        '`node dist/cli/keys.js create --project default --role admin`), or set LRSCHED_ADMIN_KEY to a secret of ' +
        'at least 32 characters, or bind HOST to a loopback address (127.0.0.1) to run open.',
    );
    this.name = 'UnprotectedService';
  }
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Whether only this machine can reach an address: 127.0.0.0/8, ::1 or localhost. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  const address = host.replace(/^\[(.*)\]$/, '$1');
  try {
    return LOOPBACK.check(address, isIPv6(address) ? 'ipv6' : 'ipv4');
  } catch {
    return false; // a host name: it may resolve to anything
  }
}

export interface AuthenticationOptions {
  /** An open, migrated store (the sessions plugin closes it). */
  readonly store: SessionStore;
  /** LRSCHED_ADMIN_KEY: accepted as an admin token. */
  readonly adminToken: string | undefined;
  /** The address the service will listen on; undefined when it never listens (inject-only tests, scripts). */
  readonly host: string | undefined;
}

function isV1(url: string): boolean {
  return url === '/v1' || url.startsWith('/v1/');
}

function unauthorized(reply: FastifyReply, detail: string, error?: 'invalid_request' | 'invalid_token'): ProblemError {
  // RFC 6750: the challenge, with the reason when a token was sent but is not good.
  void reply.header('www-authenticate', `Bearer realm="lrsched"${error ? `, error="${error}"` : ''}`);
  return new ProblemError('unauthorized', detail);
}

/**
 * Every /v1 route needs a bearer token with a role that allows it, once a key exists or
 * LRSCHED_ADMIN_KEY is set; everything else (health, OpenAPI, docs, the UI) stays open.
 * Without either, the service runs open, and only on a loopback address: registering this
 * plugin throws UnprotectedService otherwise. It must come before the routes, as it gives
 * each /v1 route its role (plugins/openapi.ts documents 401 and 403 for them). Decorates
 * the app with the project and key use cases.
 */
export const authentication = fp<AuthenticationOptions>(
  async (app, { store, adminToken, host }) => {
    const access = accessUseCases(store, adminToken);
    app.decorate('access', access);
    const exposedOn = host !== undefined && !isLoopback(host) ? host : undefined;
    if (!(await access.canAuthenticate())) {
      if (exposedOn !== undefined) throw new UnprotectedService(exposedOn);
      app.log.warn(
        'open mode: no API key exists and LRSCHED_ADMIN_KEY is not set, so every request is served without ' +
          'authentication (allowed on loopback only); creating a key, e.g. `npm run keys -- create --project ' +
          'default --role admin`, secures the service at once',
      );
    }

    app.decorateRequest('caller', null as unknown as Caller);

    app.addHook('onRoute', (route: RouteOptions) => {
      if (!isV1(route.url)) return;
      const role = route.config?.role ?? (route.method === 'GET' || route.method === 'HEAD' ? 'read' : 'write');
      route.config = { ...route.config, role };
    });

    app.addHook('onRequest', async (request, reply) => {
      const needed = request.routeOptions.config.role;
      if (needed === undefined) return; // not a /v1 route (or no route at all: a 404)
      // Open mode serves everyone as before keys existed, whatever they send (a client may carry
      // a token meant for a secured deployment); a key made meanwhile ends it at once.
      if (exposedOn === undefined && !(await access.canAuthenticate())) {
        request.caller = OPEN_MODE_CALLER;
        return;
      }
      const header = request.headers.authorization;
      if (header === undefined) {
        throw unauthorized(reply, 'this service needs an API key: send Authorization: Bearer <token>');
      }
      const token = /^Bearer +(\S+) *$/i.exec(header)?.[1];
      if (token === undefined) {
        throw unauthorized(reply, 'the Authorization header must be "Bearer <token>"', 'invalid_request');
      }
      const result = await access.authenticate(token);
      if ('refused' in result) {
        const detail = result.refused === 'revoked' ? 'this API key has been revoked' : 'this API key is not known here';
        throw unauthorized(reply, detail, 'invalid_token');
      }
      if (!roleAllows(result.caller.role, needed)) {
        const orHigher = needed === 'admin' ? '' : ' or higher';
        throw new ProblemError('forbidden', `this needs the '${needed}' role${orHigher}; this key has '${result.caller.role}'`);
      }
      request.caller = result.caller;
    });
  },
  { name: 'lrsched-authentication', fastify: '5.x' },
);
