/**
 * The load generator of bench/step-throughput.ts, run as its own process on its own core:
 * `connections` training jobs, each on its own connection stepping its own ReduceLROnPlateau
 * session with expected_step, one step in flight at a time. Warms up, then measures.
 * Prints autocannon's figures of the measured run as JSON, with the server's CPU time per
 * request over it when given the server's process id.
 *
 *   step-jobs.ts <url> <warm-up seconds> <measured seconds> <connections> [server pid]
 */
import autocannon from 'autocannon';
import { cpuSecondsOf, summarize } from './load-result.js';

const [url, warmUp, measured, connections, serverPid] = process.argv.slice(2) as [string, string, string, string, string?];
const jobs = Number(connections);

async function createSession(): Promise<string> {
  const answer = await fetch(`${url}/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      param_groups: [{ lr: 0.1, momentum: 0.9 }],
      scheduler: { type: 'ReduceLROnPlateau', factor: 0.5, patience: 5 },
    }),
  });
  if (answer.status !== 201) throw new Error(`creating a session answered ${answer.status}`);
  return ((await answer.json()) as { id: string }).id;
}

const sessions = await Promise.all(Array.from({ length: jobs }, createSession));
const stepOf = new Map(sessions.map((id) => [id, 0]));

/**
 * One job per connection. A step the server applied but whose answer a run's end cut off
 * is sent again by the next run with the same report: the service answers it as a replay,
 * an anchor with a conflict that says where the job is.
 */
function run(seconds: number): Promise<autocannon.Result> {
  let next = 0;
  return autocannon({
    url,
    connections: jobs,
    duration: seconds,
    setupClient(client) {
      const id = sessions[next++ % jobs] as string;
      const body = () => {
        const step = stepOf.get(id) as number;
        return JSON.stringify({ metric: 1 / (1 + (step % 50)), expected_step: step });
      };
      client.setRequests([
        {
          method: 'POST',
          path: `/v1/sessions/${id}/step`,
          headers: { 'content-type': 'application/json' },
          body: body(),
          // A conflict says where the session is (the service's problem in state.step, an anchor's in step).
          onResponse: (status, answer) => {
            if (status !== 409) return;
            const conflict = JSON.parse(answer) as { state?: { step: number }; step?: number };
            stepOf.set(id, conflict.state?.step ?? (conflict.step as number));
          },
        },
      ]);
      client.on('response', (status: number) => {
        if (status === 200) stepOf.set(id, (stepOf.get(id) as number) + 1);
        client.setBody(body());
      });
    },
  });
}

const serverCpu = () => (serverPid === undefined ? undefined : cpuSecondsOf(Number(serverPid)));
await run(Number(warmUp));
const cpuBefore = serverCpu();
const result = await run(Number(measured));
const cpuAfter = serverCpu();
console.log(JSON.stringify(summarize(result, cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore)));
