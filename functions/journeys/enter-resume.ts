/** Enter starts a run from its trigger event; Resume continues a paused run. Both build `$.ctx`. */

import { type Contact, contactView } from '#catalogue/contact.ts';
import { splitKey } from '#language/states.ts';
import type { Correlation, JourneyDefinition } from '#language/types.ts';
import { now, nowIso } from '#platform/clock.ts';
import { METRIC } from '#platform/metric-names.ts';
import { countMetric } from '#platform/metrics.ts';
import { conversionGoal } from '../journey-report/counters.ts';
import { isHeldOut } from '../segments/holdout.ts';
import { type JourneyDeps, requireJourney, type StepContext } from './context.ts';
import { placeResumedRun } from './in-flight.ts';
import { directRunKey, runCorrelationValue, runKeyFor, splitDraw } from './journey-runs.ts';
import { isPauseStep, scheduleWakeUp, waitingFor } from './pausing.ts';
import type { Run } from './runs-repository.ts';

/** The EventBridge event a trigger rule delivers. */
export interface TriggerEvent {
  readonly 'detail-type': string;
  readonly detail: Record<string, unknown>;
}

export interface ResumeRequest {
  readonly runKey: string;
  readonly gen: number;
  readonly stepId: string;
  readonly via: 'event' | 'timeout' | 'wait' | 'defer';
}

function contactIdOf(detail: Record<string, unknown>): string | undefined {
  const contact = detail.contact as { contactId?: unknown } | undefined;
  return typeof contact?.contactId === 'string' ? contact.contactId : undefined;
}

function splitsFor(journey: JourneyDefinition, run: Pick<Run, 'runKey' | 'gen'>): Record<string, number> {
  return Object.fromEntries(
    Object.values(journey.steps)
      .filter((step) => step.type === 'split')
      .map((step) => [splitKey(step.id), splitDraw(journey.id, run.runKey, run.gen, step.id)]),
  );
}

/** Every (event type, correlation) a run of this journey listens for: its goal and its waitFor steps. */
export function listenedCorrelations(
  journey: JourneyDefinition,
): Array<{ event: string; correlate: Correlation }> {
  const all = [
    ...(journey.goal ? [{ event: journey.goal.event, correlate: journey.goal.correlate }] : []),
    ...Object.values(journey.steps).flatMap((s) =>
      s.type === 'waitFor' ? [{ event: s.event, correlate: s.correlate }] : [],
    ),
  ];
  const unique = new Map(all.map((c) => [`${c.event}|${JSON.stringify(c.correlate)}`, c]));
  return [...unique.values()];
}

function context(
  journey: JourneyDefinition,
  run: Run,
  trigger: Record<string, unknown>,
  contact: Contact | undefined,
): StepContext {
  return {
    proceed: true,
    journeyId: journey.id,
    runKey: run.runKey,
    gen: run.gen,
    ...(run.contactId ? { contactId: run.contactId } : {}),
    ...(contact ? { contact: contactView(contact) } : {}),
    triggerType: run.triggerType,
    trigger,
    splits: splitsFor(journey, run),
  };
}

/**
 * Starts a run for a trigger event, unless entry rules say no, and registers the correlations the
 * router cannot compute from an event. When the journey starts with a pause (`pauseAt`), the run
 * is created already paused and its wake-up scheduled, in this one invocation.
 */
export async function enter(
  deps: JourneyDeps,
  journeyId: string,
  event: TriggerEvent,
  pauseAt?: string,
  version?: string,
  execution?: string,
): Promise<StepContext> {
  const journey = requireJourney(deps, journeyId, version);
  const trigger = event.detail;
  const contactId = contactIdOf(trigger);
  const runKey = runKeyFor(journey, trigger, contactId);
  const contact = contactId ? await deps.contacts.get(contactId) : undefined;
  // Merged into another contact: the survivor's own events start its runs.
  if (contact?.mergedInto) return { proceed: false, reason: 'contact_merged', journeyId, runKey };
  const firstStep = pauseAt ? journey.steps[pauseAt] : undefined;
  const waiting = isPauseStep(firstStep)
    ? waitingFor(deps, firstStep, { trigger, contact: { timezone: contact?.timezone } })
    : undefined;
  // A first wait whose moment has passed is left to its own Task state, which ends the run.
  const pause = waiting === 'past' ? undefined : waiting;
  const result = await deps.runs.enter({
    journeyId,
    runKey,
    reentry: journey.entry.reentry,
    ...(contactId ? { contactId } : {}),
    triggerType: event['detail-type'],
    triggerEventId: String(trigger.eventId),
    trigger,
    ...(pause ? { pause } : {}),
    ...(version ? { version } : {}),
    ...(execution ? { execution } : {}),
    at: nowIso(),
    nowMs: now(),
  });
  if (!result.entered) {
    // A retried Enter whose first attempt paused the run but died before scheduling: schedule now (idempotent).
    const existing = result.existing;
    const pending = existing?.waiting;
    if (
      result.reason === 'duplicate_trigger' &&
      (existing?.status === 'waiting' || existing?.status === 'stalled') &&
      pending &&
      pending.stepId === pauseAt
    ) {
      await scheduleWakeUp(deps, journeyId, existing, pending);
    }
    return { proceed: false, reason: result.reason, journeyId, runKey };
  }
  // Entered again by the same execution (see EnterResult): counted the first time only.
  const { run } = result;
  if (!result.again) countMetric(METRIC.runsStarted, 1, { Journey: journeyId });
  const listenFor = async (eventType: string, correlate: Correlation) => {
    const value = runCorrelationValue(correlate, trigger, contactId);
    if (value && !directRunKey(journey, correlate, value))
      await deps.runs.listen(eventType, value, { journeyId, runKey, gen: run.gen }, now());
  };
  // Every run, held out or not, listens for what converts it: the router counts the conversion.
  const conversion = conversionGoal(journey);
  await listenFor(conversion.event, conversion.correlate);
  if (contactId && isHeldOut(journey, contactId)) {
    // Held out: the run is recorded (ended, reason holdout) so uplift can be measured, and sends nothing.
    await deps.runs.end(run, 'ended', 'holdout', nowIso());
    return { proceed: false, reason: 'holdout', journeyId, runKey };
  }
  for (const { event: eventType, correlate } of listenedCorrelations(journey)) {
    if (eventType === conversion.event && JSON.stringify(correlate) === JSON.stringify(conversion.correlate))
      continue;
    await listenFor(eventType, correlate);
  }
  if (pause) {
    await scheduleWakeUp(deps, journeyId, run, pause);
    return { ...context(journey, run, trigger, contact), paused: true };
  }
  return context(journey, run, trigger, contact);
}

/**
 * Resumes a paused run once: a timeout or the end of a wait claims the run here; an event was
 * claimed by the router, and is consumed here so a duplicate start does nothing. A run on an earlier
 * version of the journey goes where the deployed version's in-flight policy says (finish on its
 * version, move to this one, or end); a run that cannot go on is marked failed with the reason,
 * never left active. A run whose contact was merged into another ends here with the reason `merged`.
 */
export async function resume(
  deps: JourneyDeps,
  journeyId: string,
  request: ResumeRequest,
  version?: string,
  execution?: string,
): Promise<StepContext> {
  const fallback = requireJourney(deps, journeyId, version);
  const ref = { journeyId, runKey: request.runKey, gen: request.gen };
  const at = nowIso();
  const run =
    request.via === 'event'
      ? await deps.runs.consumeEventResolution(ref, request.stepId, at, execution)
      : await deps.runs.claimResume(
          ref,
          { stepId: request.stepId, via: request.via, ...(execution ? { execution } : {}) },
          at,
        );
  if (!run) {
    // Only now read the run, to say why it does not go on.
    const current = await deps.runs.get(journeyId, request.runKey);
    const reason =
      !current || current.gen !== request.gen
        ? 'run_replaced'
        : current.status === 'ended' || current.status === 'failed'
          ? `run_${current.status}`
          : 'already_resumed';
    return { proceed: false, reason, journeyId, runKey: request.runKey };
  }
  // The state machine names its own version: that is the deployed one, whatever else is recorded.
  const deployed = version ? deps.versions?.find(journeyId, version) : undefined;
  const placement = placeResumedRun({
    journeyId,
    ...(deployed ? { deployed } : {}),
    fallback,
    ...(run.version ? { runVersion: run.version } : {}),
    ...(run.version && deps.versions ? { entered: deps.versions.find(journeyId, run.version) } : {}),
    stepId: request.stepId,
    at,
  });
  const stopped = { proceed: false, journeyId, runKey: request.runKey } as const;
  if (placement.kind === 'fail') {
    await deps.runs.end(run, 'failed', placement.reason, at);
    return { ...stopped, reason: 'resume_failed' };
  }
  if (placement.kind === 'exit') {
    await deps.runs.end(run, 'ended', placement.reason, at, placement.change);
    return { ...stopped, reason: 'exited_on_new_version' };
  }
  const journey = placement.definition;
  const [trigger, contact] = await Promise.all([
    deps.runs.trigger(run),
    run.contactId ? deps.contacts.get(run.contactId) : Promise.resolve(undefined),
  ]);
  if (contact?.mergedInto) {
    // The contact was merged into another (contact.merged): its runs end here, with the reason.
    await deps.runs.end(run, 'ended', 'merged', at);
    return { ...stopped, reason: 'contact_merged' };
  }
  if (placement.change) {
    if (!(await deps.runs.changeVersion(run, placement.change)))
      return { ...stopped, reason: 'version_changed_meanwhile' };
    // The new version may listen for events the old one did not: register them (idempotent).
    for (const { event: eventType, correlate } of listenedCorrelations(journey)) {
      const value = runCorrelationValue(correlate, trigger, run.contactId);
      if (value && !directRunKey(journey, correlate, value))
        await deps.runs.listen(eventType, value, { journeyId, runKey: run.runKey, gen: run.gen }, now());
    }
  }
  const resolvedEvent = run.resolution?.via === 'event' ? run.resolution.event : undefined;
  return {
    ...context(journey, run, trigger, contact),
    resumeAt: placement.resumeAt,
    resolution: request.via,
    ...(resolvedEvent ? { event: resolvedEvent } : {}),
  };
}
