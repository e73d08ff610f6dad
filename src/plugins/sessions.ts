import fp from 'fastify-plugin';
import { DeletionSweeper } from '../sessions/deletion-sweeper.js';
import { InProcessSessionChanges, retellWatched } from '../sessions/session-changes.js';
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

/**
 * Decorates the app with the session use cases over the store; hands the changes the store
 * tells of (committed here, or through another replica) to this process's watchers and
 * waiters; sweeps what deleted sessions left behind from the start on (a previous run may
 * have stopped mid-way); closes the store last.
 */
export const sessionsPlugin = fp<SessionsOptions>(
  async (app, { store }) => {
    const sweeper = new DeletionSweeper(store, {
      swept: (info) => app.log.info(info, 'deleted session swept'),
      failed: (error) => app.log.error({ err: error }, 'sweeping deleted sessions failed; the next delete or start tries again'),
    });
    const changes = new InProcessSessionChanges();
    await store.listen({
      committed: (change) => changes.publish(change),
      missedSome: () =>
        void retellWatched(store, changes).catch((error: unknown) =>
          app.log.warn({ err: error }, 'telling watchers after missed changes failed; their waits time out as usual'),
        ),
    });
    app.decorate('sessions', sessionUseCases(store, sweeper, changes));
    app.addHook('onReady', async () => sweeper.wake());
    // onClose runs once the server has closed: no request can still be using the database.
    app.addHook('onClose', async () => {
      await sweeper.stop();
      await store.close();
    });
  },
  { name: 'lrsched-sessions', fastify: '5.x' },
);
