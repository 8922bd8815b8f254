/**
 * The event router: for an accepted event, find the runs that listen for it. A run whose goal it
 * is ends (goal reached); a run paused on a waitFor for it is claimed once and resumed on the
 * event branch, and its timeout schedule cancelled. A timeout firing later finds the claim taken.
 * Runs are found directly when the event carries the run key (the dedupe field, or the contact of a
 * one-run-per-contact journey), otherwise through the listen index.
 */

import type { Correlation, JourneyDefinition } from '#language/types.ts';
import type { JourneyVersion } from '#language/versions.ts';
import { nowIso } from '#platform/clock.ts';
import { logger } from '#platform/logger.ts';
import { ATTRIBUTION_DAYS, conversionGoal } from '../journey-report/counters.ts';
import { cancelResume } from './cancel-resume.ts';
import { directRunKey, eventCorrelationValue, scheduleName } from './journey-runs.ts';
import type { JourneyTarget } from './run-scheduler.ts';
import { startRun } from './run-starter.ts';
import { type Listener, listensFor, type Run, type RunsRepository } from './runs-repository.ts';

export interface RouterDeps {
  readonly runs: RunsRepository;
  readonly journeys: readonly JourneyDefinition[];
  readonly targets: Readonly<Record<string, JourneyTarget>>;
  /**
   * The journey versions the deployment keeps: a run waits at the steps of the version it is on,
   * which may be an earlier one. Absent: every run is on the journeys above.
   */
  readonly versions?: {
    find(journeyId: string, version: string): JourneyVersion | undefined;
    earlier(journeyId: string): JourneyVersion[];
  };
}

export interface AcceptedEvent {
  readonly 'detail-type': string;
  readonly detail: Record<string, unknown>;
}

export type RouteOutcome = {
  journeyId: string;
  runKey: string;
  outcome: 'goal_reached' | 'resumed' | 'ignored';
  stepId?: string;
};

function correlationsFor(journey: JourneyDefinition, eventType: string): Correlation[] {
  const list: Correlation[] = [];
  if (journey.goal?.event === eventType) list.push(journey.goal.correlate);
  for (const step of Object.values(journey.steps)) {
    if (step.type === 'waitFor' && step.event === eventType) list.push(step.correlate);
  }
  return list;
}

/** The correlations of a journey for an event, over its deployed and earlier versions (runs of both wait). */
function allCorrelationsFor(deps: RouterDeps, journey: JourneyDefinition, eventType: string): Correlation[] {
  const definitions = [journey, ...(deps.versions?.earlier(journey.id) ?? []).map((v) => v.definition)];
  const unique = new Map<string, Correlation>();
  for (const definition of definitions)
    for (const c of correlationsFor(definition, eventType)) unique.set(JSON.stringify(c), c);
  return [...unique.values()];
}

/** The steps a run waits at: those of the version it is on, when the deployment keeps it. */
function definitionOfRun(deps: RouterDeps, journey: JourneyDefinition, run: Run): JourneyDefinition {
  return (run.version ? deps.versions?.find(journey.id, run.version)?.definition : undefined) ?? journey;
}

/** One execution name per (run generation, step) resumed by an event, so a repeated start is recognised. */
function resumeExecutionName(journeyId: string, run: Pick<Run, 'runKey' | 'gen'>, stepId: string): string {
  return `${scheduleName(journeyId, run.runKey, run.gen, stepId)}-event`.slice(0, 80);
}

function sameCorrelation(a: Correlation, b: Correlation): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

async function startOnEventBranch(
  target: JourneyTarget,
  journeyId: string,
  run: Run,
  stepId: string,
): Promise<void> {
  await startRun(target.stateMachineArn, resumeExecutionName(journeyId, run, stepId), {
    resume: { runKey: run.runKey, gen: run.gen, stepId, via: 'event' },
  });
}

async function handleRun(
  deps: RouterDeps,
  deployed: JourneyDefinition,
  run: Run,
  event: AcceptedEvent,
  correlation: Correlation,
): Promise<RouteOutcome> {
  const journey = definitionOfRun(deps, deployed, run);
  const eventType = event['detail-type'];
  const base = { journeyId: journey.id, runKey: run.runKey };
  if (run.status === 'ended' || run.status === 'failed') return { ...base, outcome: 'ignored' };
  const target = deps.targets[journey.id];
  const waiting = run.waiting;
  const pendingSchedule = waiting ? scheduleName(journey.id, run.runKey, run.gen, waiting.stepId) : undefined;

  if (journey.goal?.event === eventType && sameCorrelation(journey.goal.correlate, correlation)) {
    const ended = await deps.runs.end(run, 'ended', 'goal_reached', nowIso());
    if (ended && pendingSchedule && target) await cancelResume(target, pendingSchedule);
    return { ...base, outcome: ended ? 'goal_reached' : 'ignored' };
  }
  const pending = run.resolution;
  if (!waiting && pending?.via === 'event' && !pending.consumedAt && target) {
    // Claimed by an earlier delivery whose StartExecution failed: start it again (the name is deterministic).
    const claimedStep = journey.steps[pending.stepId];
    if (
      claimedStep?.type === 'waitFor' &&
      claimedStep.event === eventType &&
      sameCorrelation(claimedStep.correlate, correlation)
    ) {
      await startOnEventBranch(target, journey.id, run, claimedStep.id);
      return { ...base, outcome: 'resumed', stepId: claimedStep.id };
    }
  }
  const step = waiting ? journey.steps[waiting.stepId] : undefined;
  if (
    !pendingSchedule ||
    step?.type !== 'waitFor' ||
    step.event !== eventType ||
    !sameCorrelation(step.correlate, correlation)
  ) {
    return { ...base, outcome: 'ignored' };
  }
  const claimed = await deps.runs.claimResume(
    run,
    { stepId: step.id, via: 'event', event: event.detail },
    nowIso(),
  );
  if (!claimed || !target) return { ...base, outcome: 'ignored' };
  await cancelResume(target, pendingSchedule);
  await startOnEventBranch(target, journey.id, run, step.id);
  return { ...base, outcome: 'resumed', stepId: step.id };
}

/** The runs of a journey an event's correlation value points to. */
async function candidates(
  deps: RouterDeps,
  journey: JourneyDefinition,
  eventType: string,
  correlation: Correlation,
  value: string,
): Promise<Listener[]> {
  const direct = directRunKey(journey, correlation, value);
  if (direct) {
    const run = await deps.runs.get(journey.id, direct);
    return run ? [{ journeyId: journey.id, runKey: run.runKey, gen: run.gen }] : [];
  }
  return (await deps.runs.listeners(eventType, value)).filter(
    (listener) => listener.journeyId === journey.id,
  );
}

/**
 * Counts the conversions an event makes: each run (treated or held out, going or ended) whose
 * conversion goal it is, correlated, within ATTRIBUTION_DAYS of the run's start; once per run.
 */
async function countConversions(
  deps: RouterDeps,
  event: AcceptedEvent,
  contactId: string | undefined,
): Promise<number> {
  const eventType = event['detail-type'];
  const occurredAt = typeof event.detail.occurredAt === 'string' ? event.detail.occurredAt : nowIso();
  const total = typeof event.detail.total === 'number' ? event.detail.total : 0;
  let counted = 0;
  for (const journey of deps.journeys) {
    const goal = conversionGoal(journey);
    if (goal.event !== eventType) continue;
    const value = eventCorrelationValue(goal.correlate, event.detail, contactId);
    if (!value) continue;
    for (const listener of await candidates(deps, journey, eventType, goal.correlate, value)) {
      const run = await deps.runs.get(journey.id, listener.runKey);
      if (!run || !listensFor(listener, run) || run.convertedAt) continue;
      const windowEnd = new Date(Date.parse(run.startedAt) + ATTRIBUTION_DAYS * 86_400_000).toISOString();
      if (occurredAt < run.startedAt || occurredAt > windowEnd) continue;
      if (await deps.runs.recordConversion(run, occurredAt, total)) counted++;
    }
  }
  return counted;
}

/** Resolves goals and waitFor correlations for one accepted event, and counts the conversions it makes. */
export async function routeEvent(deps: RouterDeps, event: AcceptedEvent): Promise<RouteOutcome[]> {
  const eventType = event['detail-type'];
  const contact = event.detail.contact as { contactId?: unknown } | undefined;
  const contactId = typeof contact?.contactId === 'string' ? contact.contactId : undefined;
  // Before the goal ends a run: the conversion is counted on the run as it was.
  const conversions = await countConversions(deps, event, contactId);
  if (conversions > 0) logger.info('conversions counted', { eventType, conversions });
  const outcomes: RouteOutcome[] = [];
  const handled = new Set<string>();
  for (const journey of deps.journeys) {
    for (const correlation of allCorrelationsFor(deps, journey, eventType)) {
      const value = eventCorrelationValue(correlation, event.detail, contactId);
      if (!value) continue;
      for (const listener of await candidates(deps, journey, eventType, correlation, value)) {
        const key = `${listener.journeyId}#${listener.runKey}`;
        if (handled.has(key)) continue;
        const run = await deps.runs.get(journey.id, listener.runKey);
        if (!run || !listensFor(listener, run)) continue;
        handled.add(key);
        outcomes.push(await handleRun(deps, journey, run, event, correlation));
      }
    }
  }
  for (const outcome of outcomes) {
    if (outcome.outcome !== 'ignored') logger.info('event routed', { eventType, ...outcome });
  }
  return outcomes;
}
