/**
 * The contact profile: one per person, found by contactId, externalId or e-mail (identifiers), or
 * by a phone number only one contact gives. Plain data and pure functions; the repository in
 * functions/contacts stores it.
 */
import * as z from 'zod';
import { ProfileAggregates } from './profile-aggregates.ts';

const Primitive = z.union([z.string(), z.number(), z.boolean()]);

export const ConsentStatus = z.enum(['opted_in', 'opted_out', 'pending']);
export type ConsentStatus = z.infer<typeof ConsentStatus>;

/** One consent decision with where it came from, so it can be proven later. */
export const ConsentRecord = z.object({
  status: ConsentStatus,
  at: z.string(),
  source: z.string(),
  proof: z.object({ kind: z.string(), reference: z.string().optional() }),
});
export type ConsentRecord = z.infer<typeof ConsentRecord>;

export const ChannelConsent = z.object({
  channel: ConsentRecord.optional(),
  topics: z.record(z.string(), ConsentRecord).default({}),
});
export type ChannelConsent = z.infer<typeof ChannelConsent>;

export const Suppression = z.object({ reason: z.string(), at: z.string(), detail: z.string().optional() });
export type Suppression = z.infer<typeof Suppression>;

/** Behavioural aggregates kept on the profile so journeys and segments never query history. */
export const ContactStats = z.object({
  orderCount: z.number().default(0),
  totalSpent: z.number().default(0),
  firstOrderAt: z.string().optional(),
  lastOrderAt: z.string().optional(),
  lastEventAt: z.string().optional(),
  lastCartAt: z.string().optional(),
});
export type ContactStats = z.infer<typeof ContactStats>;

/** Conflicts kept per profile (the latest ones). */
export const IDENTITY_CONFLICT_MEMORY = 20;

/**
 * An event whose identifiers named two different contacts: it was applied to the contact its
 * primary identifier named, nothing was merged or overwritten, and both contacts keep this record.
 */
export const IdentityConflict = z.object({
  at: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  /** The identifier that names the other contact (a phone number: both give it). */
  identifier: z.enum(['email', 'externalId', 'phone']),
  value: z.string(),
  otherContactId: z.string(),
  /** The contact the event was applied to. */
  appliedTo: z.string(),
  reason: z.enum(['identifier_owned_by_other_contact', 'phone_shared']),
});
export type IdentityConflict = z.infer<typeof IdentityConflict>;

/** A contact absorbed into this one by a `contact.merged` event. */
export const MergeRecord = z.object({
  contactId: z.string(),
  eventId: z.string(),
  at: z.string(),
  reason: z.string(),
});
export type MergeRecord = z.infer<typeof MergeRecord>;

export const Contact = z.object({
  contactId: z.string(),
  /** The producer's own id for the person (shop customer id, CRM id): an identifier like e-mail. */
  externalId: z.string().optional(),
  email: z.string().optional(),
  phone: z.string().optional(),
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  locale: z.string().optional(),
  timezone: z.string().optional(),
  country: z.string().optional(),
  birthday: z.string().optional(),
  signupSource: z.string().optional(),
  attributes: z.record(z.string(), Primitive).default({}),
  tags: z.array(z.string()).default([]),
  /** Sales-owned fields: ingest never overwrites these once a rep has set them. */
  ownerId: z.string().optional(),
  accountId: z.string().optional(),
  stage: z.string().optional(),
  company: z.string().optional(),
  /** Fields a sales rep edited by hand; ingest leaves them alone. */
  lockedFields: z.array(z.string()).default([]),
  /** Per channel; `voice` is consent to automated calls (SMS keywords prove `sms` only). */
  consent: z
    .object({
      email: ChannelConsent.optional(),
      sms: ChannelConsent.optional(),
      voice: ChannelConsent.optional(),
    })
    .default({}),
  /** A number found invalid is suppressed for SMS; a call that proves it invalid suppresses `voice`. */
  suppressed: z
    .object({ email: Suppression.optional(), sms: Suppression.optional(), voice: Suppression.optional() })
    .default({}),
  stats: ContactStats.default({ orderCount: 0, totalSpent: 0 }),
  /** Bounded per-day behaviour (counts, order totals, engagement) that segments read. */
  aggregates: ProfileAggregates.default(() => ProfileAggregates.parse({})),
  /** The segments the contact is in, as last evaluated (entering or leaving one emits an event). */
  segments: z.array(z.string()).default([]),
  /** Entries and exits of the last few events, kept until announced (published again on a retry). */
  segmentChanges: z
    .array(z.object({ eventId: z.string(), entered: z.array(z.string()), exited: z.array(z.string()) }))
    .default([]),
  /** Events whose identifiers named this contact and another one (the latest IDENTITY_CONFLICT_MEMORY). */
  identityConflicts: z.array(IdentityConflict).default([]),
  /** Set on a contact absorbed by `contact.merged`: the contact it now lives on. Nothing is sent to it. */
  mergedInto: z.string().optional(),
  /** The merge that absorbed this contact (`contactId` is the survivor). */
  mergedBy: MergeRecord.optional(),
  /** Contacts absorbed into this one. */
  mergedFrom: z.array(MergeRecord).default([]),
  /**
   * Keys of the last events applied (an 8-byte digest of the event id, 11 characters: see
   * appliedEventKey in functions/contacts/profile-update.ts), so a redelivered event never counts twice.
   */
  appliedEventKeys: z.array(z.string()).default([]),
  version: z.number().int().default(0),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Contact = z.infer<typeof Contact>;

/** Fields a sales rep maintains; ingest only fills them when empty. */
export const SALES_MAINTAINED_FIELDS = ['ownerId', 'accountId', 'stage', 'company'] as const;

/** Profile fields a journey branch or template may read as `contact.<field>`. */
export const CONTACT_FIELDS: ReadonlySet<string> = new Set([
  'contactId',
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
  'stats.orderCount',
  'stats.totalSpent',
  'stats.firstOrderAt',
  'stats.lastOrderAt',
  'stats.lastEventAt',
  'stats.lastCartAt',
]);

/** Open-ended profile maps: any key under these prefixes is allowed (`contact.attributes.plan`). */
export const CONTACT_OPEN_PREFIXES = ['attributes.', 'tags.'] as const;

/** Whether `path` (without the `contact.` prefix) names something a contact profile can hold. */
export function isContactField(path: string): boolean {
  if (CONTACT_FIELDS.has(path)) return true;
  if (path === 'stats' || path === 'attributes' || path === 'tags') return true;
  return CONTACT_OPEN_PREFIXES.some((prefix) => path.startsWith(prefix) && path.length > prefix.length);
}

/**
 * The view of a contact that journeys branch on and templates render: tags become a set-like
 * object so a Choice state can test `$.ctx.contact.tags.vip`, and bookkeeping fields are left out.
 */
export function contactView(contact: Contact): Record<string, unknown> {
  const {
    appliedEventKeys: _applied,
    lockedFields: _locked,
    version: _version,
    identityConflicts: _conflicts,
    mergedFrom: _mergedFrom,
    tags,
    ...rest
  } = contact;
  return { ...rest, tags: Object.fromEntries(tags.map((tag) => [tag, true])) };
}

/** The contact behind a view (the inverse of contactView), when it came from a valid profile. */
export function contactFromView(view: Record<string, unknown>): Contact | undefined {
  const tags = Object.entries((view.tags ?? {}) as Record<string, unknown>)
    .filter(([, on]) => on === true)
    .map(([tag]) => tag);
  const parsed = Contact.safeParse({ ...view, tags });
  return parsed.success ? parsed.data : undefined;
}
