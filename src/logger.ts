import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Where a bearer token could reach the logs: a request logged with its headers. Fastify's
 * own request serializer leaves headers out, but any `{ req }` or `{ headers }` logged by
 * hand (or by a plugin) would carry it: those paths are censored whatever logs them.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'request.headers.authorization',
  'headers.authorization',
  'authorization',
];

/** The service's logger: JSON lines (on stdout unless a destination is given), tokens censored. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
}
