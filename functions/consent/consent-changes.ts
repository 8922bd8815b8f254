/**
 * Consent changes a contact makes through a signed link: unsubscribe (one click or the page), topic
 * choices on the preference page, double opt-in confirmation. Pure: each returns a new Contact (the
 * same object when nothing changes, so the caller can skip the write) and records where the change
 * came from, when, and its proof.
 */
import type { ChannelConsent, ConsentRecord, Contact } from '#catalogue/contact.ts';
import type { TopicMode } from '../delivery/delivery-policy.ts';

export type ConsentChannel = 'email' | 'sms' | 'voice';

/** Where a change came from, when, and what proves it. */
export interface ConsentProvenance {
  readonly at: string;
  readonly source: string;
  readonly proof: ConsentRecord['proof'];
}

export interface UnsubscribeChange extends ConsentProvenance {
  readonly channel: ConsentChannel;
  /** Absent: the whole channel. */
  readonly topic?: string;
}

export interface TopicChoices extends ConsentProvenance {
  readonly channel: ConsentChannel;
  /** Topic → whether the contact wants it. Topics left out are left as they are. */
  readonly choices: Readonly<Record<string, boolean>>;
  /** Each topic's consent mode, which decides what a topic without a record means. */
  readonly topicModes: Readonly<Record<string, TopicMode>>;
}

export interface DoubleOptInConfirmation {
  readonly channel: ConsentChannel;
  /** Absent: the whole channel. */
  readonly topic?: string;
  readonly at: string;
  readonly source: string;
  /** What ties the confirmation to its link (a token fingerprint). */
  readonly reference?: string;
}

function channelConsent(contact: Contact, channel: ConsentChannel): ChannelConsent {
  return contact.consent[channel] ?? { topics: {} };
}

function record(status: ConsentRecord['status'], provenance: ConsentProvenance): ConsentRecord {
  return {
    status,
    at: provenance.at,
    source: provenance.source,
    proof: provenance.proof.reference
      ? { kind: provenance.proof.kind, reference: provenance.proof.reference }
      : { kind: provenance.proof.kind },
  };
}

function withChannelConsent(
  contact: Contact,
  channel: ConsentChannel,
  consent: ChannelConsent,
  at: string,
): Contact {
  return { ...contact, consent: { ...contact.consent, [channel]: consent }, updatedAt: at };
}

/** Whether the whole channel is opted out (every marketing topic of it is off). */
export function channelOptedOut(contact: Contact, channel: ConsentChannel): boolean {
  return contact.consent[channel]?.channel?.status === 'opted_out';
}

/**
 * Whether the contact gets a topic, leaving the channel aside: its record when there is one, else
 * its mode (`opt_out` topics send until a no; `opt_in` ones need a yes).
 */
export function topicChosen(
  contact: Contact,
  channel: ConsentChannel,
  topic: string,
  mode: TopicMode,
): boolean {
  const status = contact.consent[channel]?.topics[topic]?.status;
  return status === undefined ? mode === 'opt_out' : status === 'opted_in';
}

/** Whether the contact gets a topic's messages: the channel is not opted out and the topic is chosen. */
export function topicSubscribed(
  contact: Contact,
  channel: ConsentChannel,
  topic: string,
  mode: TopicMode,
): boolean {
  return !channelOptedOut(contact, channel) && topicChosen(contact, channel, topic, mode);
}

/**
 * Opts the contact out of `topic`, or out of the whole channel. Already opted out: the contact is
 * returned as it is, so the first record (and its proof) stands.
 */
export function unsubscribe(contact: Contact, change: UnsubscribeChange): Contact {
  const current = channelConsent(contact, change.channel);
  const existing = change.topic ? current.topics[change.topic] : current.channel;
  if (existing?.status === 'opted_out') return contact;
  const optedOut = record('opted_out', change);
  const next: ChannelConsent = change.topic
    ? { ...current, topics: { ...current.topics, [change.topic]: optedOut } }
    : { ...current, channel: optedOut };
  return withChannelConsent(contact, change.channel, next, change.at);
}

/**
 * Applies the preference page's choices. Only topics whose state changes get a new record, so a
 * save that changes nothing keeps every earlier proof. Choosing any topic while the whole channel is
 * opted out opts the channel back in (the contact asked for that topic).
 */
export function setTopics(contact: Contact, change: TopicChoices): Contact {
  const current = channelConsent(contact, change.channel);
  const topics = { ...current.topics };
  let changed = false;
  for (const [topic, wanted] of Object.entries(change.choices)) {
    const mode = change.topicModes[topic] ?? 'opt_in';
    if (topicChosen(contact, change.channel, topic, mode) === wanted) continue;
    topics[topic] = record(wanted ? 'opted_in' : 'opted_out', change);
    changed = true;
  }
  let channel = current.channel;
  const wantsAny = Object.values(change.choices).some(Boolean);
  if (wantsAny && channelOptedOut(contact, change.channel)) {
    channel = record('opted_in', change);
    changed = true;
  }
  if (!changed) return contact;
  return withChannelConsent(
    contact,
    change.channel,
    { ...current, ...(channel ? { channel } : {}), topics },
    change.at,
  );
}

/**
 * Records a double opt-in: the contact followed the signed link of a confirmation message. Opts in
 * to `topic` (and the channel, if it was opted out), or to the whole channel. A record that already
 * is a double opt-in is kept: the first confirmation is the proof.
 */
export function confirmDoubleOptIn(contact: Contact, confirmation: DoubleOptInConfirmation): Contact {
  const current = channelConsent(contact, confirmation.channel);
  const provenance: ConsentProvenance = {
    at: confirmation.at,
    source: confirmation.source,
    proof: confirmation.reference
      ? { kind: 'double_opt_in', reference: confirmation.reference }
      : { kind: 'double_opt_in' },
  };
  const confirmed = (existing: ConsentRecord | undefined) =>
    existing?.status === 'opted_in' && existing.proof.kind === 'double_opt_in';
  const optedIn = record('opted_in', provenance);
  let next: ChannelConsent = current;
  if (confirmation.topic) {
    if (!confirmed(current.topics[confirmation.topic]))
      next = { ...next, topics: { ...next.topics, [confirmation.topic]: optedIn } };
    if (current.channel?.status === 'opted_out') next = { ...next, channel: optedIn };
  } else if (!confirmed(current.channel)) {
    next = { ...next, channel: optedIn };
  }
  if (next === current) return contact;
  return withChannelConsent(contact, confirmation.channel, next, confirmation.at);
}
