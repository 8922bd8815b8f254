/**
 * Whether a message may go to a contact now. Every send passes here; the answer is recorded in the
 * ledger, so each skipped message says why.
 */
import type { Channel, MessageCategory } from '#workflows/language/types.ts';
import type { Contact } from './contact.ts';
import type { SkipReason } from './ledger.ts';

export type DeliveryDecision =
  | { readonly action: 'send'; readonly address: string }
  | { readonly action: 'skip'; readonly reason: SkipReason; readonly detail?: string };

export interface SendIntent {
  readonly channel: Channel;
  readonly category: MessageCategory;
  readonly topic?: string;
}

/**
 * Consent and suppression rules. Transactional messages need only an address that is not
 * suppressed. Marketing e-mail is sent unless the contact opted out of the channel or topic;
 * marketing SMS needs an explicit opt-in (TCPA).
 */
export function decideDelivery(contact: Contact, intent: SendIntent): DeliveryDecision {
  const address = intent.channel === 'email' ? contact.email : contact.phone;
  if (!address)
    return { action: 'skip', reason: intent.channel === 'email' ? 'no_email_address' : 'no_phone_number' };
  const suppression = contact.suppressed[intent.channel];
  if (suppression) return { action: 'skip', reason: 'suppressed', detail: suppression.reason };
  if (intent.category === 'transactional') return { action: 'send', address };

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
  return { action: 'send', address };
}
