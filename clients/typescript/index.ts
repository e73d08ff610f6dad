/**
 * A typed client for the lrsched API: thin functions over openapi-fetch, with the
 * request and response types generated from openapi/openapi.json (schema.d.ts).
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
export type RangeTestSuggestion = Schemas['RangeTestSuggestion'];
export type Problem = Schemas['Problem'];

/**
 * Any answer that is not a success, carrying the service's problem document, or
 * `undefined` with the body's text when something else answered (say, a proxy's 502 page).
 */
export class LrschedError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | undefined,
    body?: string,
  ) {
    super(problem ? `${status} ${problem.title}: ${problem.detail}` : `HTTP ${status}${body ? `: ${body.slice(0, 200)}` : ''}`);
    this.name = 'LrschedError';
  }
}

function isProblem(value: unknown): value is Problem {
  return typeof value === 'object' && value !== null && 'title' in value && 'status' in value;
}

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

function unwrap<T>({ data, error, response }: Answer<T>): T {
  if (!response.ok) {
    // openapi-fetch hands over the raw text when the body is not JSON.
    if (isProblem(error)) throw new LrschedError(response.status, error);
    throw new LrschedError(response.status, undefined, typeof error === 'string' ? error : undefined);
  }
  return data as T;
}

export function createLrschedClient(baseUrl: string, options: { fetch?: typeof fetch } = {}) {
  const http = createFetchClient<paths>({ baseUrl, ...(options.fetch ? { fetch: options.fetch } : {}) });
  const session = (id: string) => ({ params: { path: { id } } });

  return {
    createSession: async (body: NewSession) => unwrap(await http.POST('/v1/sessions', { body })),
    getSession: async (id: string) => unwrap(await http.GET('/v1/sessions/{id}', session(id))),
    deleteSession: async (id: string) => {
      unwrap(await http.DELETE('/v1/sessions/{id}', session(id)));
    },
    step: async (id: string, body: StepRequest = {}) =>
      unwrap(await http.POST('/v1/sessions/{id}/step', { ...session(id), body })),
    rewind: async (id: string, toStep: number) =>
      unwrap(await http.POST('/v1/sessions/{id}/rewind', { ...session(id), body: { to_step: toStep } })),
    stateDict: async (id: string) => unwrap(await http.GET('/v1/sessions/{id}/state_dict', session(id))),
    suggestion: async (id: string) => unwrap(await http.GET('/v1/sessions/{id}/suggestion', session(id))),
    preview: async (body: PreviewRequest) => unwrap(await http.POST('/v1/preview', { body })),

    /** Every session, newest first, across pages. */
    async *sessions(pageSize = 100) {
      let cursor: string | undefined;
      do {
        const page = unwrap(await http.GET('/v1/sessions', { params: { query: { limit: pageSize, cursor } } }));
        yield* page.items;
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
    },

    /** A session's whole history, oldest first, across pages. */
    async *history(id: string, pageSize = 1000) {
      let cursor: string | undefined;
      do {
        const page = unwrap(
          await http.GET('/v1/sessions/{id}/history', { params: { path: { id }, query: { limit: pageSize, cursor } } }),
        );
        yield* page.items;
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
    },
  };
}

export type LrschedClient = ReturnType<typeof createLrschedClient>;
