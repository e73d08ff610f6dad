/** A text/event-stream client over fetch, parsing events as the WHATWG spec says (enough of it for these tests). */

export interface StreamEvent {
  readonly event: string;
  readonly id: string | undefined;
  // Parsed JSON, as JSON.parse types it: what shape it has is what each test asserts.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly data: any;
}

export class EventStream {
  /** Comment lines received (heartbeats), without the leading colon. */
  readonly comments: string[] = [];
  private readonly events: StreamEvent[] = [];
  private buffered = '';
  private ended = false;
  private waiting: (() => void) | undefined;

  private constructor(
    readonly status: number,
    readonly headers: Headers,
    private readonly controller: AbortController,
    body: ReadableStream<Uint8Array> | null,
  ) {
    if (body) void this.pump(body);
    else this.ended = true;
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<EventStream> {
    const controller = new AbortController();
    const response = await fetch(url, { headers, signal: controller.signal });
    return new EventStream(response.status, response.headers, controller, response.body);
  }

  private async pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of body) this.parse(decoder.decode(chunk, { stream: true }));
    } catch {
      // aborted by close()
    }
    this.ended = true;
    this.waiting?.();
  }

  private parse(text: string): void {
    this.buffered += text;
    let blank: number;
    while ((blank = this.buffered.indexOf('\n\n')) >= 0) {
      const block = this.buffered.slice(0, blank);
      this.buffered = this.buffered.slice(blank + 2);
      let event = 'message';
      let id: string | undefined;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        else if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('id: ')) id = line.slice(4);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length > 0) this.events.push({ event, id, data: JSON.parse(data.join('\n')) });
    }
    this.waiting?.();
  }

  private async until(ready: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!ready()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.waiting = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiting = undefined;
    }
  }

  /** The next `count` events, in order. */
  async take(count: number, timeoutMs = 10_000): Promise<StreamEvent[]> {
    await this.until(() => this.events.length >= count || this.ended, timeoutMs, `${count} events`);
    if (this.events.length < count) throw new Error(`the stream ended after ${this.events.length} of ${count} events`);
    return this.events.splice(0, count);
  }

  /** Waits for the server to end the stream; answers the events not taken yet. */
  async end(timeoutMs = 5_000): Promise<StreamEvent[]> {
    await this.until(() => this.ended, timeoutMs, 'the end of the stream');
    return this.events.splice(0);
  }

  /** Events received but not taken yet (after waiting `ms` for more). */
  async pending(ms: number): Promise<StreamEvent[]> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return [...this.events];
  }

  /** Takes every event received within `ms`. */
  async drain(ms: number): Promise<StreamEvent[]> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return this.events.splice(0);
  }

  async waitForComments(count: number, timeoutMs = 5_000): Promise<void> {
    await this.until(() => this.comments.length >= count, timeoutMs, `${count} comments`);
  }

  close(): void {
    this.controller.abort();
  }
}
