/**
 * `relance report <journey> [--since DATE] [--version V] [--window-days N]`: did the journey work?
 * Its runs (entered, held out, in progress, goal reached...) and funnel per step from the journey's
 * counters, conversions of treated runs against the holdout's with the uplift's 95% interval, and
 * what the period cost (./journey-cost.ts). Reads the
 * local runtime by default (`--endpoint`), or AWS with `--aws` and the table variables set.
 */
import { join } from 'node:path';
import {
  formatReport as formatJourneyReport,
  type JourneyReport,
  journeyReport,
} from '../../functions/journey-report/journey-report.ts';
import { ENV } from '../../functions/platform/env-names.ts';
import { FunctionLogLevel } from '../../lib/config.ts';
import { projectContext } from '../../lib/context.ts';
import { type LocalApp, loadLocalApp } from '../../local/aws/template.ts';
import { relanceTables } from '../../local/dev/relance-template.ts';
import { journeys } from '../../workflows/journeys/index.ts';
import { deploymentNow } from './audience.ts';
import { JOURNEY_STEP_ENTRY } from './cost-model.ts';
import { formatJourneyCost, type JourneyCost, journeyCost } from './journey-cost.ts';

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
  /** Recompute conversions from the contacts' event history instead of the counters. */
  readonly recount?: boolean;
}

interface ReportTables {
  readonly ledger: string;
  readonly journeyState: string;
  readonly events: string;
}

/**
 * The level the journey's functions log at, for the cost estimate: the local template's (the journey
 * step's POWERTOOLS_LOG_LEVEL); with --aws, `relance:logging` in cdk.json, as the deployment was
 * synthesized; INFO (the default) when neither says.
 */
export function handlerLogLevel(options: ReportOptions, app: LocalApp | undefined): FunctionLogLevel {
  const level = app
    ? app.functions.find((fn) => fn.entry === JOURNEY_STEP_ENTRY)?.environment.POWERTOOLS_LOG_LEVEL
    : (projectContext(options.projectRoot)['relance:logging'] as { level?: unknown } | undefined)?.level;
  const parsed = FunctionLogLevel.safeParse(level);
  return parsed.success ? parsed.data : 'INFO';
}

/** The local deployment's template, or none with --aws. */
function localAppOf(options: ReportOptions): LocalApp | undefined {
  if (options.aws) return undefined;
  return loadLocalApp(
    options.cdkOut ?? join(options.projectRoot, '.relance', 'cdk.out'),
    options.endpoint ?? '',
  );
}

/** The tables the report reads: the local template's, or with --aws (no template) the variables'. */
function tablesOf(app: LocalApp | undefined): ReportTables {
  if (!app) {
    const [ledger, journeyState, events] = [ENV.ledgerTable, ENV.journeyStateTable, ENV.eventsTable].map(
      (variable) => process.env[variable],
    );
    if (!ledger || !journeyState || !events)
      throw new Error(
        `with --aws, set ${ENV.ledgerTable}, ${ENV.journeyStateTable} and ${ENV.eventsTable} (the RelanceData stack outputs)`,
      );
    return { ledger, journeyState, events };
  }
  const { ledger, journeyState, events } = relanceTables(app);
  if (!ledger || !journeyState || !events)
    throw new Error('the local template lacks the ledger, journey-state or events table');
  return { ledger, journeyState, events };
}

/** The journey's report and what the period cost. */
export type ReportWithCost = JourneyReport & { readonly cost: JourneyCost };

export async function report(journeyId: string, options: ReportOptions): Promise<ReportWithCost> {
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
  const app = localAppOf(options);
  const tables = tablesOf(app);
  // Imported now: the SDK clients are built after the endpoint is set.
  const { CountersRepository } = await import('../../functions/journey-report/counters-repository.ts');
  const { RunsRepository } = await import('../../functions/journeys/runs-repository.ts');
  const { EventsRepository } = await import('../../functions/contacts/events-repository.ts');
  const counted = await journeyReport(
    journey,
    {
      runs: new RunsRepository(tables.journeyState),
      counters: new CountersRepository({ ledger: tables.ledger, journeyState: tables.journeyState }),
      events: new EventsRepository(tables.events),
    },
    {
      ...(options.since ? { since: new Date(options.since).toISOString() } : {}),
      ...(options.version ? { version: options.version } : {}),
      windowDays,
      ...(options.recount ? { recount: true } : {}),
      // The local runtime's journey time may run ahead of the wall clock: its today is the last day.
      nowIso: new Date(
        options.aws
          ? Date.now()
          : await deploymentNow({ variables: {}, memoryMb: {}, endpoint: process.env.AWS_ENDPOINT_URL }),
      ).toISOString(),
    },
  );
  return { ...counted, cost: journeyCost(journey, counted, { logLevel: handlerLogLevel(options, app) }) };
}

/** The report as lines for a terminal, its cost last. */
export function formatReport(result: ReportWithCost): string[] {
  return [...formatJourneyReport(result), ...formatJourneyCost(result.cost)];
}
