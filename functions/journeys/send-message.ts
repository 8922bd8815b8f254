/**
 * One message to one contact through the ledger: begin the entry (a retried step finds it), render
 * (a variable with no value is a `missing_data` skip), decide with the delivery controls, call the
 * provider, record the outcome. Used by send steps and broadcasts.
 */

import { type Contact, contactView } from '#catalogue/contact.ts';
import * as z from '#catalogue/zod.ts';
import { type MessageTemplate, templateTexts } from '#language/template.ts';
import type { Channel, DeliverySettings, MessageCategory } from '#language/types.ts';
import { journeyMsOfRealMs, now, nowIso } from '#platform/clock.ts';
import { logger } from '#platform/logger.ts';
import {
  confirmationLink,
  listUnsubscribeHeaders,
  mailtoDomainOf,
  type UnsubscribeLinks,
  unsubscribeLinks,
} from '../consent/signed-links.ts';
import { ContactConflictError, updateContact } from '../contacts/contacts-repository.ts';
import { sendEmail } from '../delivery/email-sender.ts';
import { capRuleFor } from '../delivery/frequency-cap.ts';
import {
  type LedgerEntry,
  type LedgerOutcome,
  ledgerTag,
  type RenderedFrom,
  type SkipReason,
} from '../delivery/ledger.ts';
import {
  MissingTemplateData,
  type RenderedMessage,
  renderMessage,
  withMarketingFooter,
} from '../delivery/rendering.ts';
import { decideSend } from '../delivery/send-decision.ts';
import { countingLedger } from '../delivery/send-metrics.ts';
import { sendSms } from '../delivery/sms-sender.ts';
import { applySuppression } from '../delivery/suppression.ts';
import { sendVoice } from '../delivery/voice-sender.ts';
import type { JourneyDeps } from './context.ts';

export interface MessageRequest {
  readonly ledgerKey: string;
  readonly journeyId: string;
  readonly runKey: string;
  readonly gen: number;
  /** The journey version the run is on, which the ledger entry and the journey's counters record. */
  readonly version?: string;
  readonly stepId: string;
  readonly channel: Channel;
  readonly template: string;
  readonly category: MessageCategory;
  readonly topic?: string;
  readonly contact: Contact;
  readonly trigger: Record<string, unknown>;
  readonly event?: Record<string, unknown>;
  /** The journey's delivery choices (e-mail quiet hours, caps). */
  readonly delivery?: DeliverySettings;
  /**
   * The message goes to the contact's sales rep, about the contact: an internal notification, so
   * the contact's consent, quiet hours and caps do not apply (the ledger still makes it exactly once).
   */
  readonly owner?: OwnerRecipient | 'none';
  /** The entity versions `trigger` holds (latest state at send time), recorded in the ledger. */
  readonly renderedFrom?: readonly RenderedFrom[];
  /** Set when the entity's latest state says the message no longer makes sense: skipped, with why. */
  readonly stale?: { readonly reason: SkipReason; readonly detail: string };
  /**
   * A test send (`relance send-test`): rendered with the contact's data, sent to `to`, which must be
   * on the deployment's test list. Consent, quiet hours and caps are the contact's and do not apply;
   * a number that replied STOP is still not texted or called. Recorded as a test, never counted.
   */
  readonly test?: { readonly to: string };
}

/** A test send to an address the deployment did not declare as a test recipient. */
export class UndeclaredTestRecipient extends Error {
  override readonly name = 'UndeclaredTestRecipient';
}

/** A sales rep receiving a message about a contact they own. */
export interface OwnerRecipient {
  readonly repId: string;
  readonly name: string;
  readonly email: string;
  readonly phone?: string;
}

/**
 * Provider errors that no retry will fix: recorded as failed (`provider_rejected`, with the
 * provider's code and message), never retried, never `sent`.
 */
const PERMANENT_ERRORS = new Set([
  'MessageRejected',
  'MailFromDomainNotVerifiedException',
  'AccountSuspendedException',
  'SendingPausedException',
  'BadRequestException',
  'InvalidParameter',
  'InvalidParameterException',
  'InvalidParameterValue',
  'OptedOutException',
  'NotFoundException',
  // End User Messaging v2: an opted-out or (in the sandbox) unverified destination, a price over
  // the cap, a body it refuses, an origination identity that does not exist.
  'ConflictException',
  'ValidationException',
  'ResourceNotFoundException',
  'PhoneSendingNotConfigured',
]);

function isPermanent(error: unknown): boolean {
  return (
    error instanceof Error &&
    (PERMANENT_ERRORS.has(error.name) || OPTED_OUT.test(`${error.name} ${error.message}`))
  );
}

/**
 * What to do with an entry a previous attempt left. A send known not to have happened (throttled,
 * or deferred by quiet hours) is tried again. One whose outcome is unknown (a crash around the
 * provider call) first waits the grace period for the provider's evidence (a Sent event settles
 * it), then follows the category policy: marketing at most once, transactional at least once.
 */
function retryDecision(
  existing: LedgerEntry,
  nowMs: number,
  graceMs: number,
): 'resend' | 'settled' | 'wait_for_evidence' | 'unknown_outcome' {
  if (existing.status === 'deferred' || (existing.status === 'failed' && existing.reason === 'throttled'))
    return 'resend';
  if (existing.status !== 'in_flight') return 'settled';
  if (nowMs - Date.parse(existing.updatedAt) < graceMs) return 'wait_for_evidence';
  return existing.category === 'transactional' ? 'resend' : 'unknown_outcome';
}

/** The number an SMS or a call would go to (the contact's, or its owner's for a note to the rep). */
function phoneAddressOf(request: MessageRequest): string | undefined {
  if (request.channel === 'email' || request.owner === 'none') return undefined;
  if (request.test) return request.test.to;
  return request.owner ? request.owner.phone : request.contact.phone;
}

/** The versions a request renders, as an outcome records them (a resend records its own). */
function renderedFromOf(request: MessageRequest): Pick<LedgerOutcome, 'renderedFrom'> {
  return request.renderedFrom?.length ? { renderedFrom: request.renderedFrom } : {};
}

/**
 * Sends (or skips or defers, with the reason) one message; returns the ledger outcome. Each outcome
 * this attempt records is counted (./send-metrics.ts); one an earlier attempt recorded is not again.
 */
export async function sendMessage(journeyDeps: JourneyDeps, request: MessageRequest): Promise<LedgerOutcome> {
  if (request.test && !(journeyDeps.sending.testRecipients ?? []).includes(request.test.to))
    throw new UndeclaredTestRecipient(
      `${request.test.to} is not on the deployment's test list (relance:testRecipients)`,
    );
  // A test send is recorded but not counted: it says nothing of the journey.
  const deps = request.test
    ? journeyDeps
    : { ...journeyDeps, ledger: countingLedger(journeyDeps.ledger, request.channel) };
  const at = nowIso();
  const template = deps.templates.get(request.template);
  if (!template) throw new Error(`template "${request.template}" is not deployed`);
  const entry: LedgerEntry = {
    ledgerKey: request.ledgerKey,
    contactId: request.contact.contactId,
    journeyId: request.journeyId,
    runKey: request.runKey,
    gen: request.gen,
    ...(request.version ? { version: request.version } : {}),
    stepId: request.stepId,
    channel: request.channel,
    template: request.template,
    category: request.category,
    ...(request.test ? { test: true as const } : {}),
    status: 'in_flight',
    createdAt: at,
    updatedAt: at,
    ...(request.renderedFrom?.length ? { renderedFrom: [...request.renderedFrom] } : {}),
  };
  const policy = deps.sending.policy;
  // A message that may take a frequency-cap slot has its cap read while its ledger entry is begun
  // (independent items): one round trip less before the provider. Unused when the send stops
  // before the cap; its failure then is nobody's.
  const capRule =
    request.test || request.owner
      ? undefined
      : capRuleFor(request, request.delivery?.frequencyCap, policy.frequencyCaps);
  const capReadAhead = capRule ? deps.caps.read(request.contact.contactId, request.channel) : undefined;
  capReadAhead?.catch(() => undefined);
  const begun = await deps.ledger.begin(entry, now());
  if (!begun.created) {
    // The grace waits for the provider, in real time: journey time may run faster locally.
    const graceMs = journeyMsOfRealMs(policy.inFlightGraceSeconds * 1000);
    const decision = retryDecision(begun.existing, now(), graceMs);
    if (decision === 'settled') return begun.existing;
    if (decision === 'wait_for_evidence') {
      // Come back when the grace period is over; the provider's Sent event may settle it by then.
      const until = new Date(Date.parse(begun.existing.updatedAt) + graceMs).toISOString();
      return { status: 'deferred', reason: 'awaiting_provider_evidence', deferredUntil: until };
    }
    if (decision === 'unknown_outcome') {
      const outcome: LedgerOutcome = { status: 'skipped', reason: 'outcome_unknown_at_most_once' };
      await deps.ledger.settle(request.ledgerKey, outcome, at);
      return outcome;
    }
    const previous = begun.existing.status;
    if (previous !== 'in_flight' && !(await deps.ledger.reopen(request.ledgerKey, previous, at))) {
      // Another attempt took it back first; its outcome stands.
      return (await deps.ledger.get(request.ledgerKey)) ?? begun.existing;
    }
  }

  if (request.stale) {
    const outcome: LedgerOutcome = {
      status: 'skipped',
      reason: request.stale.reason,
      detail: request.stale.detail,
      ...renderedFromOf(request),
    };
    await deps.ledger.settle(request.ledgerKey, outcome, at);
    logger.info('message skipped', { ledgerKey: request.ledgerKey, reason: request.stale.reason });
    return outcome;
  }

  // An SMS or a call goes to a number, whoever gives it: a STOP recorded for the number stops it.
  const smsNumber = phoneAddressOf(request);
  const smsNumberState = smsNumber ? await deps.contacts.smsOptOut(smsNumber) : undefined;

  // Rendered before deciding, so a message missing data is skipped before it takes a cap slot.
  const prepared = await prepareMessage(deps, request, template);
  const decision = request.test
    ? await decideSend(
        {
          ...('missing' in prepared ? { missingData: prepared.missing } : {}),
          contact: request.contact,
          ...(smsNumberState ? { smsNumberState } : {}),
          channel: request.channel,
          category: request.category,
          // The test address stands in for the contact's: only it, STOP and the data decide.
          owner: { email: request.test.to, phone: request.test.to },
          policy,
          defaultTimezone: deps.sending.defaultTimezone,
          nowMs: now(),
        },
        () => ({ allowed: true, entries: [], changed: false }),
      )
    : await decideSend(
        {
          ...('missing' in prepared ? { missingData: prepared.missing } : {}),
          contact: request.contact,
          ...(smsNumberState ? { smsNumberState } : {}),
          channel: request.channel,
          category: request.category,
          ...(request.topic ? { topic: request.topic } : {}),
          ...(request.owner ? { owner: request.owner } : {}),
          ...(request.delivery ? { journey: request.delivery } : {}),
          policy,
          defaultTimezone: deps.sending.defaultTimezone,
          nowMs: now(),
        },
        (rule) =>
          deps.caps.take(
            request.contact.contactId,
            request.channel,
            rule,
            request.ledgerKey,
            now(),
            capReadAhead,
          ),
      );
  if (decision.outcome === 'skip') {
    // Recorded like any outcome, so `relance why` can say why nothing was sent.
    const outcome: LedgerOutcome = {
      status: 'skipped',
      reason: decision.reason,
      ...(decision.detail ? { detail: decision.detail } : {}),
    };
    await deps.ledger.settle(request.ledgerKey, outcome, at);
    logger.info(decision.reason === 'frequency_capped' ? 'message capped' : 'message skipped', {
      ledgerKey: request.ledgerKey,
      reason: decision.reason,
    });
    return outcome;
  }
  if (decision.outcome === 'defer') {
    const outcome: LedgerOutcome = {
      status: 'deferred',
      reason: decision.reason,
      deferredUntil: new Date(decision.until).toISOString(),
    };
    await deps.ledger.settle(request.ledgerKey, outcome, at);
    logger.info('message deferred', {
      ledgerKey: request.ledgerKey,
      reason: decision.reason,
      until: outcome.deferredUntil,
    });
    return outcome;
  }
  if ('missing' in prepared) throw new Error('a message missing data cannot be sent');
  return deliver(deps, request, template, decision.address, prepared);
}

/**
 * The signed one-click unsubscribe, preference and mailto links of a marketing e-mail (for its
 * topic, else the whole channel); none for SMS or transactional mail, or where links are not set up.
 */
async function messageLinks(
  deps: JourneyDeps,
  request: MessageRequest,
): Promise<UnsubscribeLinks | undefined> {
  const settings = deps.sending.links;
  if (
    !settings ||
    request.channel !== 'email' ||
    request.category !== 'marketing' ||
    request.owner !== undefined
  ) {
    return undefined;
  }
  return unsubscribeLinks({
    baseUrl: settings.baseUrl,
    key: await settings.key(),
    contactId: request.contact.contactId,
    ...(request.topic ? { topic: request.topic } : {}),
    ledger: ledgerTag(request.ledgerKey),
    mailtoDomain: mailtoDomainOf(deps.sending.fromAddress),
    nowMs: now(),
  });
}

/**
 * The double opt-in link a confirmation e-mail carries (`links.confirm`), for the topic the trigger
 * names (a pending `consent.changed`) or the whole channel. Signed for this contact only.
 */
async function doubleOptInLink(
  deps: JourneyDeps,
  request: MessageRequest,
  template: MessageTemplate,
): Promise<string | undefined> {
  const settings = deps.sending.links;
  // Signed only for the templates that show it (a confirmation e-mail), not for every e-mail.
  if (!settings || request.channel !== 'email' || !usesConfirmLink(template)) return undefined;
  const topic = typeof request.trigger.topic === 'string' ? request.trigger.topic : undefined;
  return confirmationLink({
    baseUrl: settings.baseUrl,
    key: await settings.key(),
    contactId: request.contact.contactId,
    ...(topic ? { topic } : {}),
    nowMs: now(),
  });
}

/**
 * The .ics invitation of the appointment that triggered the run, from the brand to the contact.
 * Its writer is loaded with the first invitation: only the appointment journey sends them.
 */
async function calendarInviteFor(deps: JourneyDeps, request: MessageRequest, address: string) {
  const { appointmentAttachment } = await import('../delivery/calendar-invite.ts');
  const appointment = AppointmentFields.parse(request.trigger);
  const organizerEmail = /<([^>]+)>/.exec(deps.sending.fromAddress)?.[1] ?? deps.sending.fromAddress;
  const name = [request.contact.firstName, request.contact.lastName].filter(Boolean).join(' ');
  return appointmentAttachment(appointment, {
    organizer: {
      email: organizerEmail,
      ...(deps.sending.brand.name ? { name: deps.sending.brand.name } : {}),
    },
    attendee: { email: address, ...(name ? { name } : {}) },
    stampedAt: nowIso(),
  });
}

const AppointmentFields = z.object({
  appointmentId: z.string(),
  startsAt: z.string(),
  durationMinutes: z.number(),
  location: z.string(),
  title: z.optional(z.string()),
});

/** What a template sees of the owner: `owner.name`, `owner.firstName`, `owner.email`... */
function ownerView(owner: OwnerRecipient): Record<string, string> {
  const [firstName = owner.name, ...rest] = owner.name.split(' ');
  return {
    repId: owner.repId,
    name: owner.name,
    firstName,
    lastName: rest.join(' '),
    email: owner.email,
    ...(owner.phone ? { phone: owner.phone } : {}),
  };
}

/** What SNS answers for a number it cannot send to (InvalidParameter on PhoneNumber). */
const INVALID_NUMBER = /InvalidParameter.*phone ?number|phone ?number.*invalid/i;

/** What a provider answers for a number that opted out (SNS, End User Messaging). */
const OPTED_OUT = /opted.?out|DESTINATION_PHONE_NUMBER_OPTED_OUT/i;

/**
 * A provider refused an SMS because the number opted out (a STOP relance never received): the
 * number's state records it, so the next SMS to it is skipped `sms_opted_out` before any call.
 */
async function recordProviderOptOut(deps: JourneyDeps, number: string, detail: string): Promise<void> {
  await deps.contacts.recordSmsOptOut(number, {
    status: 'opted_out',
    at: nowIso(),
    keyword: 'provider',
    reference: detail.slice(0, 200),
  });
}

/**
 * An SMS refused because the number is invalid suppresses the number for SMS (as a bounce does
 * for e-mail): later sends are skipped as `suppressed` instead of failing again.
 */
async function suppressNumber(deps: JourneyDeps, contactId: string, number: string, detail: string) {
  try {
    await updateContact(
      deps.contacts,
      contactId,
      (contact) => {
        const at = nowIso();
        return applySuppression(
          contact,
          { channel: 'sms', addresses: [number], reason: 'invalid_number', at, detail },
          number,
          at,
        );
      },
      { attempts: 5 },
    );
  } catch (error) {
    // Best effort: the send is recorded as failed either way, and the next one will try again.
    if (!(error instanceof ContactConflictError)) throw error;
  }
}

const confirmLinkUse = new WeakMap<MessageTemplate, boolean>();

/** Whether any text of the template reads `links.confirm`. */
function usesConfirmLink(template: MessageTemplate): boolean {
  let uses = confirmLinkUse.get(template);
  if (uses === undefined) {
    uses = templateTexts(template).some(({ source }) => source.includes('links.confirm'));
    confirmLinkUse.set(template, uses);
  }
  return uses;
}

/** A message ready to go (rendered, with its links), or the variable it is missing. */
type PreparedMessage =
  | { readonly rendered: RenderedMessage; readonly links: UnsubscribeLinks | undefined }
  | { readonly missing: string };

/** Renders the message for the contact: the template's locale variant, links and marketing footer. */
async function prepareMessage(
  deps: JourneyDeps,
  request: MessageRequest,
  template: MessageTemplate,
): Promise<PreparedMessage> {
  const links = await messageLinks(deps, request);
  const confirm = await doubleOptInLink(deps, request, template);
  let body: RenderedMessage;
  try {
    body = await renderMessage(
      template,
      request.contact.locale,
      {
        contact: contactView(request.contact),
        trigger: request.trigger,
        event: request.event ?? {},
        journey: { id: request.journeyId },
        brand: deps.sending.brand,
        ...(request.owner && request.owner !== 'none' ? { owner: ownerView(request.owner) } : {}),
        links: {
          ...(links ? { unsubscribe: links.unsubscribe, preferences: links.preferences } : {}),
          ...(confirm ? { confirm } : {}),
        },
      },
      { defaultTimezone: deps.sending.defaultTimezone },
    );
  } catch (error) {
    if (error instanceof MissingTemplateData) return { missing: `${error.variable} in ${error.part}` };
    throw error;
  }
  const rendered =
    links && body.channel === 'email'
      ? withMarketingFooter(body, {
          preferencesUrl: links.preferences,
          ...(deps.sending.brand.name ? { brandName: deps.sending.brand.name } : {}),
          ...(deps.sending.brand.postalAddress ? { postalAddress: deps.sending.brand.postalAddress } : {}),
          ...(request.contact.locale ? { locale: request.contact.locale } : {}),
        })
      : body;
  return { rendered, links };
}

/** Calls the provider with the prepared message and records the outcome. */
async function deliver(
  deps: JourneyDeps,
  request: MessageRequest,
  template: MessageTemplate,
  address: string,
  { rendered, links }: Exclude<PreparedMessage, { missing: string }>,
): Promise<LedgerOutcome> {
  const tags = {
    journey: request.journeyId,
    step: request.stepId,
    run: ledgerTag(`${request.journeyId}#${request.runKey}`),
    ledger: ledgerTag(request.ledgerKey),
  };
  try {
    const providerMessageId =
      rendered.channel === 'email'
        ? await sendEmail({
            to: address,
            from: deps.sending.fromAddress,
            ...(deps.sending.replyToAddress ? { replyTo: deps.sending.replyToAddress } : {}),
            subject: rendered.subject,
            html: rendered.html,
            text: rendered.text,
            ...(deps.sending.configurationSet ? { configurationSet: deps.sending.configurationSet } : {}),
            ...(links ? { headers: listUnsubscribeHeaders(links) } : {}),
            ...(template.channel === 'email' && template.calendarInvite
              ? { attachments: [await calendarInviteFor(deps, request, address)] }
              : {}),
            tags,
          })
        : rendered.channel === 'voice'
          ? await sendVoice({
              to: address,
              body: rendered.body,
              bodyType: rendered.bodyType,
              voice: rendered.voice,
              tags,
            })
          : await sendSms({
              to: address,
              text: rendered.text,
              type: request.category === 'transactional' ? 'Transactional' : 'Promotional',
              ...(deps.sending.smsSenderId ? { senderId: deps.sending.smsSenderId } : {}),
              tags,
            });
    const outcome: LedgerOutcome = {
      status: 'sent',
      providerMessageId,
      ...(rendered.channel === 'email' ? { subject: rendered.subject } : {}),
      ...renderedFromOf(request),
    };
    await deps.ledger.settle(request.ledgerKey, outcome, nowIso());
    logger.info('message sent', {
      ledgerKey: request.ledgerKey,
      channel: request.channel,
      providerMessageId,
    });
    return outcome;
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    if (isPermanent(error)) {
      const outcome: LedgerOutcome = {
        status: 'failed',
        reason: 'provider_rejected',
        detail: `${name}: ${message}`.slice(0, 500),
      };
      await deps.ledger.settle(request.ledgerKey, outcome, nowIso());
      logger.warn('message rejected by provider', { ledgerKey: request.ledgerKey, error: name });
      if (request.channel === 'sms' && !request.owner && INVALID_NUMBER.test(`${name} ${message}`)) {
        await suppressNumber(deps, request.contact.contactId, address, `${name}: ${message}`.slice(0, 300));
      }
      if (request.channel !== 'email' && OPTED_OUT.test(`${name} ${message}`)) {
        await recordProviderOptOut(deps, address, `${name}: ${message}`);
      }
      return outcome;
    }
    // Not sent (the SDK already retried with backoff): failed, until the step's retry sends it
    // again; when every retry is throttled too, the run fails and the entry stays failed.
    await deps.ledger.settle(
      request.ledgerKey,
      { status: 'failed', reason: 'throttled', detail: `${name}: ${message}`.slice(0, 300) },
      nowIso(),
    );
    throw error;
  }
}
