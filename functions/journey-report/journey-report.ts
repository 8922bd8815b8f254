/**
 * A journey's report: its runs and its funnel per step from the journey's counters (kept as things
 * happen, ./counters.ts), and conversions against the holdout from its runs and their contacts'
 * event history. Counters are per UTC day, so the period is whole days. Used by `relance report`
 * and by the weekly digest function.
 */

import { successors } from '#language/step-links.ts';
import type { JourneyDefinition } from '#language/types.ts';
import type { HistoryEntry } from '../contacts/events-repository.ts';
import type { Run } from '../journeys/runs-repository.ts';
import { type Conversions, conversions, conversionsFromCounts, type RunCounts } from './conversions.ts';
import { ATTRIBUTION_DAYS, dayOf, RUN_METRICS, type RunMetric } from './counters.ts';
import { daysBetween, type JourneyCounters } from './counters-repository.ts';
import { formatSteps, funnelFromCounters, type StepFunnel } from './funnel.ts';

export interface JourneyReport {
  readonly journeyId: string;
  /** The first and last UTC day counted (the period is whole days: counters are kept per day). */
  readonly since?: string;
  readonly until?: string;
  readonly version?: string;
  readonly runs: RunCounts;
  readonly conversions: Conversions;
  readonly steps: StepFunnel[];
}

/** Where a report reads (the repositories' methods it calls). */
export interface ReportSources {
  readonly runs: { forJourney(journeyId: string): Promise<Run[]> };
  readonly counters: { read(journeyId: string, days: readonly string[]): Promise<JourneyCounters> };
  readonly events: { between(contactId: string, from: string, until: string): Promise<HistoryEntry[]> };
}

export interface ReportPeriod {
  /** ISO date or time: its UTC day is the first counted (default: the day of the journey's first run kept). */
  readonly since?: string;
  /** ISO date or time: its UTC day is the last counted (default: today). */
  readonly until?: string;
  /** Only the runs on this journey version, and their messages. */
  readonly version?: string;
  /** Days after a run starts in which its contact's goal event counts as a conversion. */
  readonly windowDays: number;
  /** Now, for the default last day. */
  readonly nowIso: string;
  /** Recompute conversions from the event history even for the counted window. */
  readonly recount?: boolean;
}

const DAY_MS = 86_400_000;

export async function journeyReport(
  journey: JourneyDefinition,
  sources: ReportSources,
  period: ReportPeriod,
): Promise<JourneyReport> {
  const { version, windowDays } = period;
  // Counted as goal events were routed, for the window they were counted with; any other window,
  // or a recount, reads the runs' contacts' event history.
  const fromCounters = windowDays === ATTRIBUTION_DAYS && !period.recount;
  // The runs themselves (a scan of the journey's runs) only for a recount or to find the first day.
  const allRuns = fromCounters && period.since ? [] : await sources.runs.forJourney(journey.id);
  const firstDay = period.since ? dayOf(period.since) : allRuns[0] ? dayOf(allRuns[0].startedAt) : undefined;
  const lastDay = dayOf(period.until ?? period.nowIso);
  const inPeriod = (at: string) => firstDay !== undefined && dayOf(at) >= firstDay && dayOf(at) <= lastDay;
  const runs = allRuns.filter((run) => inPeriod(run.startedAt) && (!version || run.version === version));
  const counters =
    firstDay !== undefined && firstDay <= lastDay
      ? await sources.counters.read(journey.id, daysBetween(firstDay, lastDay))
      : { sends: new Map<string, number>(), runs: new Map<string, number>() };
  const runCounts = runCountsFromCounters(counters.runs, version);
  const histories = new Map<string, HistoryEntry[]>();
  for (const contactId of fromCounters
    ? []
    : new Set(runs.map((run) => run.contactId).filter((id) => id !== undefined))) {
    const starts = runs.filter((run) => run.contactId === contactId).map((run) => run.startedAt);
    const last = new Date(Date.parse(starts.at(-1) ?? '') + windowDays * DAY_MS).toISOString();
    histories.set(contactId, await sources.events.between(contactId, starts[0] ?? '', last));
  }
  return {
    journeyId: journey.id,
    ...(firstDay && period.since ? { since: firstDay } : {}),
    ...(period.until ? { until: lastDay } : {}),
    ...(version ? { version } : {}),
    runs: runCounts,
    conversions: fromCounters
      ? conversionsFromCounts(
          journey,
          {
            entered: runCounts.entered,
            heldOut: runCounts.heldOut,
            converted: counted(counters.runs, 'converted', version),
            revenue: counted(counters.runs, 'revenue', version),
            heldOutConverted: counted(counters.runs, 'heldOutConverted', version),
            heldOutRevenue: counted(counters.runs, 'heldOutRevenue', version),
          },
          windowDays,
        )
      : conversions(journey, runs, (id) => histories.get(id) ?? [], windowDays),
    steps: funnelFromCounters(counters.sends, stepsInOrder(journey), version),
  };
}

/** The journey's steps from its start, breadth first along where each step leads. */
function stepsInOrder(journey: JourneyDefinition): string[] {
  const order: string[] = [];
  const queue = [journey.start];
  while (queue.length > 0) {
    const id = queue.shift() as string;
    const step = journey.steps[id];
    if (!step || order.includes(id)) continue;
    order.push(id);
    queue.push(...successors(step));
  }
  return order;
}

/** One run counter summed over the versions (or for one). */
function counted(counters: ReadonlyMap<string, number>, metric: RunMetric, version?: string): number {
  let sum = 0;
  for (const [name, count] of counters) {
    const split = name.lastIndexOf('|');
    if (name.slice(split + 1) === metric && (!version || name.slice(0, split) === version)) sum += count;
  }
  return sum;
}

/** The run counts of the period, from the run counters (every version, or one). */
export function runCountsFromCounters(counters: ReadonlyMap<string, number>, version?: string): RunCounts {
  const [entered, heldOut, completed, goalReached, exited, failed] = RUN_METRICS.map((metric) =>
    counted(counters, metric, version),
  ) as [number, number, number, number, number, number];
  const ended = heldOut + completed + goalReached + exited + failed;
  return {
    entered,
    heldOut,
    inProgress: Math.max(0, entered - ended),
    completed,
    goalReached,
    exited,
    failed,
  };
}

/** A rate as a percentage with one decimal. */
export const percent = (rate: number) => `${(rate * 100).toFixed(1)}%`;

/** The report as lines for a terminal or a plain-text e-mail. */
export function formatReport(report: JourneyReport): string[] {
  const { runs, conversions: c } = report;
  const scope = [
    report.since ? `since ${report.since}` : '',
    report.until ? `until ${report.until}` : '',
    report.version ? `version ${report.version}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const group = (name: string, g: Conversions['treated']) =>
    g.runs === 0
      ? `  ${name}: no run`
      : `  ${name}: ${g.converted}/${g.runs} converted (${percent(g.rate)}, 95% ${percent(g.interval.lower)} to ${percent(g.interval.upper)}), revenue ${g.revenue}`;
  return [
    `journey ${report.journeyId}${scope ? ` (${scope})` : ''}`,
    `  runs: entered ${runs.entered}, held out ${runs.heldOut}, in progress ${runs.inProgress}, goal reached ${runs.goalReached}, completed ${runs.completed}, exited ${runs.exited}, failed ${runs.failed}`,
    `conversions: ${c.goalEvent} within ${c.windowDays} days of entering (${
      c.source === 'counters' ? 'counted as the events were routed' : 'recounted from the event history'
    })`,
    group('treated', c.treated),
    group('holdout', c.holdout),
    c.uplift
      ? `  uplift: ${c.uplift.difference >= 0 ? '+' : ''}${percent(c.uplift.difference)} (95% ${percent(c.uplift.lower)} to ${percent(c.uplift.upper)}; ${c.uplift.test})`
      : '  uplift: no holdout run in the period (give the journey a holdout to measure it)',
    'steps:',
    ...formatSteps(report.steps),
  ];
}
