/**
 * `relance report <journey> [--since DATE] [--version V] [--window-days N]`: did the journey work?
 * Its runs (entered, held out, in progress, goal reached...), the funnel per step from the ledger,
 * and conversions of treated runs against the holdout's with the uplift's 95% interval. Reads the
 * local runtime by default (`--endpoint`), or AWS with `--aws` and the table variables set.
 */
import { join } from 'node:path';
import type { Conversions, RunCounts } from '../../functions/journey-report/conversions.ts';
import { formatSteps, type StepFunnel } from '../../functions/journey-report/funnel.ts';
import { ENV } from '../../functions/platform/env-names.ts';
import { loadLocalApp } from '../../local/aws/template.ts';
import { relanceTables } from '../../local/dev/relance-template.ts';
import { journeys } from '../../workflows/journeys/index.ts';

export interface ReportOptions {
  readonly projectRoot: string;
  readonly endpoint?: string;
  readonly aws: boolean;
  readonly cdkOut?: string;
  /** ISO date or timestamp: runs started and entries created before it are left out. */
  readonly since?: string;
  /** Only the runs on this journey version (and their messages). */
  readonly version?: string;
  /** How long after a run starts its contact's goal event still counts as a conversion. @default 7 */
  readonly windowDays?: number;
}

export interface JourneyReport {
  readonly journeyId: string;
  readonly since?: string;
  readonly version?: string;
  readonly runs: RunCounts;
  readonly conversions: Conversions;
  readonly steps: StepFunnel[];
}

interface ReportTables {
  readonly ledger: string;
  readonly journeyState: string;
  readonly events: string;
}

function tablesOf(options: ReportOptions): ReportTables {
  if (options.aws) {
    const [ledger, journeyState, events] = [ENV.ledgerTable, ENV.journeyStateTable, ENV.eventsTable].map(
      (variable) => process.env[variable],
    );
    if (!ledger || !journeyState || !events)
      throw new Error(
        `with --aws, set ${ENV.ledgerTable}, ${ENV.journeyStateTable} and ${ENV.eventsTable} (the RelanceData stack outputs)`,
      );
    return { ledger, journeyState, events };
  }
  const app = loadLocalApp(
    options.cdkOut ?? join(options.projectRoot, '.relance', 'cdk.out'),
    options.endpoint ?? '',
  );
  const { ledger, journeyState, events } = relanceTables(app);
  if (!ledger || !journeyState || !events)
    throw new Error('the local template lacks the ledger, journey-state or events table');
  return { ledger, journeyState, events };
}

export async function report(journeyId: string, options: ReportOptions): Promise<JourneyReport> {
  const journey = journeys.find((j) => j.id === journeyId);
  if (!journey)
    throw new Error(`unknown journey "${journeyId}" (known: ${journeys.map((j) => j.id).join(', ')})`);
  if (options.since !== undefined && Number.isNaN(Date.parse(options.since)))
    throw new Error(`--since: not a date: ${options.since}`);
  const windowDays = options.windowDays ?? 7;
  if (!Number.isFinite(windowDays) || windowDays <= 0)
    throw new Error(`--window-days: not a positive number: ${windowDays}`);
  if (!options.aws) {
    process.env.AWS_ENDPOINT_URL = options.endpoint ?? 'http://127.0.0.1:4747';
    process.env.AWS_REGION ??= 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID ??= 'local';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  }
  const tables = tablesOf(options);
  // Imported now: the SDK clients are built after the endpoint is set.
  const { LedgerRepository } = await import('../../functions/delivery/ledger-repository.ts');
  const { RunsRepository } = await import('../../functions/journeys/runs-repository.ts');
  const { EventsRepository } = await import('../../functions/contacts/events-repository.ts');
  const { journeyFunnel } = await import('../../functions/journey-report/funnel.ts');
  const { conversions, runCounts } = await import('../../functions/journey-report/conversions.ts');

  const since = options.since ? new Date(options.since).toISOString() : undefined;
  const runs = (await new RunsRepository(tables.journeyState).forJourney(journeyId)).filter(
    (run) => (!since || run.startedAt >= since) && (!options.version || run.version === options.version),
  );
  let entries = await new LedgerRepository(tables.ledger).forJourney(journeyId);
  if (options.version) {
    const onVersion = new Set(runs.map((run) => run.runKey));
    entries = entries.filter((entry) => onVersion.has(entry.runKey));
  }
  const events = new EventsRepository(tables.events);
  const histories = new Map<string, Awaited<ReturnType<typeof events.between>>>();
  for (const contactId of new Set(runs.map((run) => run.contactId).filter((id) => id !== undefined))) {
    const own = runs.filter((run) => run.contactId === contactId).map((run) => run.startedAt);
    const until = new Date(Date.parse(own.at(-1) ?? '') + windowDays * 86_400_000).toISOString();
    histories.set(contactId, await events.between(contactId, own[0] ?? '', until));
  }
  return {
    journeyId,
    ...(since ? { since } : {}),
    ...(options.version ? { version: options.version } : {}),
    runs: runCounts(runs),
    conversions: conversions(journey, runs, (id) => histories.get(id) ?? [], windowDays),
    steps: journeyFunnel(entries, journeyId, since).steps,
  };
}

const percent = (rate: number) => `${(rate * 100).toFixed(1)}%`;

/** The report as lines for a terminal. */
export function formatReport(report: JourneyReport): string[] {
  const { runs, conversions: c } = report;
  const scope = [
    report.since ? `since ${report.since}` : '',
    report.version ? `version ${report.version}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const group = (name: string, g: Conversions['treated']) =>
    g.runs === 0
      ? `  ${name}: no run`
      : `  ${name}: ${g.converted}/${g.runs} converted (${percent(g.rate)}, 95% ${percent(g.interval.lower)} to ${percent(g.interval.upper)}), revenue ${g.revenue}`;
  const lines = [
    `journey ${report.journeyId}${scope ? ` (${scope})` : ''}`,
    `  runs: entered ${runs.entered}, held out ${runs.heldOut}, in progress ${runs.inProgress}, goal reached ${runs.goalReached}, completed ${runs.completed}, exited ${runs.exited}, failed ${runs.failed}`,
    `conversions: ${c.goalEvent} within ${c.windowDays} days of entering`,
    group('treated', c.treated),
    group('holdout', c.holdout),
    c.uplift
      ? `  uplift: ${c.uplift.difference >= 0 ? '+' : ''}${percent(c.uplift.difference)} (95% ${percent(c.uplift.lower)} to ${percent(c.uplift.upper)}; ${c.uplift.test})`
      : '  uplift: no holdout run in the period (give the journey a holdout to measure it)',
    'steps:',
    ...formatSteps(report.steps),
  ];
  return lines;
}
