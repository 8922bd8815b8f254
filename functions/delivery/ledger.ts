/**
 * The send ledger's vocabulary: every send a journey attempts ends as one entry with a status and,
 * when nothing was sent, the reason. This is what `relance why` and the local page explain.
 */
import { createHash } from 'node:crypto';
import * as z from '#catalogue/zod.ts';
import type { Channel } from '#language/types.ts';

/**
 * How long an entry is kept: long past any retry of its step (minutes to hours) and long enough to
 * answer "why" for a recent message. What a journey did over the year is in its counters (400 days).
 */
export const LEDGER_RETENTION_DAYS = 90;

/** deliveryEvents kept per ledger entry; opens and clicks beyond this are not recorded. */
export const MAX_DELIVERY_EVENTS = 50;

export const LedgerStatus = z.enum(['in_flight', 'sent', 'skipped', 'deferred', 'failed']);
export type LedgerStatus = z.infer<typeof LedgerStatus>;

/** Why a message was not sent. */
export type SkipReason =
  | 'no_email_address'
  | 'no_phone_number'
  | 'no_owner'
  | 'unsubscribed'
  | 'no_consent'
  | 'suppressed'
  | 'frequency_capped'
  | 'quiet_hours'
  | 'goal_reached'
  | 'holdout'
  | 'missing_data'
  | 'outcome_unknown_at_most_once'
  | 'cart_emptied'
  | 'price_no_longer_lower'
  | 'sms_opted_out';

/**
 * Which version of an entity a message was rendered from: the latest state at send time (a cart's
 * last `cart.updated`, a SKU's last stock level or price), newer than the run's trigger or not.
 */
export const RenderedFrom = z.object({
  entity: z.enum(['cart', 'stock', 'price']),
  /** The cart id or the SKU. */
  id: z.string(),
  /** When the event that set this version happened (UTC). */
  updatedAt: z.string(),
  eventId: z.optional(z.string()),
  /** True when this version is newer than the trigger the run started from. */
  newerThanTrigger: z.boolean(),
});
export type RenderedFrom = z.infer<typeof RenderedFrom>;

/** One send as the ledger keeps it (the item, less its key and expiry). */
export const LedgerEntry = z.object({
  ledgerKey: z.string(),
  contactId: z.string(),
  journeyId: z.string(),
  runKey: z.string(),
  gen: z.number(),
  /** The journey version the run was on (absent on an unversioned deployment). */
  version: z.optional(z.string()),
  stepId: z.string(),
  channel: z.enum(['email', 'sms', 'voice']),
  /** A test send (`relance send-test`) to a declared test recipient: never counted in a funnel. */
  test: z.optional(z.literal(true)),
  template: z.string(),
  category: z.enum(['marketing', 'transactional']),
  status: LedgerStatus,
  createdAt: z.string(),
  updatedAt: z.string(),
  reason: z.optional(z.string()),
  detail: z.optional(z.string()),
  providerMessageId: z.optional(z.string()),
  subject: z.optional(z.string()),
  deferredUntil: z.optional(z.string()),
  /** Provider delivery events after the send (delivered, opened...), at most MAX_DELIVERY_EVENTS. */
  deliveryEvents: z.optional(z.array(z.string())),
  /** The entity versions the message was rendered from (latest state at send time). */
  renderedFrom: z.optional(z.array(RenderedFrom)),
});
export type LedgerEntry = z.infer<typeof LedgerEntry>;

export interface LedgerOutcome {
  readonly status: LedgerStatus;
  readonly reason?: string;
  readonly detail?: string;
  readonly providerMessageId?: string;
  readonly subject?: string;
  readonly deferredUntil?: string;
  readonly renderedFrom?: readonly RenderedFrom[];
}

/** The ledger key of a send: (journey run, step, channel), plus the recipient for broadcasts. */
export function ledgerKey(parts: {
  journeyId: string;
  runKey: string;
  gen: number;
  stepId: string;
  channel: Channel;
  recipient?: string;
}): string {
  const base = `${parts.journeyId}#${parts.runKey}#${parts.gen}#${parts.stepId}#${parts.channel}`;
  return parts.recipient ? `${base}#${parts.recipient}` : base;
}

/** A short, tag-safe digest of a ledger key (SES tag values allow only [A-Za-z0-9_-.@]). */
export function ledgerTag(key: string): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 22);
}

/** Why a message was (not) sent, in words a developer reads at a glance. */
const REASONS: Record<string, string> = {
  no_email_address: 'the contact has no e-mail address',
  no_phone_number: 'the contact has no phone number',
  no_owner: 'the contact has no owner to notify',
  unsubscribed: 'the contact unsubscribed from this topic or channel',
  no_consent: 'no opt-in for this channel or topic',
  suppressed: 'the address is suppressed (bounce or complaint)',
  frequency_capped: 'the frequency cap was reached',
  quiet_hours: 'quiet hours at the contact',
  goal_reached: 'the journey goal was already reached',
  holdout: 'the contact is in the holdout group',
  missing_data: 'a template variable has no value and the template gives no default',
  outcome_unknown_at_most_once: 'an earlier attempt may have sent it; at-most-once sends do not retry',
  awaiting_provider_evidence:
    'an earlier attempt is still unsettled; waiting for the provider’s delivery events',
  throttled: 'the provider throttled every attempt; not sent',
  provider_rejected: 'the provider refused the message',
  cart_emptied: 'the cart was emptied since the run started',
  price_no_longer_lower: 'the price went back up since the price drop',
  sms_opted_out: 'the number opted out of SMS (STOP); carriers refuse every SMS to it',
};

/** Which entity version a message was rendered from, in words (`relance why`). */
export function explainRenderedFrom(version: RenderedFrom): string {
  const what =
    version.entity === 'cart'
      ? `cart ${version.id}`
      : `${version.entity === 'stock' ? 'stock of' : 'price of'} ${version.id}`;
  const event = version.eventId ? ` (event ${version.eventId})` : '';
  const fresher = version.newerThanTrigger ? ', newer than the trigger' : ', as the trigger had it';
  return `${what} as updated at ${version.updatedAt}${event}${fresher}`;
}

/** What a ledger entry says happened, and why, in one line a person reads at a glance. */
export function explainEntry(entry: LedgerEntry): string {
  return entry.test ? `test send (relance send-test): ${explainOutcome(entry)}` : explainOutcome(entry);
}

function explainOutcome(entry: LedgerEntry): string {
  const reason = entry.reason ? (REASONS[entry.reason] ?? entry.reason) : '';
  const detail = entry.detail ? ` (${entry.detail})` : '';
  switch (entry.status) {
    case 'sent':
      return entry.subject ? `sent “${entry.subject}”` : 'sent';
    case 'in_flight':
      return 'in flight: the send started and has no outcome yet';
    case 'deferred':
      return `deferred until ${entry.deferredUntil ?? '?'}${reason ? `: ${reason}` : ''}${detail}`;
    default:
      return `${entry.status}: ${reason || 'no reason recorded'}${detail}`;
  }
}
