import { expect } from 'vitest';
import { expectHistoryReplays, type Request } from './history-replay.js';

/**
 * Training jobs stepping while the test kills servers under them: each client creates a
 * session of its own (found again by its key once a server is back) and steps it with
 * expected_step, sending each step again until a server answers it, as the Python client
 * does. Then `expectNoStepLostOrDoubled` checks what the database kept against the answers.
 */

/** What a client reports at each step: distinct, so a doubled or lost step changes the history. */
export const loadReport = (client: number, step: number) => ({ metric: ((client * 7 + step * 13) % 17) / 4 });

export interface ClientRun {
  readonly client: number;
  readonly id: string;
  /** Every step's answer, in order. */
  readonly answers: Record<string, unknown>[];
}

export interface SteppingLoad {
  /** Resolves once `steps` steps are answered, all clients together; rejects if a client failed first. */
  reached(steps: number): Promise<void>;
  /** Requests that got no answer (the server killed under them, or down) or a 503, and were sent again. */
  unanswered(): number;
  /** Every client's run, once all its steps are answered. */
  readonly runs: Promise<ClientRun[]>;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `clients` clients, each taking `steps` steps through `request`; `name` keeps their keys apart from other loads'. */
export function startSteppingLoad(request: Request, options: { name: string; clients: number; steps: number }): SteppingLoad {
  let answered = 0;
  let unanswered = 0;

  /** Sends the request until a server answers it with something other than a 503. */
  async function untilAnswered(method: 'POST', path: string, body: unknown) {
    for (;;) {
      try {
        const answer = await request(method, path, body);
        if (answer.status !== 503) return answer;
      } catch {
        // The server was killed under the request, or is down: a step may or may not have landed.
      }
      unanswered++;
      await pause(20);
    }
  }

  async function runClient(client: number): Promise<ClientRun> {
    const created = await untilAnswered('POST', '/v1/sessions', {
      key: `${options.name}-${client}`,
      param_groups: [{ lr: 1 }],
      scheduler: { type: 'ReduceLROnPlateau', patience: 1, factor: 0.5 },
    });
    expect(created.status, JSON.stringify(created.body)).toBeOneOf([200, 201]);
    const id = created.body.id as string;
    const answers = [];
    for (let step = 0; step < options.steps; step++) {
      const answer = await untilAnswered('POST', `/v1/sessions/${id}/step`, { ...loadReport(client, step), expected_step: step });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body.step).toBe(step + 1);
      answers.push(answer.body);
      answered++;
    }
    return { client, id, answers };
  }

  const runs = Promise.all(Array.from({ length: options.clients }, (_, client) => runClient(client)));
  let failed = false;
  runs.catch(() => (failed = true));
  return {
    async reached(steps) {
      while (answered < steps) {
        // The failure itself is the runs' to tell.
        if (failed) await runs;
        await pause(2);
      }
    },
    unanswered: () => unanswered,
    runs,
  };
}

/**
 * Every session holds exactly the steps its client had answered, each with the report sent
 * for it and the state answered for it, and replays through a preview of its reports.
 * Answers how many answers were replays (a retried step that had landed before the kill).
 */
export async function expectNoStepLostOrDoubled(request: Request, runs: readonly ClientRun[]): Promise<number> {
  for (const { client, id, answers } of runs) {
    const history = await expectHistoryReplays(request, id);
    expect(history).toHaveLength(answers.length + 1);
    expect(history.slice(1).map((entry) => entry.report)).toEqual(answers.map((_, step) => loadReport(client, step)));
    for (const answer of answers) expect(history[answer.step as number].state).toEqual({ ...answer, replayed: undefined });
  }
  return runs.flatMap((run) => run.answers).filter((answer) => answer.replayed).length;
}
