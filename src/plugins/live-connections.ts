import fp from 'fastify-plugin';
import { LiveConnections, type LiveLimits } from '../live/connections.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The budget the live routes take their slots from. */
    readonly liveConnections: LiveConnections;
  }
}

/**
 * Decorates the app with the budget of event streams and waits. Register it before
 * drainOnClose: preClose hooks run in registration order, and the drain waits for every
 * answer to finish, which streams and waits never do by themselves; this hook ends them
 * first, so the drain only waits for their last bytes.
 */
export const liveConnections = fp<{ limits?: LiveLimits | undefined }>(
  async (app, { limits }) => {
    const connections = new LiveConnections(limits);
    app.decorate('liveConnections', connections);
    app.addHook('preClose', async () => connections.closeAll());
  },
  { name: 'lrsched-live-connections', fastify: '5.x' },
);
