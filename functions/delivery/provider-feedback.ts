/**
 * What the providers tell us after a send, and what it changes. Pure: parses the provider events
 * with zod and returns effects (suppress an address, record evidence on a ledger entry, change SMS
 * consent); the feedback repository applies them.
 *
 * - SES publishes the events of a configuration set to the account's default EventBridge bus
 *   (source `aws.ses`, detail-type `Email Sent`, `Email Delivered`, `Email Bounced`...). The detail
 *   is SES's event-publishing record: `eventType`, `mail` (with the message tags, each a list of
 *   values) and one object named after the event (`bounce`, `complaint`, `delivery`...).
 * - End User Messaging SMS publishes `Text Message Delivery Status Updated` (source
 *   `aws.sms-voice`); the detail carries `eventType` (`TEXT_DELIVERED`, `TEXT_INVALID`...), the
 *   destination number and the `context` given at send time.
 * - Two-way SMS delivers each incoming message to an SNS topic as JSON (`originationNumber`,
 *   `destinationNumber`, `messageBody`, `inboundMessageId`...).
 */

import type { ConsentRecord, Contact } from '#catalogue/contact.ts';
import * as z from '#catalogue/zod.ts';
import { type LedgerEntry, type LedgerOutcome, MAX_DELIVERY_EVENTS } from './ledger.ts';
import { normalizeEmail, type SuppressEffect } from './suppression.ts';

/** What a provider event says happened to a message, as recorded on its ledger entry. */
export type DeliveryStatus =
  | 'sent'
  | 'delivered'
  | 'bounced'
  | 'complained'
  | 'opened'
  | 'clicked'
  | 'rejected'
  | 'undelivered';

export interface LedgerEvidence {
  /** The `ledger` message tag: a digest of the ledger key (see ledgerTag). */
  readonly tag: string;
  readonly status: DeliveryStatus;
  readonly providerMessageId: string;
  readonly at: string;
  readonly detail?: string;
}

export interface ConsentEffect {
  readonly channel: 'sms';
  /** The E.164 number that sent the keyword. */
  readonly address: string;
  readonly status: 'opted_in' | 'opted_out';
  readonly keyword: string;
  readonly at: string;
  /** The provider's id of the incoming message: the proof. */
  readonly reference: string;
}

/** An open or a click of a relance e-mail, counted on the recipient's profile for segments. */
export interface EngagementEffect {
  readonly addresses: readonly string[];
  readonly kind: 'opened' | 'clicked';
  readonly at: string;
}

export interface FeedbackEffects {
  readonly engagement?: EngagementEffect;
  readonly suppress?: SuppressEffect;
  readonly ledgerEvidence?: LedgerEvidence;
  readonly consent?: ConsentEffect;
}

/** How a provider event is handled: its effects, nothing (with why), or refused as malformed. */
export type FeedbackInterpretation =
  | { readonly kind: 'effects'; readonly eventType: string; readonly effects: FeedbackEffects }
  | { readonly kind: 'ignored'; readonly reason: string }
  | { readonly kind: 'malformed'; readonly issues: readonly string[] };

// ----- shared pieces ------------------------------------------------------------------------------

/** A provider timestamp (ISO 8601 with or without milliseconds), normalized to `toISOString()`. */
const Timestamp = z.pipe(
  z.string().check(z.refine((value) => !Number.isNaN(Date.parse(value)), { error: 'is not a timestamp' })),
  z.transform((value) => new Date(value).toISOString()),
);

/** An E.164 phone number, as End User Messaging writes them. */
const E164 = z.string().check(z.trim(), z.regex(/^\+[1-9]\d{1,14}$/, 'is not an E.164 phone number'));

/** The `ledger` tag relance attaches: 22 base64url characters (ledgerTag). */
const LEDGER_TAG = /^[A-Za-z0-9_-]{22}$/;

function issuesOf(error: z.core.$ZodError): string[] {
  // Paths and messages only: zod's messages never echo the input, so no address reaches a log.
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
}

// ----- SES ----------------------------------------------------------------------------------------

/** Message tags as SES publishes them: each tag name maps to a list of values. */
const SesTags = z.record(z.string(), z.array(z.string()));

const SesMail = z.looseObject({
  messageId: z.string().check(z.minLength(1)),
  timestamp: Timestamp,
  destination: z.array(z.string()),
  tags: z._default(SesTags, {}),
});

const EmailRecipient = z.looseObject({ emailAddress: z.string().check(z.minLength(1)) });

const SesSendRecord = z.looseObject({ eventType: z.literal('Send'), mail: SesMail });
const SesDeliveryRecord = z.looseObject({
  eventType: z.literal('Delivery'),
  mail: SesMail,
  delivery: z.looseObject({ timestamp: Timestamp, recipients: z._default(z.array(z.string()), []) }),
});
const SesBounceRecord = z.looseObject({
  eventType: z.literal('Bounce'),
  mail: SesMail,
  bounce: z.looseObject({
    /** `Permanent`, `Transient` or `Undetermined`; only a permanent bounce suppresses. */
    bounceType: z.string(),
    bounceSubType: z.optional(z.string()),
    bouncedRecipients: z
      .array(
        z.extend(EmailRecipient, { status: z.optional(z.string()), diagnosticCode: z.optional(z.string()) }),
      )
      .check(z.minLength(1)),
    timestamp: Timestamp,
  }),
});
const SesComplaintRecord = z.looseObject({
  eventType: z.literal('Complaint'),
  mail: SesMail,
  complaint: z.looseObject({
    complainedRecipients: z.array(EmailRecipient).check(z.minLength(1)),
    timestamp: Timestamp,
    complaintFeedbackType: z.nullish(z.string()),
    complaintSubType: z.nullish(z.string()),
  }),
});
const SesRejectRecord = z.looseObject({
  eventType: z.literal('Reject'),
  mail: SesMail,
  reject: z.looseObject({ reason: z.string() }),
});
const SesOpenRecord = z.looseObject({
  eventType: z.literal('Open'),
  mail: SesMail,
  open: z.looseObject({ timestamp: Timestamp }),
});
const SesClickRecord = z.looseObject({
  eventType: z.literal('Click'),
  mail: SesMail,
  click: z.looseObject({ timestamp: Timestamp, link: z.optional(z.string()) }),
});

/** The SES event-publishing record relance acts on (the `detail` of an SES EventBridge event). */
export const SesEmailEvent = z.discriminatedUnion('eventType', [
  SesSendRecord,
  SesDeliveryRecord,
  SesBounceRecord,
  SesComplaintRecord,
  SesRejectRecord,
  SesOpenRecord,
  SesClickRecord,
]);
export type SesEmailEvent = z.infer<typeof SesEmailEvent>;

/** An SES e-mail sending event as EventBridge delivers it from the default bus. */
export const SesEvent = z.looseObject({
  source: z.literal('aws.ses'),
  'detail-type': z.string(),
  time: Timestamp,
  detail: SesEmailEvent,
});
export type SesEvent = z.infer<typeof SesEvent>;

/** SES event types relance records; the others (DeliveryDelay, Rendering Failure...) are ignored. */
const TRACKED_SES_EVENTS: ReadonlySet<string> = new Set(
  SesEmailEvent.def.options.flatMap((o) => o.shape.eventType.def.values),
);

/** The detail-type SES uses on EventBridge for each event-publishing type. */
export const SES_DETAIL_TYPES = {
  Send: 'Email Sent',
  Delivery: 'Email Delivered',
  Bounce: 'Email Bounced',
  Complaint: 'Email Complaint Received',
  Reject: 'Email Rejected',
  Open: 'Email Opened',
  Click: 'Email Clicked',
} as const satisfies Record<SesEmailEvent['eventType'], string>;

/** The configuration-set tag SES adds to every message sent through a configuration set. */
export const SES_CONFIGURATION_SET_TAG = 'ses:configuration-set';

function firstTag(tags: Record<string, string[]>, name: string): string | undefined {
  return tags[name]?.[0];
}

function sesEvidence(record: SesEmailEvent): Omit<LedgerEvidence, 'tag' | 'providerMessageId'> {
  switch (record.eventType) {
    case 'Send':
      return { status: 'sent', at: record.mail.timestamp };
    case 'Delivery':
      return { status: 'delivered', at: record.delivery.timestamp };
    case 'Bounce': {
      const { bounceType, bounceSubType } = record.bounce;
      return {
        status: 'bounced',
        at: record.bounce.timestamp,
        detail: bounceSubType ? `${bounceType}/${bounceSubType}` : bounceType,
      };
    }
    case 'Complaint': {
      const type = record.complaint.complaintFeedbackType ?? record.complaint.complaintSubType;
      return { status: 'complained', at: record.complaint.timestamp, ...(type ? { detail: type } : {}) };
    }
    case 'Reject':
      return { status: 'rejected', at: record.mail.timestamp, detail: record.reject.reason };
    case 'Open':
      return { status: 'opened', at: record.open.timestamp };
    case 'Click':
      return { status: 'clicked', at: record.click.timestamp };
  }
}

function sesSuppression(record: SesEmailEvent): SuppressEffect | undefined {
  if (record.eventType === 'Bounce' && record.bounce.bounceType === 'Permanent') {
    const { bounceSubType, bouncedRecipients } = record.bounce;
    const status = bouncedRecipients.find((r) => r.status)?.status;
    return {
      channel: 'email',
      addresses: bouncedRecipients.map((r) => normalizeEmail(r.emailAddress)),
      reason: 'bounce',
      at: record.bounce.timestamp,
      detail: [`Permanent/${bounceSubType ?? 'General'}`, status].filter(Boolean).join(' '),
    };
  }
  if (record.eventType === 'Complaint') {
    const type = record.complaint.complaintFeedbackType ?? record.complaint.complaintSubType;
    return {
      channel: 'email',
      addresses: record.complaint.complainedRecipients.map((r) => normalizeEmail(r.emailAddress)),
      reason: 'complaint',
      at: record.complaint.timestamp,
      ...(type ? { detail: type } : {}),
    };
  }
  return undefined;
}

const SES_EMAIL_DETAIL_TYPES: ReadonlySet<string> = new Set(Object.values(SES_DETAIL_TYPES));

function interpretSes(
  raw: unknown,
  detailType: string,
  configurationSet: string | undefined,
): FeedbackInterpretation {
  // SES also publishes account events (sending status, advisor recommendations): not about a message.
  if (!SES_EMAIL_DETAIL_TYPES.has(detailType))
    return { kind: 'ignored', reason: `${detailType} is not a tracked e-mail event` };
  const eventType = z.looseObject({ detail: z.looseObject({ eventType: z.string() }) }).safeParse(raw);
  if (!eventType.success) return { kind: 'malformed', issues: issuesOf(eventType.error) };
  if (!TRACKED_SES_EVENTS.has(eventType.data.detail.eventType))
    return { kind: 'ignored', reason: `SES event type ${eventType.data.detail.eventType} is not tracked` };
  const parsed = SesEvent.safeParse(raw);
  if (!parsed.success) return { kind: 'malformed', issues: issuesOf(parsed.error) };
  const record = parsed.data.detail;
  const { tags } = record.mail;
  if (configurationSet && !tags[SES_CONFIGURATION_SET_TAG]?.includes(configurationSet))
    return { kind: 'ignored', reason: 'sent through another configuration set' };

  const tag = firstTag(tags, 'ledger');
  const ledgerEvidence =
    tag && LEDGER_TAG.test(tag)
      ? { tag, providerMessageId: record.mail.messageId, ...sesEvidence(record) }
      : undefined;
  // A bounce or complaint is about the address, so it counts without relance's tags too.
  const suppress = sesSuppression(record);
  if (!ledgerEvidence && !suppress) return { kind: 'ignored', reason: 'no relance ledger tag' };
  const engagement: EngagementEffect | undefined =
    ledgerEvidence && (record.eventType === 'Open' || record.eventType === 'Click')
      ? {
          addresses: record.mail.destination.map(normalizeEmail),
          kind: record.eventType === 'Open' ? 'opened' : 'clicked',
          at: ledgerEvidence.at,
        }
      : undefined;
  return {
    kind: 'effects',
    eventType: record.eventType,
    effects: {
      ...(suppress ? { suppress } : {}),
      ...(ledgerEvidence ? { ledgerEvidence } : {}),
      ...(engagement ? { engagement } : {}),
    },
  };
}

// ----- SMS delivery events (End User Messaging) ---------------------------------------------------------

export const SMS_DELIVERY_DETAIL_TYPE = 'Text Message Delivery Status Updated';
export const VOICE_DELIVERY_DETAIL_TYPE = 'Voice Message Delivery Status Updated';

/** An End User Messaging SMS or call delivery event as EventBridge delivers it. */
export const SmsDeliveryEvent = z.looseObject({
  source: z.literal('aws.sms-voice'),
  'detail-type': z.enum([SMS_DELIVERY_DETAIL_TYPE, VOICE_DELIVERY_DETAIL_TYPE]),
  time: Timestamp,
  detail: z.looseObject({
    eventType: z.string().check(z.regex(/^(TEXT|VOICE)_/, 'a TEXT_ or VOICE_ event type')),
    eventTimestamp: z.optional(z.number()),
    destinationPhoneNumber: E164,
    messageId: z.string().check(z.minLength(1)),
    messageStatus: z.optional(z.string()),
    isFinal: z.optional(z.boolean()),
    /** The `Context` given to SendTextMessage: relance's tags when it sends through End User Messaging. */
    context: z.optional(z.record(z.string(), z.string())),
  }),
});
export type SmsDeliveryEvent = z.infer<typeof SmsDeliveryEvent>;

/**
 * Events that say the message reached (or is on its way to) the handset. A call is delivered when
 * it was answered and the message played (COMPLETED: not necessarily by a person); busy, no
 * answer, failed and expired calls are undelivered.
 */
const SMS_DELIVERED = new Set(['TEXT_DELIVERED', 'TEXT_SUCCESSFUL', 'VOICE_ANSWERED', 'VOICE_COMPLETED']);
const SMS_IN_PROGRESS = new Set(['TEXT_QUEUED', 'TEXT_PENDING', 'VOICE_INITIATED', 'VOICE_RINGING']);
/**
 * The one failure that is about the number itself: it does not exist. Blocked, unreachable,
 * carrier-unreachable, spam and TTL failures are about a device's state, a carrier or the content,
 * and may pass later; they are recorded on the entry without suppressing the number.
 */
const SMS_INVALID_NUMBER = 'TEXT_INVALID';

function interpretSms(raw: unknown): FeedbackInterpretation {
  const parsed = SmsDeliveryEvent.safeParse(raw);
  if (!parsed.success) return { kind: 'malformed', issues: issuesOf(parsed.error) };
  const { detail } = parsed.data;
  const at =
    detail.eventTimestamp !== undefined ? new Date(detail.eventTimestamp).toISOString() : parsed.data.time;
  const status: DeliveryStatus = SMS_DELIVERED.has(detail.eventType)
    ? 'delivered'
    : SMS_IN_PROGRESS.has(detail.eventType)
      ? 'sent'
      : 'undelivered';
  const tag = detail.context?.ledger;
  const ledgerEvidence =
    tag && LEDGER_TAG.test(tag)
      ? {
          tag,
          status,
          providerMessageId: detail.messageId,
          at,
          ...(status === 'undelivered' ? { detail: detail.eventType } : {}),
        }
      : undefined;
  const suppress: SuppressEffect | undefined =
    detail.eventType === SMS_INVALID_NUMBER
      ? {
          channel: 'sms',
          addresses: [detail.destinationPhoneNumber],
          reason: 'invalid_number',
          at,
          detail: detail.eventType,
        }
      : undefined;
  if (!ledgerEvidence && !suppress)
    return { kind: 'ignored', reason: `${detail.eventType} without a relance ledger context` };
  return {
    kind: 'effects',
    eventType: detail.eventType,
    effects: { ...(suppress ? { suppress } : {}), ...(ledgerEvidence ? { ledgerEvidence } : {}) },
  };
}

/**
 * Interprets an event from the default bus: SES e-mail events and End User Messaging SMS events.
 * `configurationSet`, when given, limits SES events to messages relance sent.
 */
export function interpretProviderEvent(
  raw: unknown,
  options: { configurationSet?: string } = {},
): FeedbackInterpretation {
  const envelope = z.looseObject({ source: z.string(), 'detail-type': z.string() }).safeParse(raw);
  if (!envelope.success) return { kind: 'malformed', issues: issuesOf(envelope.error) };
  const { source } = envelope.data;
  if (source === 'aws.ses')
    return interpretSes(raw, envelope.data['detail-type'], options.configurationSet || undefined);
  if (source === 'aws.sms-voice') {
    const detailType = envelope.data['detail-type'];
    if (detailType !== SMS_DELIVERY_DETAIL_TYPE && detailType !== VOICE_DELIVERY_DETAIL_TYPE)
      return { kind: 'ignored', reason: `${detailType} is not a text or voice delivery event` };
    return interpretSms(raw);
  }
  return { kind: 'ignored', reason: `source ${source} is not a messaging provider` };
}

/**
 * An event a configuration set's SNS event destination publishes (the event record as the SNS
 * message), as the EventBridge event End User Messaging sends for the same message, so both paths
 * are read by one interpreter (and a receipt arriving by both is recorded once).
 */
export function phoneEventFromDestination(message: string, publishedAt: string): unknown {
  let record: unknown = message;
  try {
    record = JSON.parse(message);
  } catch {
    // Kept as text: the interpreter finds no event record in it, and it is dead-lettered as malformed.
  }
  const eventType =
    record !== null && typeof record === 'object' ? (record as Record<string, unknown>).eventType : undefined;
  return {
    source: 'aws.sms-voice',
    'detail-type':
      typeof eventType === 'string' && eventType.startsWith('VOICE_')
        ? VOICE_DELIVERY_DETAIL_TYPE
        : SMS_DELIVERY_DETAIL_TYPE,
    time: publishedAt,
    detail: record,
  };
}

// ----- inbound SMS: keywords --------------------------------------------------------------------------

/**
 * Opt-out keywords: those End User Messaging honours where the law requires it (ARRET, CANCEL,
 * END, OPT-OUT, OPTOUT, QUIT, REMOVE, STOP, TD, UNSUBSCRIBE) plus STOPALL, the CTIA keyword
 * carriers also honour in the US.
 */
export const SMS_OPT_OUT_KEYWORDS: ReadonlySet<string> = new Set([
  'ARRET',
  'CANCEL',
  'END',
  'OPT-OUT',
  'OPTOUT',
  'QUIT',
  'REMOVE',
  'STOP',
  'STOPALL',
  'TD',
  'UNSUBSCRIBE',
]);

/** Opt-in keywords: the re-subscribe keywords End User Messaging documents. */
export const SMS_OPT_IN_KEYWORDS: ReadonlySet<string> = new Set(['START', 'UNSTOP']);

/**
 * The keyword an incoming SMS starts with, if it is an opt-out or opt-in keyword. Like End User
 * Messaging, a message that *begins* with a keyword counts ("STOP please"), case does not matter,
 * surrounding spaces and trailing punctuation are dropped, and accents are ignored ("Arrêt").
 */
export function smsKeyword(body: string): { kind: 'opt_out' | 'opt_in'; keyword: string } | undefined {
  const first = body
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .trim()
    .split(/\s+/)[0]
    ?.replace(/[.!?,;:]+$/, '')
    .toUpperCase();
  if (!first) return undefined;
  if (SMS_OPT_OUT_KEYWORDS.has(first)) return { kind: 'opt_out', keyword: first };
  if (SMS_OPT_IN_KEYWORDS.has(first)) return { kind: 'opt_in', keyword: first };
  return undefined;
}

/** The JSON two-way SMS publishes to the inbound SNS topic for each incoming message. */
export const InboundSms = z.looseObject({
  originationNumber: E164,
  destinationNumber: z.string(),
  messageBody: z.string(),
  inboundMessageId: z.string().check(z.minLength(1)),
  messageKeyword: z.optional(z.string()),
  previousPublishedMessageId: z.optional(z.string()),
});
export type InboundSms = z.infer<typeof InboundSms>;

/** Interprets an incoming SMS (the parsed SNS message) received at `at` (the SNS timestamp). */
export function interpretInboundSms(raw: unknown, at: string): FeedbackInterpretation {
  const parsed = InboundSms.safeParse(raw);
  if (!parsed.success) return { kind: 'malformed', issues: issuesOf(parsed.error) };
  const keyword = smsKeyword(parsed.data.messageBody);
  if (!keyword) return { kind: 'ignored', reason: 'not an opt-out or opt-in keyword' };
  return {
    kind: 'effects',
    eventType: `sms_${keyword.kind}`,
    effects: {
      consent: {
        channel: 'sms',
        address: parsed.data.originationNumber,
        status: keyword.kind === 'opt_out' ? 'opted_out' : 'opted_in',
        keyword: keyword.keyword,
        at,
        reference: parsed.data.inboundMessageId,
      },
    },
  };
}

// ----- applying effects to a contact and a ledger entry ------------------------------------------------

/** The consent record an SMS keyword proves. */
export function smsConsentRecord(effect: ConsentEffect): ConsentRecord {
  return {
    status: effect.status,
    at: effect.at,
    source: 'sms-reply',
    proof: { kind: 'sms_keyword', reference: `${effect.keyword}:${effect.reference}` },
  };
}

/**
 * The contact with its SMS channel consent set by a keyword, or undefined when nothing changes: a
 * later decision is already recorded (SMS arrive out of order), or this very message was applied.
 */
export function applySmsConsent(
  contact: Contact,
  effect: ConsentEffect,
  nowIso: string,
): Contact | undefined {
  if (contact.phone !== effect.address) return undefined;
  const record = smsConsentRecord(effect);
  const sms = contact.consent.sms ?? { topics: {} };
  const current = sms.channel;
  if (current && Date.parse(current.at) > Date.parse(record.at)) return undefined;
  if (current?.status === record.status && current.proof.reference === record.proof.reference)
    return undefined;
  return {
    ...contact,
    consent: { ...contact.consent, sms: { ...sms, channel: record } },
    updatedAt: nowIso,
  };
}

/** One delivery event as a ledger entry lists it: `<at> <status>[ <detail>]`, sortable by time. */
export function deliveryEventText(evidence: Pick<LedgerEvidence, 'at' | 'status' | 'detail'>): string {
  return [evidence.at, evidence.status, evidence.detail].filter(Boolean).join(' ').slice(0, 300);
}

/** What provider evidence changes on a ledger entry. */
export type LedgerChange =
  /** The entry had no outcome (in flight, or failed as throttled): the provider proves what happened. */
  | { readonly kind: 'settle'; readonly outcome: LedgerOutcome; readonly event?: string }
  /** The entry is settled: the event is appended to its delivery events. */
  | { readonly kind: 'append'; readonly event: string }
  | { readonly kind: 'none'; readonly reason: 'duplicate' | 'full' | 'nothing_to_record' };

/** Whether an entry's outcome is still open to provider evidence. */
export function awaitsEvidence(entry: Pick<LedgerEntry, 'status' | 'reason'>): boolean {
  // A throttled failure is an SDK error after its retries; a timeout among them may hide an accepted send.
  return entry.status === 'in_flight' || (entry.status === 'failed' && entry.reason === 'throttled');
}

/**
 * How evidence changes an entry. Any provider event proves the provider accepted the message, so
 * an entry still waiting for an outcome becomes `sent` with the provider's message id, exactly as
 * if the provider call had returned; what happened next (delivered, bounced, rejected...) is listed
 * in its delivery events, as for any sent entry. The Send event itself adds nothing to `sent`.
 */
export function ledgerChange(entry: LedgerEntry, evidence: LedgerEvidence): LedgerChange {
  const event = evidence.status === 'sent' ? undefined : deliveryEventText(evidence);
  if (awaitsEvidence(entry)) {
    const outcome: LedgerOutcome = { status: 'sent', providerMessageId: evidence.providerMessageId };
    return { kind: 'settle', outcome, ...(event ? { event } : {}) };
  }
  if (!event) return { kind: 'none', reason: 'nothing_to_record' };
  const events = entry.deliveryEvents ?? [];
  if (events.includes(event)) return { kind: 'none', reason: 'duplicate' };
  if (events.length >= MAX_DELIVERY_EVENTS) return { kind: 'none', reason: 'full' };
  return { kind: 'append', event };
}
