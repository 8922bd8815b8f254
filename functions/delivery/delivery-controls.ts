/**
 * Whether a message may go to a contact now. Every send passes here; the answer is recorded in the
 * ledger, so each skipped or deferred message says why.
 */
import type { Contact, Suppression } from '#catalogue/contact.ts';
import type { Channel, MessageCategory } from '#language/types.ts';
import type { DeliveryPolicySettings } from './delivery-policy.ts';
import type { SkipReason } from './ledger.ts';
import { nextAllowedTime } from './quiet-hours.ts';

export type DeliveryDecision =
  | { readonly action: 'send'; readonly address: string }
  | { readonly action: 'skip'; readonly reason: SkipReason; readonly detail?: string }
  | { readonly action: 'defer'; readonly until: number; readonly reason: 'quiet_hours' };

export interface SendIntent {
  readonly channel: Channel;
  readonly category: MessageCategory;
  readonly topic?: string;
}

/** The deployment's policy as one send sees it: with its journey's and the deployment's settings. */
export type DeliveryPolicy = Pick<DeliveryPolicySettings, 'emailTopics' | 'quietHours'> & {
  /** Whether quiet hours apply to e-mail too (per journey; SMS always respects them). */
  readonly emailQuietHours: boolean;
  readonly defaultTimezone: string;
};

/** A number's last SMS keyword (STOP, START...), as the number's opt-out state records it. */
export interface SmsKeywordState {
  readonly status: 'opted_in' | 'opted_out';
  readonly at: string;
  readonly keyword: string;
}

/**
 * The latest SMS keyword known for the contact's number: the number's own state (recorded whoever
 * gives the number) or the contact's SMS channel decision when an SMS keyword proved it.
 */
export function latestSmsKeyword(
  contact: Contact,
  numberState: SmsKeywordState | undefined,
): SmsKeywordState | undefined {
  const record = contact.consent.sms?.channel;
  const fromContact: SmsKeywordState | undefined =
    record?.proof.kind === 'sms_keyword' && record.status !== 'pending'
      ? { status: record.status, at: record.at, keyword: record.proof.reference?.split(':')[0] ?? 'STOP' }
      : undefined;
  if (!fromContact) return numberState;
  if (!numberState) return fromContact;
  return Date.parse(numberState.at) >= Date.parse(fromContact.at) ? numberState : fromContact;
}

/** The skip of an SMS to a number that replied STOP (any category: carriers refuse it anyway). */
export function smsOptOutSkip(state: SmsKeywordState | undefined): DeliveryDecision | undefined {
  return state?.status === 'opted_out'
    ? { action: 'skip', reason: 'sms_opted_out', detail: `${state.keyword} at ${state.at}` }
    : undefined;
}

/**
 * Consent, suppression and quiet hours. Transactional messages need only an address that is not
 * suppressed; an SMS or a call also needs a number that has not replied STOP (carriers refuse every
 * SMS to it, End User Messaging refuses calls to a number on the opt-out list, and a revocation
 * covers calls and texts alike). A contact who opted out of calls is never called, whatever the
 * category. Marketing e-mail follows its topic's mode (opt-out by default); marketing SMS and calls
 * need an explicit opt-in (TCPA). SMS and calls wait for the end of quiet hours.
 * `smsNumberState` is the number's own opt-out state, when the caller read it.
 */
export function decideDelivery(
  contact: Contact,
  intent: SendIntent,
  policy: DeliveryPolicy,
  nowMs: number,
  smsNumberState?: SmsKeywordState,
): DeliveryDecision {
  const address = intent.channel === 'email' ? contact.email : contact.phone;
  if (!address)
    return { action: 'skip', reason: intent.channel === 'email' ? 'no_email_address' : 'no_phone_number' };
  const suppression = suppressionOf(contact, intent.channel);
  if (suppression) return { action: 'skip', reason: 'suppressed', detail: suppression.reason };
  if (intent.channel !== 'email') {
    const stopped = smsOptOutSkip(latestSmsKeyword(contact, smsNumberState));
    if (stopped) return stopped;
  }
  if (intent.channel === 'voice' && contact.consent.voice?.channel?.status === 'opted_out')
    return {
      action: 'skip',
      reason: 'unsubscribed',
      detail: 'voice channel: the contact asked not to be called',
    };

  if (intent.category === 'marketing') {
    const consent = contact.consent[intent.channel];
    const channelStatus = consent?.channel?.status;
    if (channelStatus === 'opted_out')
      return { action: 'skip', reason: 'unsubscribed', detail: `${intent.channel} channel` };
    const topicStatus = intent.topic ? consent?.topics[intent.topic]?.status : undefined;
    if (topicStatus === 'opted_out')
      return { action: 'skip', reason: 'unsubscribed', detail: `topic ${intent.topic}` };
    if (intent.channel === 'sms' && channelStatus !== 'opted_in') {
      return { action: 'skip', reason: 'no_consent', detail: 'SMS marketing needs an explicit opt-in' };
    }
    if (intent.channel === 'voice' && channelStatus !== 'opted_in') {
      return {
        action: 'skip',
        reason: 'no_consent',
        detail: 'automated marketing calls need an explicit opt-in',
      };
    }
    const mode = intent.topic ? policy.emailTopics[intent.topic]?.mode : undefined;
    if (intent.channel === 'email' && mode === 'opt_in' && topicStatus !== 'opted_in') {
      return { action: 'skip', reason: 'no_consent', detail: `topic ${intent.topic} needs an opt-in` };
    }
  }
  if (intent.channel !== 'email' || policy.emailQuietHours) {
    const zone = contact.timezone ?? policy.defaultTimezone;
    const allowed = nextAllowedTime(nowMs, policy.quietHours, zone);
    if (allowed > nowMs) return { action: 'defer', until: allowed, reason: 'quiet_hours' };
  }
  return { action: 'send', address };
}

/**
 * The suppression that stops a message on a channel: the channel's own, or, for a phone channel,
 * the other phone channel's when it proved the number invalid (a number that does not exist can
 * neither be texted nor called).
 */
function suppressionOf(contact: Contact, channel: Channel): Suppression | undefined {
  const own = contact.suppressed[channel];
  if (own || channel === 'email') return own;
  const other = contact.suppressed[channel === 'sms' ? 'voice' : 'sms'];
  return other?.reason === 'invalid_number' ? other : undefined;
}
