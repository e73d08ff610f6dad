import { ApiError, authHeaders, type HistoryEntry } from './api';

/** One server-sent event of GET /v1/sessions/{id}/events. */
export interface SessionEvent {
  type: 'step' | 'rewind' | 'deleted';
  /** The step the event is about: the new step, or the step rewound to. */
  step: number;
  data: Partial<HistoryEntry>;
}

export type StreamStatus = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface WatchOptions {
  /** Resume after this step (the last one the page already holds). */
  afterStep: number;
  onEvent: (event: SessionEvent) => void;
  onStatus: (status: StreamStatus, error?: ApiError) => void;
}

const RECONNECT_MS = 2_000;

/**
 * Follows a session's event stream. It reads the stream with fetch instead of EventSource
 * because EventSource cannot send an Authorization header, and keys travel in one; it
 * reconnects with Last-Event-ID, so the service replays whatever happened in between.
 * Returns the function that stops watching.
 */
export function watchSession(id: string, options: WatchOptions): () => void {
  const controller = new AbortController();
  let lastId = String(options.afterStep);
  let retryMs = RECONNECT_MS;
  let stopped = false;

  const dispatch = (type: string, data: string, eventId: string | null): void => {
    if (eventId !== null) lastId = eventId;
    if (type !== 'step' && type !== 'rewind' && type !== 'deleted') return;
    let parsed: Partial<HistoryEntry>;
    try {
      parsed = data ? (JSON.parse(data) as Partial<HistoryEntry>) : {};
    } catch {
      return; // a malformed event is skipped; the next one carries the whole state again
    }
    const step = parsed.step ?? parsed.state?.step ?? Number(eventId ?? lastId);
    options.onEvent({ type, step, data: parsed });
    if (type === 'deleted') stop();
  };

  async function readOnce(): Promise<void> {
    const response = await fetch(`/v1/sessions/${encodeURIComponent(id)}/events`, {
      headers: { ...authHeaders(), accept: 'text/event-stream', 'last-event-id': lastId },
      signal: controller.signal,
      cache: 'no-store',
    });
    if (!response.ok || !response.body) {
      const text = await response.text();
      let detail = `${response.status} ${response.statusText}`;
      try {
        detail = (JSON.parse(text) as { detail?: string }).detail ?? detail;
      } catch {
        // keep the status line
      }
      throw new ApiError(response.status, null, detail);
    }
    options.onStatus('live');
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let type = 'message';
    let data: string[] = [];
    let eventId: string | null = null;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let newline: number;
      while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
        if (line === '') {
          if (data.length > 0 || type !== 'message') dispatch(type, data.join('\n'), eventId);
          type = 'message';
          data = [];
          eventId = null;
          continue;
        }
        if (line.startsWith(':')) continue; // a heartbeat
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const fieldValue = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') type = fieldValue;
        else if (field === 'data') data.push(fieldValue);
        else if (field === 'id') eventId = fieldValue;
        else if (field === 'retry' && /^\d+$/.test(fieldValue)) retryMs = Number(fieldValue);
      }
    }
  }

  async function run(): Promise<void> {
    options.onStatus('connecting');
    while (!stopped) {
      try {
        await readOnce();
      } catch (error) {
        if (stopped) return;
        // A refusal (unknown session, missing key) will not heal by retrying.
        if (error instanceof ApiError && error.status >= 400 && error.status < 500) {
          options.onStatus('closed', error);
          return;
        }
      }
      if (stopped) return;
      options.onStatus('reconnecting');
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  }

  function stop(): void {
    if (stopped) return;
    stopped = true;
    controller.abort();
    options.onStatus('closed');
  }

  void run();
  return stop;
}
