/**
 * Did the journey work? Its runs, and their contacts' conversions against the holdout's. A run
 * converted when the journey's goal event (an order, when the journey names no goal) happened for
 * its contact within the attribution window after the run started, correlated as the goal says (the
 * same cart for an abandoned-cart run). The same test is applied to held-out runs, which end at
 * Enter and send nothing, so the difference of the two rates is what the messages added.
 */
import type { Correlation, JourneyDefinition } from '#language/types.ts';
import type { HistoryEntry } from '../contacts/events-repository.ts';
import type { Run } from '../journeys/runs-repository.ts';
import { conversionGoal } from './counters.ts';
import { differenceInterval, wilsonInterval } from './interval.ts';

/** The fields of a run the report reads. */
export type ReportedRun = Pick<
  Run,
  'journeyId' | 'runKey' | 'contactId' | 'status' | 'startedAt' | 'endReason' | 'trigger' | 'version'
>;

/** What happened to the runs of the period. */
export interface RunCounts {
  /** Every run started (treated and held out). */
  readonly entered: number;
  readonly heldOut: number;
  /** Still going: active, waiting or stalled. */
  readonly inProgress: number;
  readonly completed: number;
  readonly goalReached: number;
  /** Ended otherwise: merged into another contact, a wait whose moment had passed, a version's exit... */
  readonly exited: number;
  readonly failed: number;
}

export interface GroupOutcome {
  readonly runs: number;
  readonly converted: number;
  readonly rate: number;
  /** The rate's 95% Wilson score interval. */
  readonly interval: { readonly lower: number; readonly upper: number };
  /** Order totals of the converting events (in their own currencies, added as numbers). */
  readonly revenue: number;
}

export interface Conversions {
  readonly goalEvent: string;
  readonly windowDays: number;
  /**
   * `counters`: counted as the goal events were routed (the attribution window they were counted
   * with); `history`: recomputed from the runs and their contacts' event history (any window).
   */
  readonly source: 'counters' | 'history';
  readonly treated: GroupOutcome;
  readonly holdout: GroupOutcome;
  /** Treated rate minus holdout rate with its 95% interval; absent without a holdout run. */
  readonly uplift?: {
    readonly difference: number;
    readonly lower: number;
    readonly upper: number;
    readonly test: string;
  };
}

const UPLIFT_TEST =
  'difference of two independent proportions, 95% hybrid score interval (Newcombe 1998, method 10)';

function valueAt(record: Record<string, unknown> | undefined, path: string): unknown {
  let at: unknown = record;
  for (const key of path.split('.')) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/** The event that converted the run, if any: the first goal event in the window, correlated. */
export function conversionOf(
  run: ReportedRun,
  history: readonly HistoryEntry[],
  goal: { event: string; correlate: Correlation },
  windowDays: number,
): HistoryEntry | undefined {
  const from = run.startedAt;
  const until = new Date(Date.parse(run.startedAt) + windowDays * 86_400_000).toISOString();
  const { correlate } = goal;
  return history
    .filter((event) => event.type === goal.event && event.occurredAt >= from && event.occurredAt <= until)
    .sort((a, b) => a.occurredAt.localeCompare(b.occurredAt))
    .find((event) => {
      if (correlate.by === 'contact') return true;
      const expected = valueAt(run.trigger, correlate.triggerField);
      return expected !== undefined && valueAt(event.detail, correlate.eventField) === expected;
    });
}

export function runCounts(runs: readonly ReportedRun[]): RunCounts {
  const count = (test: (run: ReportedRun) => boolean) => runs.filter(test).length;
  const ended = (reason: string) => (run: ReportedRun) => run.status === 'ended' && run.endReason === reason;
  return {
    entered: runs.length,
    heldOut: count(ended('holdout')),
    inProgress: count((r) => r.status === 'active' || r.status === 'waiting' || r.status === 'stalled'),
    completed: count(ended('completed')),
    goalReached: count(ended('goal_reached')),
    exited: count(
      (r) =>
        r.status === 'ended' &&
        !['holdout', 'completed', 'goal_reached', 'failed'].includes(r.endReason ?? ''),
    ),
    failed: count((r) => r.status === 'failed' || ended('failed')(r)),
  };
}

/** A group's outcome from its counts. */
function groupOutcome(runs: number, converted: number, revenue: number): GroupOutcome {
  return {
    runs,
    converted,
    rate: runs === 0 ? 0 : converted / runs,
    interval: wilsonInterval(converted, runs),
    revenue: Math.round(revenue * 100) / 100,
  };
}

/** Treated and holdout outcomes, with the uplift when both groups have runs. */
function compared(
  journey: Pick<JourneyDefinition, 'goal'>,
  windowDays: number,
  treated: GroupOutcome,
  holdout: GroupOutcome,
  source: Conversions['source'],
): Conversions {
  const base = { goalEvent: conversionGoal(journey).event, windowDays, source, treated, holdout };
  if (holdout.runs === 0 || treated.runs === 0) return base;
  const interval = differenceInterval(treated.converted, treated.runs, holdout.converted, holdout.runs);
  return { ...base, uplift: { ...interval, test: UPLIFT_TEST } };
}

/** Conversions from the journey's counters (counted as goal events were routed, within ATTRIBUTION_DAYS). */
export function conversionsFromCounts(
  journey: Pick<JourneyDefinition, 'goal'>,
  counts: {
    readonly entered: number;
    readonly heldOut: number;
    readonly converted: number;
    readonly revenue: number;
    readonly heldOutConverted: number;
    readonly heldOutRevenue: number;
  },
  windowDays: number,
): Conversions {
  return compared(
    journey,
    windowDays,
    groupOutcome(counts.entered - counts.heldOut, counts.converted, counts.revenue),
    groupOutcome(counts.heldOut, counts.heldOutConverted, counts.heldOutRevenue),
    'counters',
  );
}

function outcome(runs: readonly ReportedRun[], converting: ReadonlyMap<string, HistoryEntry>): GroupOutcome {
  const converted = runs.filter((run) => converting.has(run.runKey));
  const revenue = converted.reduce((sum, run) => {
    const total = converting.get(run.runKey)?.detail.total;
    return sum + (typeof total === 'number' ? total : 0);
  }, 0);
  return groupOutcome(runs.length, converted.length, revenue);
}

/** Conversions of treated and held-out runs, and the uplift with its interval. */
export function conversions(
  journey: Pick<JourneyDefinition, 'goal'>,
  runs: readonly ReportedRun[],
  historyOf: (contactId: string) => readonly HistoryEntry[],
  windowDays: number,
): Conversions {
  const goal = conversionGoal(journey);
  const converting = new Map<string, HistoryEntry>();
  for (const run of runs) {
    if (!run.contactId) continue;
    const event = conversionOf(run, historyOf(run.contactId), goal, windowDays);
    if (event) converting.set(run.runKey, event);
  }
  const isHeldOut = (run: ReportedRun) => run.status === 'ended' && run.endReason === 'holdout';
  const treated = outcome(
    runs.filter((r) => !isHeldOut(r)),
    converting,
  );
  const holdout = outcome(runs.filter(isHeldOut), converting);
  return compared(journey, windowDays, treated, holdout, 'history');
}
