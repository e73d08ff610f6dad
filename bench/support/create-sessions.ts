/**
 * The load generator of bench/sessions.ts, run as its own process on its own core:
 * creates `count` sessions (ReduceLROnPlateau, no key) over `connections` connections.
 * Prints autocannon's figures as JSON.
 *
 *   create-sessions.ts <url> <count> <connections>
 */
import autocannon from 'autocannon';
import { summarize } from './load-result.js';

const [url, count, connections] = process.argv.slice(2) as [string, string, string];
const result = await autocannon({
  url: `${url}/v1/sessions`,
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    param_groups: [{ lr: 0.1, momentum: 0.9 }],
    scheduler: { type: 'ReduceLROnPlateau', factor: 0.5, patience: 5 },
    metadata: { team: 'bench' },
  }),
  amount: Number(count),
  connections: Number(connections),
});
console.log(JSON.stringify(summarize(result)));
