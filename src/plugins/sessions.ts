import fp from 'fastify-plugin';
import { sessionUseCases, type SessionUseCases } from '../sessions/use-cases.js';
import type { Db } from '../store/database.js';
import { SessionStore } from '../store/session-store.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The use cases, the routes' only way to the database. */
    readonly sessions: SessionUseCases;
  }
}

export interface SessionsOptions {
  /** An open, migrated database; this plugin closes it when the app closes. */
  readonly database: Db;
}

/** Decorates the app with the session use cases over the database, and closes it last. */
export const sessionsPlugin = fp<SessionsOptions>(
  async (app, { database }) => {
    app.decorate('sessions', sessionUseCases(new SessionStore(database)));
    // onClose runs once the server has closed: no request can still be using the database.
    app.addHook('onClose', async () => {
      if (database.open) database.close();
    });
  },
  { name: 'lrsched-sessions', fastify: '5.x' },
);
