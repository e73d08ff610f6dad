import type { components } from '../../clients/typescript/src/schema';

/** The service's own shapes, from the types `npm run openapi` generates out of the zod schemas. */
export type Session = components['schemas']['Session'];
export type State = components['schemas']['State'];
export type HistoryEntry = components['schemas']['HistoryEntry'];
export type Suggestion = components['schemas']['RangeTestSuggestion'];
export type SchedulerConfig = components['schemas']['SchedulerConfig'];
export type ParamGroup = Session['param_groups'][number];
export type Problem = components['schemas']['Problem'];
/** A number as the wire writes it: non-finite ones are the strings "NaN", "Infinity", "-Infinity". */
export type WireNumber = State['lrs'][number];

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

const KEY_STORAGE = 'lrsched.apiKey';

/**
 * The API key lives in sessionStorage: it survives reloads and hash navigation but not the
 * tab, and no other site or tab can read it.
 */
export const apiKey = {
  get: (): string => sessionStorage.getItem(KEY_STORAGE) ?? '',
  set: (key: string): void => {
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
  },
};

export function authHeaders(): Record<string, string> {
  const key = apiKey.get();
  return key ? { authorization: `Bearer ${key}` } : {};
}

/** A refusal or failure, carrying the problem document when the service sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | null,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** What to tell the user, with a hint where the fix is theirs (a key). */
  describe(): string {
    if (this.status === 401) return `${this.message}. Enter an API key (top right) with at least the read role.`;
    if (this.status === 403) return `${this.message}. This key's role may not do this.`;
    return this.message;
  }
}

/** Any failure as a sentence for the user. */
export function describeError(error: unknown): string {
  return error instanceof ApiError ? error.describe() : String(error);
}

async function errorFrom(response: Response): Promise<ApiError> {
  const text = await response.text();
  try {
    const problem = JSON.parse(text) as Problem;
    if (typeof problem.detail === 'string') return new ApiError(response.status, problem, problem.detail);
  } catch {
    // not a problem document: say what came back
  }
  return new ApiError(response.status, null, `${response.status} ${response.statusText}${text ? `: ${text.slice(0, 200)}` : ''}`);
}

export async function request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: { ...authHeaders(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new ApiError(0, null, `the service did not answer (${(error as Error).message})`);
  }
  if (!response.ok) throw await errorFrom(response);
  return (await response.json()) as T;
}

const encode = encodeURIComponent;

export const api = {
  sessions: (cursor: string | null, limit = 100) =>
    request<Page<Session>>('GET', `/v1/sessions?limit=${limit}${cursor ? `&cursor=${encode(cursor)}` : ''}`),
  session: (id: string) => request<Session>('GET', `/v1/sessions/${encode(id)}`),
  /** At most `points` entries over [from, to]: the first, the last and every bucket's extremes. */
  history: (id: string, points: number, from?: number, to?: number) =>
    request<Page<HistoryEntry>>(
      'GET',
      `/v1/sessions/${encode(id)}/history?points=${points}` +
        (from === undefined ? '' : `&from_step=${Math.max(0, Math.floor(from))}`) +
        (to === undefined ? '' : `&to_step=${Math.max(0, Math.ceil(to))}`),
    ),
  suggestion: (id: string) => request<Suggestion>('GET', `/v1/sessions/${encode(id)}/suggestion`),
  stateDict: (id: string) => request<unknown>('GET', `/v1/sessions/${encode(id)}/state_dict`),
  preview: (body: unknown) => request<{ points: State[] }>('POST', '/v1/preview', body),
  openapi: () => request<OpenApiDocument>('GET', '/openapi.json'),
};

/** The parts of the OpenAPI document the designer reads. */
export interface OpenApiDocument {
  paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: JsonSchema }> } }>>;
  components: { schemas: Record<string, JsonSchema> };
}

export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  default?: unknown;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema | false;
  prefixItems?: JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
}

/** A wire number as a JS number (NaN and the infinities spelled out as strings). */
export function numberFrom(value: WireNumber | null | undefined): number {
  if (value === null || value === undefined) return Number.NaN;
  if (typeof value === 'number') return value;
  return value === '-Infinity' ? -Infinity : value === 'Infinity' ? Infinity : Number.NaN;
}

/** For charts: non-finite values leave a gap instead of a spike to the axis edge. */
export function plottable(value: WireNumber | null | undefined): number | null {
  const n = numberFrom(value);
  return Number.isFinite(n) ? n : null;
}
