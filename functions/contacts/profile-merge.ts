/**
 * How `contact.merged` combines two profiles of one person into the survivor's. Pure: the merge use
 * case (functions/ingest/merge-contacts.ts) reads both, applies this and writes conditionally.
 *
 * - The survivor's values win; an empty field takes the absorbed contact's (identity, profile and
 *   sales fields alike); fields either locked stay locked; tags and attributes are combined.
 * - Consent: per channel and per topic, the stricter decision is kept (opted_out over pending over
 *   opted_in; the later one when both say the same); a decision beats no decision.
 * - Suppression: a channel suppressed on either is suppressed.
 * - Stats and aggregates are added up (first dates the earlier, last dates the later).
 * - Conflicts between the two contacts are resolved by the merge and dropped; the others are kept.
 */
import type { ChannelConsent, ConsentRecord, Contact, MergeRecord } from '#catalogue/contact.ts';
import { IDENTITY_CONFLICT_MEMORY } from '#catalogue/contact.ts';
import { combineAggregates, earlierOf, laterOf } from '#catalogue/profile-aggregates.ts';
import { APPLIED_EVENT_MEMORY, appliedEventKey } from './profile-update.ts';

const FILLED_FIELDS = [
  'externalId',
  'email',
  'phone',
  'firstName',
  'lastName',
  'locale',
  'timezone',
  'country',
  'birthday',
  'signupSource',
  'ownerId',
  'accountId',
  'stage',
  'company',
] as const satisfies ReadonlyArray<keyof Contact>;

const STRICTNESS: Record<ConsentRecord['status'], number> = { opted_in: 1, pending: 2, opted_out: 3 };

/** The stricter of two consent decisions (the later one when equally strict). */
export function stricterConsent(
  a: ConsentRecord | undefined,
  b: ConsentRecord | undefined,
): ConsentRecord | undefined {
  if (!a) return b;
  if (!b) return a;
  const byStrictness = STRICTNESS[a.status] - STRICTNESS[b.status];
  if (byStrictness !== 0) return byStrictness > 0 ? a : b;
  return Date.parse(a.at) >= Date.parse(b.at) ? a : b;
}

function mergeChannel(
  a: ChannelConsent | undefined,
  b: ChannelConsent | undefined,
): ChannelConsent | undefined {
  if (!a) return b;
  if (!b) return a;
  const topics: Record<string, ConsentRecord> = {};
  for (const topic of new Set([...Object.keys(a.topics), ...Object.keys(b.topics)])) {
    const record = stricterConsent(a.topics[topic], b.topics[topic]);
    if (record) topics[topic] = record;
  }
  const channel = stricterConsent(a.channel, b.channel);
  return { ...(channel ? { channel } : {}), topics };
}

function defined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** The survivor with the absorbed contact combined into it, the merge recorded under its event id. */
export function mergeProfiles(
  survivor: Contact,
  absorbed: Contact,
  merge: Omit<MergeRecord, 'contactId'>,
  at: string,
): Contact {
  const next: Contact = { ...survivor };
  for (const field of FILLED_FIELDS) {
    if (next[field] === undefined && absorbed[field] !== undefined) next[field] = absorbed[field];
  }
  next.attributes = { ...absorbed.attributes, ...survivor.attributes };
  next.tags = [...new Set([...survivor.tags, ...absorbed.tags])];
  next.lockedFields = [...new Set([...survivor.lockedFields, ...absorbed.lockedFields])];

  const email = mergeChannel(survivor.consent.email, absorbed.consent.email);
  const sms = mergeChannel(survivor.consent.sms, absorbed.consent.sms);
  next.consent = { ...(email ? { email } : {}), ...(sms ? { sms } : {}) };
  const suppressedEmail = survivor.suppressed.email ?? absorbed.suppressed.email;
  const suppressedSms = survivor.suppressed.sms ?? absorbed.suppressed.sms;
  next.suppressed = {
    ...(suppressedEmail ? { email: suppressedEmail } : {}),
    ...(suppressedSms ? { sms: suppressedSms } : {}),
  };

  const a = survivor.stats;
  const b = absorbed.stats;
  next.stats = defined({
    orderCount: a.orderCount + b.orderCount,
    totalSpent: Math.round((a.totalSpent + b.totalSpent) * 100) / 100,
    firstOrderAt: earlierOf(a.firstOrderAt, b.firstOrderAt),
    lastOrderAt: laterOf(a.lastOrderAt, b.lastOrderAt),
    lastEventAt: laterOf(a.lastEventAt, b.lastEventAt),
    lastCartAt: laterOf(a.lastCartAt, b.lastCartAt),
  });
  next.aggregates = combineAggregates(survivor.aggregates, absorbed.aggregates);

  const between = (other: string) => other === survivor.contactId || other === absorbed.contactId;
  next.identityConflicts = [
    ...survivor.identityConflicts.filter((c) => !between(c.otherContactId)),
    ...absorbed.identityConflicts.filter((c) => !between(c.otherContactId)),
  ]
    .sort((x, y) => Date.parse(x.at) - Date.parse(y.at))
    .slice(-IDENTITY_CONFLICT_MEMORY);
  next.mergedFrom = [
    ...survivor.mergedFrom,
    ...absorbed.mergedFrom,
    { contactId: absorbed.contactId, ...merge },
  ];
  next.appliedEventKeys = [
    ...new Set([...absorbed.appliedEventKeys, ...survivor.appliedEventKeys, appliedEventKey(merge.eventId)]),
  ].slice(-APPLIED_EVENT_MEMORY);
  next.createdAt = earlierOf(survivor.createdAt, absorbed.createdAt) ?? survivor.createdAt;
  next.updatedAt = at;
  return next;
}

/** The absorbed contact, marked as living on in the survivor: in no segment, nothing sent to it. */
export function markAbsorbed(absorbed: Contact, merge: MergeRecord, at: string): Contact {
  return {
    ...absorbed,
    mergedInto: merge.contactId,
    mergedBy: merge,
    segments: [],
    appliedEventKeys: [...absorbed.appliedEventKeys, appliedEventKey(merge.eventId)].slice(
      -APPLIED_EVENT_MEMORY,
    ),
    updatedAt: at,
  };
}
