/**
 * A journey's report: its runs, conversions against the holdout, and the funnel per step, gathered
 * from the journey-state table, the contacts' event history and the send ledger. Used by
 * `relance report` and by the weekly digest function.
 */
import type { JourneyDefinition } from '#language/types.ts';
import type { HistoryEntry } from '../contacts/events-repository.ts';
import type { LedgerEntry } from '../delivery/ledger.ts';
import type { Run } from '../journeys/runs-repository.ts';
import { type Conversions, conversions, type RunCounts, runCounts } from './conversions.ts';
import { formatSteps, journeyFunnel, type StepFunnel } from './funnel.ts';

export interface JourneyReport {
  readonly journeyId: string;
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
  readonly ledger: { forJourney(journeyId: string): Promise<LedgerEntry[]> };
  readonly events: { between(contactId: string, from: string, until: string): Promise<HistoryEntry[]> };
}

export interface ReportPeriod {
  /** ISO time: runs started and messages attempted before it are left out. */
  readonly since?: string;
  /** ISO time: runs started and messages attempted after it are left out. */
  readonly until?: string;
  /** Only the runs on this journey version, and their messages. */
  readonly version?: string;
  /** Days after a run starts in which its contact's goal event counts as a conversion. */
  readonly windowDays: number;
}

const DAY_MS = 86_400_000;

export async function journeyReport(
  journey: JourneyDefinition,
  sources: ReportSources,
  period: ReportPeriod,
): Promise<JourneyReport> {
  const { since, until, version, windowDays } = period;
  const inPeriod = (at: string) => (!since || at >= since) && (!until || at <= until);
  const runs = (await sources.runs.forJourney(journey.id)).filter(
    (run) => inPeriod(run.startedAt) && (!version || run.version === version),
  );
  let entries = (await sources.ledger.forJourney(journey.id)).filter((entry) => inPeriod(entry.createdAt));
  if (version) {
    const onVersion = new Set(runs.map((run) => run.runKey));
    entries = entries.filter((entry) => onVersion.has(entry.runKey));
  }
  const histories = new Map<string, HistoryEntry[]>();
  for (const contactId of new Set(runs.map((run) => run.contactId).filter((id) => id !== undefined))) {
    const starts = runs.filter((run) => run.contactId === contactId).map((run) => run.startedAt);
    const last = new Date(Date.parse(starts.at(-1) ?? '') + windowDays * DAY_MS).toISOString();
    histories.set(contactId, await sources.events.between(contactId, starts[0] ?? '', last));
  }
  return {
    journeyId: journey.id,
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
    ...(version ? { version } : {}),
    runs: runCounts(runs),
    conversions: conversions(journey, runs, (id) => histories.get(id) ?? [], windowDays),
    steps: journeyFunnel(entries, journey.id).steps,
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
    `conversions: ${c.goalEvent} within ${c.windowDays} days of entering`,
    group('treated', c.treated),
    group('holdout', c.holdout),
    c.uplift
      ? `  uplift: ${c.uplift.difference >= 0 ? '+' : ''}${percent(c.uplift.difference)} (95% ${percent(c.uplift.lower)} to ${percent(c.uplift.upper)}; ${c.uplift.test})`
      : '  uplift: no holdout run in the period (give the journey a holdout to measure it)',
    'steps:',
    ...formatSteps(report.steps),
  ];
}
