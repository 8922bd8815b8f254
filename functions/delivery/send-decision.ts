/**
 * Whether one message goes out, is skipped or waits: the order every send follows, written once for
 * the send path (functions/journeys/send-message.ts) and `relance campaign --dry-run`, so a dry run
 * answers what the send would. Held-out contacts never get here: their run ends at Enter (see
 * segments/holdout.ts).
 *
 * The order, first answer wins: a note to the contact's sales rep needs only the rep's address (and,
 * for an SMS, a number that has not replied STOP); then the delivery controls (address,
 * suppression, SMS opt-out, consent, quiet hours); then the message itself (a template variable
 * with no value: `missing_data`); then the frequency cap, taken only by a message that would go out
 * now (a deferred one is decided again when it resumes).
 */
import type { Contact } from '#catalogue/contact.ts';
import type { CapRule, Channel, DeliverySettings, MessageCategory } from '#language/types.ts';
import { decideDelivery, type SmsKeywordState, smsOptOutSkip } from './delivery-controls.ts';
import type { DeliveryPolicySettings } from './delivery-policy.ts';
import { type CapDecision, capRuleFor } from './frequency-cap.ts';
import type { SkipReason } from './ledger.ts';

export type SendDecision =
  | { readonly outcome: 'send'; readonly address: string }
  | { readonly outcome: 'skip'; readonly reason: SkipReason; readonly detail?: string }
  | { readonly outcome: 'defer'; readonly reason: 'quiet_hours'; readonly until: number };

export interface SendInput {
  readonly contact: Contact;
  readonly channel: Channel;
  readonly category: MessageCategory;
  readonly topic?: string;
  /**
   * Set for a note to the contact's sales rep, about the contact: the rep's addresses, or `none`
   * when the contact has no rep. Consent, quiet hours and caps are the contact's and do not apply.
   */
  readonly owner?: { readonly email: string; readonly phone?: string } | 'none';
  /** The journey's delivery choices (e-mail quiet hours, caps). */
  readonly journey?: DeliverySettings;
  readonly policy: DeliveryPolicySettings;
  /** The zone of contacts without one (quiet hours are local). */
  readonly defaultTimezone: string;
  readonly nowMs: number;
  /** For an SMS: the opt-out state of the number it goes to (STOP / START), when known. */
  readonly smsNumberState?: SmsKeywordState;
  /**
   * Set when the message could not be rendered for want of data: the variable that has no value
   * and where (`trigger.value in default.text`). Such a message is never sent.
   */
  readonly missingData?: string;
}

/**
 * Takes a slot of the cap for this message when the cap allows it: a conditional write on the cap
 * item for a real send, the forecast's own tally for a dry run.
 */
export type CapTaker = (rule: CapRule) => Promise<CapDecision> | CapDecision;

/** Decides one message; the only effect is the cap slot `takeCap` takes for a message that goes out. */
export async function decideSend(input: SendInput, takeCap: CapTaker): Promise<SendDecision> {
  const { owner } = input;
  if (owner === 'none') return { outcome: 'skip', reason: 'no_owner' };
  if (owner) {
    const address = input.channel === 'email' ? owner.email : owner.phone;
    if (!address) return { outcome: 'skip', reason: 'no_phone_number', detail: 'the owner has no phone' };
    const stopped = input.channel === 'sms' ? smsOptOutSkip(input.smsNumberState) : undefined;
    if (stopped?.action === 'skip')
      return { outcome: 'skip', reason: stopped.reason, detail: stopped.detail ?? '' };
    if (input.missingData) return { outcome: 'skip', reason: 'missing_data', detail: input.missingData };
    return { outcome: 'send', address };
  }
  const delivery = decideDelivery(
    input.contact,
    { channel: input.channel, category: input.category, ...(input.topic ? { topic: input.topic } : {}) },
    {
      emailTopics: input.policy.emailTopics,
      quietHours: input.policy.quietHours,
      emailQuietHours: input.journey?.emailQuietHours ?? false,
      defaultTimezone: input.defaultTimezone,
    },
    input.nowMs,
    input.smsNumberState,
  );
  if (delivery.action === 'skip') {
    return {
      outcome: 'skip',
      reason: delivery.reason,
      ...(delivery.detail ? { detail: delivery.detail } : {}),
    };
  }
  if (delivery.action === 'defer')
    return { outcome: 'defer', reason: delivery.reason, until: delivery.until };
  if (input.missingData) return { outcome: 'skip', reason: 'missing_data', detail: input.missingData };
  const rule = capRuleFor(input, input.journey?.frequencyCap, input.policy.frequencyCaps);
  if (rule) {
    const slot = await takeCap(rule);
    if (!slot.allowed) {
      return {
        outcome: 'skip',
        reason: 'frequency_capped',
        detail: `${slot.count} ${input.channel} messages in the last ${rule.windowDays} days (max ${rule.max})`,
      };
    }
  }
  return { outcome: 'send', address: delivery.address };
}
