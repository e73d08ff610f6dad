import fp from 'fastify-plugin';
import { sessionUseCases, type SessionUseCases } from '../sessions/use-cases.js';
import type { SessionStore } from '../store/session-store.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The use cases, the routes' only way to the database. */
    readonly sessions: SessionUseCases;
  }
}

export interface SessionsOptions {
  /** An open, migrated store; this plugin closes it when the app closes. */
  readonly store: SessionStore;
}

/** Decorates the app with the session use cases over the store, and closes it last. */
export const sessionsPlugin = fp<SessionsOptions>(
  async (app, { store }) => {
    app.decorate('sessions', sessionUseCases(store));
    // onClose runs once the server has closed: no request can still be using the database.
    app.addHook('onClose', async () => store.close());
  },
  { name: 'lrsched-sessions', fastify: '5.x' },
);
