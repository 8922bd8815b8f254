/**
 * Runs one benchmark in its own process, started by bench/run.ts: the shared SDK clients bind to
 * the endpoint of the first benchmark that loads them, and a heap figure means something only in
 * a process doing nothing else. Sends its tables to the parent over IPC.
 */
import { resolve } from 'node:path';
import { benchAudience } from './audience.ts';
import { benchColdStart } from './cold-start.ts';
import { benchCost } from './cost.ts';
import { benchIngestHistory } from './ingest-history.ts';
import type { BenchOptions, ChildMessage, Table } from './report.ts';
import { benchSchedulerIdle } from './scheduler-idle.ts';
import { benchSegments } from './segments.ts';
import { benchSignups } from './signups.ts';
import { benchSpeedToLead } from './speed-to-lead.ts';
import { benchTooling } from './tooling.ts';
import { benchWildcard } from './wildcard.ts';

const BENCHMARKS: Record<string, (o: BenchOptions) => Promise<Table[]>> = {
  'cold-start': () => benchColdStart({ projectRoot: resolve(import.meta.dirname, '..'), processes: 5 }),
  speed: (o) => benchSpeedToLead({ leads: o.leads, inFlight: o.inFlight, startMs: o.nowMs }),
  signups: (o) =>
    benchSignups({
      seconds: o.signupSeconds,
      inFlight: o.signupsInFlight,
      rate: o.eventRate,
      latencySeconds: o.latencySeconds,
      startMs: o.nowMs,
    }),
  ingest: (o) => benchIngestHistory({ histories: [10, 10_000], nowMs: o.nowMs }),
  tooling: () => benchTooling(),
  wildcard: () => benchWildcard(),
  scheduler: (o) => benchSchedulerIdle(o.nowMs),
  cost: () => benchCost(),
  segments: (o) => benchSegments({ contacts: o.contacts, seed: o.seed, nowMs: o.nowMs }),
  audience: (o) =>
    benchAudience({
      contacts: o.contacts,
      seed: o.seed,
      nowMs: o.nowMs,
      scanSegments: 4,
      pageSize: 500,
      segment: 'lapsed-90',
    }),
};

function reply(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send) process.send(message, () => resolve());
    else {
      process.stdout.write(`${JSON.stringify(message)}\n`);
      resolve();
    }
  });
}

async function main(): Promise<void> {
  const [name = '', options = '{}'] = process.argv.slice(2);
  const bench = BENCHMARKS[name];
  if (!bench) throw new Error(`unknown benchmark "${name}"`);
  await reply({ tables: await bench(JSON.parse(options) as BenchOptions) });
}

// Exit explicitly: SDK keep-alive sockets would otherwise hold the process open.
main()
  .then(() => process.exit(0))
  .catch(async (error: unknown) => {
    await reply({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exit(1);
  });
