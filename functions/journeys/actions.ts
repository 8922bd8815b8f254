/** The Task states of a journey after Enter/Resume: send, wait, waitFor, update, broadcast, finish, fail. */

import { type Contact, contactFromView, contactView } from '#catalogue/contact.ts';
import type { BroadcastStep, Channel, JourneyDefinition, Step } from '#language/types.ts';
import { now, nowIso } from '#platform/clock.ts';
import { RELANCE_SOURCE } from '#platform/env-names.ts';
import { updateContact } from '../contacts/contacts-repository.ts';
import { type LedgerOutcome, ledgerKey, ledgerTag } from '../delivery/ledger.ts';
import {
  freshContact,
  type JourneyDeps,
  requireJourney,
  requireRun,
  type StepContext,
  templatesAt,
  valueOfRef,
} from './context.ts';
import { runKeyFor, valueAt } from './journey-runs.ts';
import { latestState } from './latest-state.ts';
import { isPauseStep, scheduleWakeUp, waitingFor } from './pausing.ts';
import { type OwnerRecipient, sendMessage } from './send-message.ts';

/** Profile writes an update step tries before it fails. */
const UPDATE_STEP_ATTEMPTS = 5;

function stepOf<T extends Step['type']>(
  journey: JourneyDefinition,
  stepId: string,
  type: T,
): Extract<Step, { type: T }> {
  const step = journey.steps[stepId];
  if (!step || step.type !== type) throw new Error(`journey "${journey.id}" has no ${type} step "${stepId}"`);
  return step as Extract<Step, { type: T }>;
}

/** A send step: one message to the contact (or, later, its owner) through the ledger. */
export async function send(
  deps: JourneyDeps,
  journeyId: string,
  stepId: string,
  ctx: StepContext,
  version?: string,
): Promise<LedgerOutcome> {
  const journey = requireJourney(deps, journeyId, version);
  const step = stepOf(journey, stepId, 'send');
  const run = requireRun(ctx);
  // The contact as this segment read it (Enter or Resume, milliseconds ago): consent is as of now.
  const contact =
    (run.contact ? contactFromView(run.contact) : undefined) ?? (await freshContact(deps, run.contactId));
  if (!contact) return { status: 'skipped', reason: 'no_email_address' };
  const owner = step.to === 'owner' ? ((await ownerOf(deps, contact)) ?? 'none') : undefined;
  // The templates of the run's version: a run finishing on an earlier version sends what it promised.
  const templates = templatesAt(deps, journeyId, version);
  const sendDeps = templates === deps.templates ? deps : { ...deps, templates };
  // The cart, stock or price as it is now, not as the trigger saw it.
  const latest = await latestState(deps.products, run.triggerType, run.trigger);
  const on = (channel: Channel, template: string) =>
    sendMessage(sendDeps, {
      ledgerKey: ledgerKey({ journeyId, runKey: run.runKey, gen: run.gen, stepId, channel }),
      journeyId,
      runKey: run.runKey,
      gen: run.gen,
      ...(version ? { version } : {}),
      stepId,
      channel,
      template,
      category: step.category,
      ...(step.topic ? { topic: step.topic } : {}),
      ...(journey.delivery ? { delivery: journey.delivery } : {}),
      contact,
      trigger: latest.trigger,
      renderedFrom: latest.renderedFrom,
      ...(latest.skip ? { stale: latest.skip } : {}),
      ...(run.event ? { event: run.event } : {}),
      ...(owner ? { owner } : {}),
    });
  let outcome = await on(step.channel, step.template);
  // The channel cannot reach the contact: the step's fallback channel, through its own ledger entry.
  if (step.fallback && needsFallback(outcome))
    outcome = await on(step.fallback.channel, step.fallback.template);
  if (outcome.status === 'deferred' && outcome.deferredUntil) {
    // Not now (quiet hours, or waiting for the provider's evidence): pause the run and try this step again then.
    const waiting = { stepId, kind: 'defer' as const, until: outcome.deferredUntil };
    if (await deps.runs.pause(run, waiting, nowIso())) await scheduleWakeUp(deps, journeyId, run, waiting);
  }
  return outcome;
}

/** Outcomes after which a send step with a fallback tries its other channel. */
const FALLBACK_SKIPS: ReadonlySet<string> = new Set(['sms_opted_out', 'suppressed']);

/**
 * Whether the channel could not reach the contact: skipped because the number opted out of SMS or
 * the address is suppressed, or refused by the provider. A throttled send is retried instead.
 */
export function needsFallback(outcome: LedgerOutcome): boolean {
  if (outcome.status === 'skipped') return FALLBACK_SKIPS.has(outcome.reason ?? '');
  return outcome.status === 'failed' && outcome.reason !== 'throttled';
}

/** The contact's sales rep (`ownerId`) from the roster, when there is one. */
async function ownerOf(deps: JourneyDeps, contact: Contact): Promise<OwnerRecipient | undefined> {
  if (!contact.ownerId || !deps.owners) return undefined;
  const rep = await deps.owners(contact.ownerId);
  return rep
    ? { repId: rep.id, name: rep.name, email: rep.email, ...(rep.phone ? { phone: rep.phone } : {}) }
    : undefined;
}

/** A wait or waitFor step: marks the run paused and schedules its resumption; the segment then ends. */
export async function pause(
  deps: JourneyDeps,
  journeyId: string,
  stepId: string,
  ctx: StepContext,
  version?: string,
): Promise<{ paused: boolean; until?: string; ended?: boolean }> {
  const journey = requireJourney(deps, journeyId, version);
  const step = journey.steps[stepId];
  if (!isPauseStep(step)) throw new Error(`"${stepId}" is not a wait step`);
  const run = requireRun(ctx);
  const waiting = waitingFor(deps, step, ctx);
  if (waiting === 'past') {
    // `until` has passed and the journey says such a run ends here (see WaitUntil).
    return { paused: false, ended: await deps.runs.end(run, 'ended', 'wait_time_passed', nowIso()) };
  }
  if (!(await deps.runs.pause(run, waiting, nowIso()))) return { paused: false };
  await scheduleWakeUp(deps, journeyId, run, waiting);
  return { paused: true, until: waiting.until };
}

/**
 * An emit step: one event on the bus, its detail resolved from the run. The event id is derived from
 * the run, generation and step, so a retried step emits the same event; an invalid detail fails the
 * step (and the run, with the reason) rather than putting a malformed event on the bus.
 */
export async function emit(
  deps: JourneyDeps,
  journeyId: string,
  stepId: string,
  ctx: StepContext,
  version?: string,
): Promise<{ emitted: string }> {
  const journey = requireJourney(deps, journeyId, version);
  const step = stepOf(journey, stepId, 'emit');
  const run = requireRun(ctx);
  if (!deps.publish) throw new Error(`emit step "${stepId}": this deployment has no event bus configured`);
  const resolved = Object.fromEntries(
    Object.entries(step.detail).map(([name, value]) => [
      name,
      typeof value === 'object' ? valueOfRef({ ...ctx, trigger: run.trigger }, value.from) : value,
    ]),
  );
  const eventId = `${journeyId}-${ledgerTag(`${run.runKey}#${run.gen}#${stepId}`)}`;
  // The event's schema is loaded by the first emit step of its type, not at cold start: most
  // journeys emit nothing.
  const { parseEvent } = await import('#catalogue/parse-event.ts');
  const parsed = await parseEvent(step.event, {
    ...resolved,
    eventId,
    occurredAt: nowIso(),
    source: RELANCE_SOURCE,
  });
  if (!parsed.ok) {
    const problems = parsed.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
    throw new Error(`emit step "${stepId}" built an invalid ${step.event}: ${problems}`);
  }
  await deps.publish([{ source: RELANCE_SOURCE, detailType: step.event, detail: { ...parsed.detail } }]);
  return { emitted: eventId };
}

/** An update step: tags and attributes on the profile; returns the new contact view for later branches. */
export async function update(
  deps: JourneyDeps,
  journeyId: string,
  stepId: string,
  ctx: StepContext,
  version?: string,
): Promise<Record<string, unknown> | undefined> {
  const journey = requireJourney(deps, journeyId, version);
  const step = stepOf(journey, stepId, 'update');
  const run = requireRun(ctx);
  if (!run.contactId) return ctx.contact;
  const result = await updateContact(
    deps.contacts,
    run.contactId,
    (contact) => {
      const tags = new Set(contact.tags);
      for (const tag of step.addTags ?? []) tags.add(tag);
      for (const tag of step.removeTags ?? []) tags.delete(tag);
      // An attribute a rep locked is theirs: a journey never overwrites it either.
      const unlocked = Object.entries(step.setAttributes ?? {}).filter(
        ([name]) => !contact.lockedFields.includes(`attributes.${name}`),
      );
      return {
        ...contact,
        tags: [...tags],
        attributes: { ...contact.attributes, ...Object.fromEntries(unlocked) },
        updatedAt: nowIso(),
      };
    },
    { attempts: UPDATE_STEP_ATTEMPTS },
  );
  return result ? contactView(result.contact) : ctx.contact;
}

/** The end of a path: the run is over. */
export async function finish(deps: JourneyDeps, ctx: StepContext): Promise<{ ended: boolean }> {
  const run = requireRun(ctx);
  return { ended: await deps.runs.end(run, 'ended', 'completed', nowIso()) };
}

/**
 * A step failed after retries: the run is marked failed with the error, so it is not silently lost.
 * The state tells which run: its context after Enter or Resume; a failed Resume's request; a failed
 * Enter's trigger event (the run it may have created for that very event).
 */
export async function fail(
  deps: JourneyDeps,
  journeyId: string,
  state: Record<string, unknown>,
): Promise<{ failed: boolean }> {
  const error = state.error as { Error?: string; Cause?: string } | undefined;
  const reason = `${error?.Error ?? 'Error'}: ${String(error?.Cause ?? '').slice(0, 300)}`;
  const ref = await failedRunOf(deps, journeyId, state);
  if (!ref) return { failed: false };
  return { failed: await deps.runs.end({ journeyId, ...ref }, 'failed', reason, nowIso()) };
}

async function failedRunOf(
  deps: JourneyDeps,
  journeyId: string,
  state: Record<string, unknown>,
): Promise<{ runKey: string; gen: number } | undefined> {
  const ctx = state.ctx as StepContext | undefined;
  if (ctx?.runKey && ctx.gen !== undefined) return { runKey: ctx.runKey, gen: ctx.gen };
  const resume = state.resume as { runKey?: unknown; gen?: unknown } | undefined;
  if (typeof resume?.runKey === 'string' && typeof resume.gen === 'number')
    return { runKey: resume.runKey, gen: resume.gen };
  const detail = state.detail as Record<string, unknown> | undefined;
  const journey = deps.findJourney(journeyId);
  if (!detail || !journey || typeof state['detail-type'] !== 'string') return undefined;
  const contact = detail.contact as { contactId?: unknown } | undefined;
  const contactId = typeof contact?.contactId === 'string' ? contact.contactId : undefined;
  const run = await deps.runs.get(journeyId, runKeyFor(journey, detail, contactId));
  // Only the run this very trigger created: never one an earlier event started.
  return run && run.triggerEventId === String(detail.eventId)
    ? { runKey: run.runKey, gen: run.gen }
    : undefined;
}

const MAX_BATCHES_PER_SEGMENT = 40;

/** A broadcast step: one template to the SKU's waitlist (bounded by stock) or its recently interested contacts. */
export async function broadcast(
  deps: JourneyDeps,
  journeyId: string,
  stepId: string,
  ctx: StepContext,
  version?: string,
): Promise<{ sent: number; skipped: number }> {
  const journey = requireJourney(deps, journeyId, version);
  const step = stepOf(journey, stepId, 'broadcast');
  const run = requireRun(ctx);
  const templates = templatesAt(deps, journeyId, version);
  const sendDeps = templates === deps.templates ? deps : { ...deps, templates };
  const sku = String(valueAt(run.trigger, step.audience.skuField));
  const tally = { sent: 0, skipped: 0 };
  // The SKU's stock or price as it is now, not as the trigger saw it.
  const latest = await latestState(deps.products, run.triggerType, run.trigger);
  const notify = async (contactId: string): Promise<LedgerOutcome | undefined> => {
    const contact = await deps.contacts.get(contactId);
    if (!contact) return undefined;
    const outcome = await sendMessage(sendDeps, {
      ledgerKey: ledgerKey({
        journeyId,
        runKey: run.runKey,
        gen: run.gen,
        stepId,
        channel: step.channel,
        recipient: contactId,
      }),
      journeyId,
      runKey: run.runKey,
      gen: run.gen,
      ...(version ? { version } : {}),
      stepId,
      channel: step.channel,
      template: step.template,
      category: step.category,
      ...(step.topic ? { topic: step.topic } : {}),
      contact,
      trigger: latest.trigger,
      renderedFrom: latest.renderedFrom,
      ...(latest.skip ? { stale: latest.skip } : {}),
    });
    if (outcome.status === 'sent') tally.sent++;
    else tally.skipped++;
    return outcome;
  };
  if (step.audience.kind === 'waitlist') await notifyWaitlist(deps, step, sku, run.trigger, notify);
  else {
    const since = new Date(now() - step.audience.withinDays * 86_400_000).toISOString();
    for await (const page of deps.products.interested(sku, since, step.batchSize)) {
      for (const contactId of page) {
        if (await deps.products.claimNotice(sku, journeyId, contactId, now(), step.audience.oncePerDays))
          await notify(contactId);
      }
    }
  }
  return tally;
}

/** Waitlist in arrival order, no more sends than units in stock, the stock re-read before each batch. */
async function notifyWaitlist(
  deps: JourneyDeps,
  step: BroadcastStep,
  sku: string,
  trigger: Record<string, unknown>,
  notify: (contactId: string) => Promise<LedgerOutcome | undefined>,
): Promise<void> {
  let notified = 0;
  for (let batch = 0; batch < MAX_BATCHES_PER_SEGMENT; batch++) {
    const stock = (await deps.products.stock(sku)) ?? Number(trigger.newQuantity ?? 0);
    const available =
      step.audience.kind === 'waitlist' && step.audience.limitToStock ? stock - notified : step.batchSize;
    if (available <= 0) return;
    const entries = await deps.products.waitlist(sku, Math.min(step.batchSize, available));
    if (entries.length === 0) return;
    for (const entry of entries) {
      const outcome = await notify(entry.contactId);
      if (outcome?.status === 'sent') notified++;
      await deps.products.removeFromWaitlist(entry);
    }
  }
}
