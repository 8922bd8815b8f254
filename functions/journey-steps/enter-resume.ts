/** Enter starts a run from its trigger event; Resume continues a paused run. Both build `$.ctx`. */
import { type Contact, contactView } from '#domain/contact.ts';
import { runCorrelationValue, runKeyFor, splitDraw } from '#domain/journey-runs.ts';
import { now, nowIso } from '#shared/clock.ts';
import { resumeStateAfter, splitKey } from '#workflows/language/states.ts';
import type { Correlation, JourneyDefinition } from '#workflows/language/types.ts';
import type { Run } from '../adapters/runs-repository.ts';
import { type JourneyDeps, requireJourney, type StepContext } from './context.ts';

/** The EventBridge event a trigger rule delivers. */
export interface TriggerEvent {
  readonly 'detail-type': string;
  readonly detail: Record<string, unknown>;
}

export interface ResumeRequest {
  readonly runKey: string;
  readonly gen: number;
  readonly stepId: string;
  readonly via: 'event' | 'timeout' | 'wait';
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

function context(journey: JourneyDefinition, run: Run, contact: Contact | undefined): StepContext {
  return {
    proceed: true,
    journeyId: journey.id,
    runKey: run.runKey,
    gen: run.gen,
    ...(run.contactId ? { contactId: run.contactId } : {}),
    ...(contact ? { contact: contactView(contact) } : {}),
    triggerType: run.triggerType,
    trigger: run.trigger,
    splits: splitsFor(journey, run),
  };
}

/** Starts a run for a trigger event, unless entry rules say no; registers what the run listens for. */
export async function enter(deps: JourneyDeps, journeyId: string, event: TriggerEvent): Promise<StepContext> {
  const journey = requireJourney(deps, journeyId);
  const trigger = event.detail;
  const contactId = contactIdOf(trigger);
  const runKey = runKeyFor(journey, trigger, contactId);
  const result = await deps.runs.enter({
    journeyId,
    runKey,
    reentry: journey.entry.reentry,
    ...(contactId ? { contactId } : {}),
    triggerType: event['detail-type'],
    triggerEventId: String(trigger.eventId),
    trigger,
    at: nowIso(),
    nowMs: now(),
  });
  if (!result.entered) return { proceed: false, reason: result.reason, journeyId, runKey };
  const { run } = result;
  for (const { event: eventType, correlate } of listenedCorrelations(journey)) {
    const value = runCorrelationValue(correlate, trigger, contactId);
    if (value) await deps.runs.listen(eventType, value, { journeyId, runKey, gen: run.gen }, now());
  }
  return context(journey, run, contactId ? await deps.contacts.get(contactId) : undefined);
}

/**
 * Resumes a paused run once: a timeout or the end of a wait claims the run here; an event was
 * claimed by the router, and is consumed here so a duplicate start does nothing.
 */
export async function resume(
  deps: JourneyDeps,
  journeyId: string,
  request: ResumeRequest,
): Promise<StepContext> {
  const journey = requireJourney(deps, journeyId);
  const stop = (reason: string): StepContext => ({
    proceed: false,
    reason,
    journeyId,
    runKey: request.runKey,
  });
  const current = await deps.runs.get(journeyId, request.runKey);
  if (!current || current.gen !== request.gen) return stop('run_replaced');
  if (current.status === 'ended' || current.status === 'failed') return stop(`run_${current.status}`);

  let run: Run | undefined;
  if (request.via === 'event') {
    run = await deps.runs.consumeEventResolution(current, request.stepId, nowIso());
    if (!run) return stop('event_already_handled');
  } else {
    run = await deps.runs.claimResume(current, { stepId: request.stepId, via: request.via }, nowIso());
    if (!run) return stop('already_resumed');
  }
  const resumeAt = resumeStateAfter(journey, request.stepId);
  if (!resumeAt) return stop('unknown_step');
  const contact = run.contactId ? await deps.contacts.get(run.contactId) : undefined;
  const resolvedEvent = run.resolution?.via === 'event' ? run.resolution.event : undefined;
  return {
    ...context(journey, run, contact),
    resumeAt,
    resolution: request.via,
    ...(resolvedEvent ? { event: resolvedEvent } : {}),
  };
}
