/**
 * `npm run bench [-- --only cold-start|signups|speed|ingest|segments|audience|tooling|wildcard|scheduler|cost] [--leads N] [--in-flight N]
 *  [--contacts N] [--seed N] [--signup-seconds N] [--signups-in-flight N] [--event-rate N] [--latency-seconds N]`
 *
 * Prints figures, and for those issue 18 sets a target, the target and whether it was met: timings
 * depend on the machine and on what else runs on it, so a verdict holds for a quiet machine only.
 * Each benchmark runs in its own process (bench/child.ts), one after the other.
 */
import { fork } from 'node:child_process';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type BenchOptions, type ChildMessage, formatTable } from './report.ts';

const NAMES = [
  'cold-start',
  'signups',
  'speed',
  'ingest',
  'segments',
  'audience',
  'tooling',
  'wildcard',
  'scheduler',
  'cost',
] as const;
type Name = (typeof NAMES)[number];
/** Monday 2 March 2026, 10:00 UTC (11:00 in Paris): the French reps are on duty. */
const MONDAY_MORNING = Date.parse('2026-03-02T10:00:00Z');

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

function whole(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) fail(`${name} must be a whole number of 1 or more, got "${value}"`);
  return n;
}

function runChild(name: Name, options: BenchOptions): Promise<ChildMessage> {
  return new Promise((done) => {
    let answer: ChildMessage | undefined;
    const child = fork(resolve(import.meta.dirname, 'child.ts'), [name, JSON.stringify(options)], {
      // tsx's loader (from our own execArgv), gc() for a clean heap baseline, and the young
      // generation `npm start` gives the local runtime (its GC cost per event drops by about a third).
      execArgv: [...process.execArgv, '--expose-gc', '--max-semi-space-size=64'],
      // The SDK's notice about Node 20 support says nothing about the figures.
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    child.on('message', (message) => {
      answer = message as ChildMessage;
    });
    child.on('exit', (code) => done(answer ?? { error: `the ${name} benchmark exited with code ${code}` }));
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      leads: { type: 'string' },
      'in-flight': { type: 'string' },
      contacts: { type: 'string' },
      seed: { type: 'string' },
      'signup-seconds': { type: 'string' },
      'signups-in-flight': { type: 'string' },
      'event-rate': { type: 'string' },
      'latency-seconds': { type: 'string' },
    },
  });
  const only = values.only;
  if (only !== undefined && !NAMES.includes(only as Name)) fail(`--only must be one of ${NAMES.join(', ')}`);
  const selected = only === undefined ? NAMES : [only as Name];
  const options: BenchOptions = {
    leads: whole(values.leads, '--leads', 200),
    inFlight: whole(values['in-flight'], '--in-flight', 10),
    contacts: whole(values.contacts, '--contacts', 100_000),
    seed: whole(values.seed, '--seed', 1),
    signupSeconds: whole(values['signup-seconds'], '--signup-seconds', 60),
    signupsInFlight: whole(values['signups-in-flight'], '--signups-in-flight', 64),
    eventRate: whole(values['event-rate'], '--event-rate', 200),
    latencySeconds: whole(values['latency-seconds'], '--latency-seconds', 10),
    nowMs: MONDAY_MORNING,
  };
  const write = (line: string) => process.stdout.write(`${line}\n`);
  write(
    `relance benchmarks — Node ${process.version}, ${cpus().length} CPU(s) ${cpus()[0]?.model ?? ''}`.trim(),
  );
  let failed = false;
  for (const name of selected) {
    const started = performance.now();
    const answer = await runChild(name, options);
    write('');
    if ('error' in answer) {
      failed = true;
      write(`${name}: failed`);
      for (const line of answer.error.split('\n')) write(`  ${line}`);
      continue;
    }
    for (const table of answer.tables) for (const line of formatTable(table)) write(line);
    write(`  (${name} took ${((performance.now() - started) / 1000).toFixed(1)} s in all)`);
  }
  process.exitCode = failed ? 1 : 0;
}

await main();
