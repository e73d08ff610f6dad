/**
 * A typed client for the lrsched API: thin functions over openapi-fetch, with the
 * request and response types generated from openapi/openapi.json (schema.ts).
 */
import createFetchClient from 'openapi-fetch';
import type { components, paths } from './schema.js';

type Schemas = components['schemas'];
export type NewSession = Schemas['NewSessionInput'];
export type Session = Schemas['Session'];
export type State = Schemas['State'];
export type StepRequest = Schemas['StepRequestInput'];
export type StepResult = Schemas['StepResult'];
export type HistoryEntry = Schemas['HistoryEntry'];
export type PreviewRequest = Schemas['PreviewRequestInput'];
export type StateDictExport = Schemas['StateDictExport'];
export type RangeTestReference = Schemas['RangeTestReferenceInput'];
export type RangeTestSuggestion = Schemas['RangeTestSuggestion'];
export type Problem = Schemas['Problem'];
export type { components, paths };

/**
 * Any failure: an answer that is not a success, carrying the service's problem document
 * (`problem` is undefined when something else answered, say a proxy's 502 page), or no
 * answer at all after the retries (`status` undefined; `cause` is the last network error).
 */
export class LrschedError extends Error {
  constructor(
    readonly status: number | undefined,
    readonly problem: Problem | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LrschedError';
  }
}

export interface LrschedClientOptions {
  /**
   * An API key, sent as `Authorization: Bearer <key>`. Defaults to the LRSCHED_API_KEY
   * environment variable when running in Node; without either, no header is sent.
   */
  readonly apiKey?: string;
  /** How long one attempt may take, in milliseconds (default 10000). */
  readonly timeoutMs?: number;
  /** How many times a request that is safe to repeat is retried (default 5). */
  readonly retries?: number;
  /** The wait before the first retry, in milliseconds; it doubles with each retry (default 200). */
  readonly backoffMs?: number;
  /** The fetch to use (default: the global one). */
  readonly fetch?: typeof fetch;
}

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

function isProblem(value: unknown): value is Problem {
  return typeof value === 'object' && value !== null && 'title' in value && 'status' in value;
}

function answerError({ error, response }: Answer<unknown>): LrschedError {
  if (isProblem(error)) return new LrschedError(response.status, error, `${response.status} ${error.title}: ${error.detail}`);
  // openapi-fetch hands over the raw text when the body is not JSON.
  const text = typeof error === 'string' && error ? `: ${error.slice(0, 200)}` : '';
  return new LrschedError(response.status, undefined, `HTTP ${response.status}${text}`);
}

/** LRSCHED_API_KEY where there is a process environment (Node); browsers have none. */
function environmentApiKey(): string | undefined {
  const { process } = globalThis as { process?: { env?: Record<string, string | undefined> } };
  return process?.env?.LRSCHED_API_KEY || undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createLrschedClient(baseUrl: string, options: LrschedClientOptions = {}) {
  const { timeoutMs = 10_000, retries = 5, backoffMs = 200 } = options;
  const apiKey = options.apiKey ?? environmentApiKey();
  const http = createFetchClient<paths>({
    baseUrl,
    ...(apiKey ? { headers: { Authorization: `Bearer ${apiKey}` } } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });

  /**
   * Sends a request; one that is safe to repeat (`retry`) is retried with exponential
   * backoff when no answer comes (network error, timeout) or the answer is a 5xx.
   */
  async function send<T>(request: (signal: AbortSignal) => Promise<Answer<T>>, retry: boolean): Promise<T> {
    const attempts = 1 + (retry ? retries : 0);
    for (let attempt = 1; ; attempt++) {
      let failure: LrschedError;
      try {
        const answer = await request(AbortSignal.timeout(timeoutMs));
        if (answer.response.ok) return answer.data as T;
        failure = answerError(answer);
        if (answer.response.status < 500) throw failure;
      } catch (error) {
        if (error instanceof LrschedError) throw error;
        const tries = attempts > 1 ? `${attempt} attempts` : '1 attempt';
        const reason = error instanceof Error ? error.message : String(error);
        failure = new LrschedError(undefined, undefined, `${baseUrl} unreachable (${tries}): ${reason}`, { cause: error });
      }
      if (attempt >= attempts) throw failure;
      await sleep(backoffMs * 2 ** (attempt - 1));
    }
  }

  const session = (id: string) => ({ path: { id } });

  return {
    /** With a `key`, creating again answers the same session: retried then, like reads. */
    createSession: (body: NewSession) =>
      send((signal) => http.POST('/v1/sessions', { body, signal }), body.key !== undefined),
    getSession: (id: string) => send((signal) => http.GET('/v1/sessions/{id}', { params: session(id), signal }), true),
    deleteSession: async (id: string) => {
      await send((signal) => http.DELETE('/v1/sessions/{id}', { params: session(id), signal }), true);
    },
    /**
     * With `expected_step` (the `step` of the state last seen) the step is retried: a retry
     * of a step the service took but whose answer was lost answers it with `replayed: true`.
     */
    step: (id: string, body: StepRequest = {}) =>
      send(
        (signal) => http.POST('/v1/sessions/{id}/step', { params: session(id), body, signal }),
        body.expected_step !== undefined,
      ),
    rewind: (id: string, toStep: number) =>
      send((signal) => http.POST('/v1/sessions/{id}/rewind', { params: session(id), body: { to_step: toStep }, signal }), true),
    stateDict: (id: string) =>
      send((signal) => http.GET('/v1/sessions/{id}/state_dict', { params: session(id), signal }), true),
    suggestion: (id: string) =>
      send((signal) => http.GET('/v1/sessions/{id}/suggestion', { params: session(id), signal }), true),
    preview: (body: PreviewRequest) => send((signal) => http.POST('/v1/preview', { body, signal }), true),

    /** Every session, newest first, across pages. */
    async *sessions(pageSize = 100) {
      let cursor: string | undefined;
      do {
        const query = { limit: pageSize, cursor };
        const page = await send((signal) => http.GET('/v1/sessions', { params: { query }, signal }), true);
        yield* page.items;
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
    },

    /** A session's whole history, oldest first, across pages. */
    async *history(id: string, pageSize = 1000) {
      let cursor: string | undefined;
      do {
        const params = { path: { id }, query: { limit: pageSize, cursor } };
        const page = await send((signal) => http.GET('/v1/sessions/{id}/history', { params, signal }), true);
        yield* page.items;
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
    },
  };
}

export type LrschedClient = ReturnType<typeof createLrschedClient>;
