/**
 * Issue 18.4's figures: `npm run cost` run twice as a user runs it (`relance cost --json`, each in
 * its own process): the abandoned-cart entry against its $15 target, and how far the two runs are
 * apart against the 2% a stable model keeps to (Lambda durations are declared, not timed, so only
 * what the runs do may move it).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { CostResults, CostTarget } from '../bin/cli/cost.ts';
import { type Table, verdict } from './report.ts';

const PROJECT_ROOT = join(import.meta.dirname, '..');
/** Issue 18.4: the same figure within 2% run to run. */
const MAX_SPREAD = 0.02;

type CostDocument = CostResults & { readonly target: CostTarget };

/** `relance cost --json` in a process of its own; it exits 1 while the target is missed, its document printed. */
function costRun(): Promise<CostDocument> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/relance.ts', 'cost', '--json'], {
      cwd: PROJECT_ROOT,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let errors = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    child.on('exit', (code) => {
      try {
        if (code !== 0 && code !== 1) throw new Error(`exited with ${code}`);
        done(JSON.parse(output) as CostDocument);
      } catch (error) {
        fail(new Error(`relance cost --json: ${String(error)}\n${errors.slice(-2000)}`));
      }
    });
  });
}

const dollars = (n: number | undefined) => (n === undefined ? '—' : `$${n.toFixed(2)}`);

export async function benchCost(): Promise<Table[]> {
  const first = await costRun();
  const second = await costRun();
  const [a, b] = [first.target.perMillionEntries, second.target.perMillionEntries];
  if (a === undefined || b === undefined) throw new Error('relance cost measured no abandoned-cart entry');
  const spread = Math.abs(a - b) / Math.min(a, b);
  const entries = (document: CostDocument) =>
    document.journeys.map((j) => `${j.journeyId} ${dollars(j.perMillionEntries.total)}`).join(', ');
  return [
    {
      title: 'Cost per million entries (npm run cost, twice, each in its own process)',
      columns: ['figure', 'first run', 'second run', 'target', 'verdict'],
      rows: [
        [
          'abandoned-cart entry, message fees apart',
          dollars(a),
          dollars(b),
          `<= ${dollars(first.target.maxPerMillionEntries)}`,
          verdict(first.target.met && second.target.met),
        ],
        [
          'spread between the two runs',
          '',
          `${(spread * 100).toFixed(1)}%`,
          `<= ${MAX_SPREAD * 100}%`,
          verdict(spread <= MAX_SPREAD),
        ],
      ],
      notes: [
        `every journey's entry (ingest, run, feedback of its e-mails), first run: ${entries(first)}`,
        `second run: ${entries(second)}`,
        `of the abandoned-cart entry, every service but DynamoDB (Lambda, Step Functions, Scheduler, EventBridge, logs, X-Ray): ${dollars(first.target.otherThanDynamoDbPerMillionEntries)}`,
        `the abandoned-cart entry with relance:logging at WARN (the handlers' INFO records left out): ${dollars(first.journeys.find((j) => j.journeyId === 'abandoned-cart')?.perMillionEntriesAtWarn)}`,
        'an entry = the trigger event\u2019s ingest, the run and the SES feedback of its e-mails, at AWS list prices (us-east-1, on demand); SES\u2019s per-mail fee apart; `npm run cost` prints each billed item',
      ],
    },
  ];
}
