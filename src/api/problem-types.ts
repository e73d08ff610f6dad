/**
 * Every kind of problem the service answers, defined once: the `type` a client switches on,
 * its HTTP status and title, and when it happens. The README's table of problem types
 * (checked by test/api/problem-types.test.ts) and the OpenAPI document come from here.
 * Types name situations, not statuses: a client can tell a step conflict, which it resolves
 * by reading `state`, from a key conflict, which it cannot.
 */

export interface ProblemTypeDefinition {
  readonly status: number;
  readonly title: string;
  /** When the service answers it, for the README and the OpenAPI document. */
  readonly when: string;
  /** Sent as `Retry-After`: the situation passes by itself, and a client may try again after this long. */
  readonly retryAfterSeconds?: number;
}

export const PROBLEM_TYPES = {
  'invalid-request': {
    status: 400,
    title: 'Invalid request',
    when: 'A field of the body, path or query string is invalid, unknown, refused by the scheduler or beyond a limit; `errors[].path` names each, `limit` the limit.',
  },
  'invalid-json': {
    status: 400,
    title: 'Body is not JSON',
    when: 'The body is not valid JSON, or its length differs from its Content-Length.',
  },
  'malformed-request': {
    status: 400,
    title: 'Malformed request',
    when: 'The request is not valid HTTP/1.1 (its request line or a header), answered before any route.',
  },
  unauthorized: {
    status: 401,
    title: 'Unauthorized',
    when: 'Where API keys are in use, the request carries no valid `Authorization: Bearer` key; a service without keys runs open and never answers it.',
  },
  forbidden: {
    status: 403,
    title: 'Forbidden',
    when: "Where API keys are in use, the request's key may not do this; a service without keys runs open and never answers it.",
  },
  'session-not-found': {
    status: 404,
    title: 'Session not found',
    when: 'No session has this id (it never existed, or it was deleted).',
  },
  'key-not-found': {
    status: 404,
    title: 'API key not found',
    when: 'No API key has this id.',
  },
  'step-not-found': {
    status: 404,
    title: 'Step not found',
    when: 'The session has no such step in its history: it has not reached it, or a rewind dropped it.',
  },
  'route-not-found': {
    status: 404,
    title: 'Route not found',
    when: 'No route has this method and path.',
  },
  'request-timeout': {
    status: 408,
    title: 'Request not received in time',
    when: 'The request (its body included) did not arrive within `REQUEST_TIMEOUT_MS`; `limit` names it.',
  },
  'key-conflict': {
    status: 409,
    title: 'Key conflict',
    when: 'A session with this `key` exists with different `param_groups` or `scheduler`; `errors[0].message` names it.',
  },
  'step-conflict': {
    status: 409,
    title: 'Step conflict',
    when: "`expected_step` is not the session's step, nor a retry of its last step; `state` is the session's state now.",
  },
  'rewind-conflict': {
    status: 409,
    title: 'Rewind conflict',
    when: "`to_step` is beyond the session's step; `state` is the session's state now.",
  },
  'not-a-range-test': {
    status: 409,
    title: 'Not a range test',
    when: 'A suggestion was asked of a session that is not an `LRRangeTest`.',
  },
  'not-enough-range-test-points': {
    status: 409,
    title: 'Not enough range test points',
    when: 'The range test has fewer than 2 usable points so far: step it on.',
  },
  'body-too-large': {
    status: 413,
    title: 'Request body too large',
    when: "The body is over its route's size limit, which `limit` names.",
  },
  'unsupported-media-type': {
    status: 415,
    title: 'Unsupported media type',
    when: 'The body is not sent as `application/json`.',
  },
  'step-refused': {
    status: 422,
    title: 'The scheduler cannot take this step',
    when: 'PyTorch would raise on this step (OneCycleLR past `total_steps`, an `lr_lambda` that is not a finite number); `errors[].path` names the config field to blame.',
  },
  'work-limit-exceeded': {
    status: 422,
    title: 'Work limit exceeded',
    when: "Computing the request goes beyond a limit only the computing shows (big-integer work, the state one step stores, a preview's running time); `limit` names it, `errors[].path` the field.",
  },
  'too-many-live-connections': {
    status: 429,
    title: 'Too many live connections',
    when: 'This client (its IP address) already holds the most event streams and waits for a step one client may; close one, or retry after `Retry-After` seconds.',
    retryAfterSeconds: 5,
  },
  'headers-too-large': {
    status: 431,
    title: 'Request headers too large',
    when: 'The request line and headers are over `MAX_HEADER_BYTES`.',
  },
  'internal-error': {
    status: 500,
    title: 'Internal server error',
    when: 'A fault of the service; it is logged.',
  },
  'database-unavailable': {
    status: 503,
    title: 'Database unavailable',
    when: 'The database does not answer (PostgreSQL restarting or out of reach, SQLite locked or closed); nothing was changed, send the request again after `Retry-After` seconds. `/healthz` answers it too.',
    retryAfterSeconds: 1,
  },
  'live-connections-exhausted': {
    status: 503,
    title: 'No live connections left',
    when: 'The service already holds the most event streams and waits for a step it takes in all; retry after `Retry-After` seconds.',
    retryAfterSeconds: 5,
  },
  'previews-busy': {
    status: 503,
    title: 'Preview workers busy',
    when: 'Every preview worker is busy and the queue is full, or the preview could not start in time; retry after `Retry-After` seconds.',
    retryAfterSeconds: 5,
  },
  'dashboard-not-built': {
    status: 503,
    title: 'Dashboard not built',
    when: '`GET /`: the dashboard (`ui/`) has not been built into `dist/ui`; run `npm run build`. The API works without it.',
  },
  'shutting-down': {
    status: 503,
    title: 'Shutting down',
    when: 'The service is closing and takes no new requests; retry against another instance or after the restart.',
  },
} as const satisfies Record<string, ProblemTypeDefinition>;

export type ProblemTypeName = keyof typeof PROBLEM_TYPES;

export const PROBLEM_TYPE_NAMES = Object.keys(PROBLEM_TYPES) as ProblemTypeName[];

/** The `type` member of a problem document: a URN, stable across releases. */
export function problemTypeUri(name: ProblemTypeName): `urn:lrsched:problem:${ProblemTypeName}` {
  return `urn:lrsched:problem:${name}`;
}

/** The name of a problem document's type (the inverse of problemTypeUri). */
export function problemTypeName(problem: { type: string }): ProblemTypeName {
  return problem.type.slice('urn:lrsched:problem:'.length) as ProblemTypeName;
}
