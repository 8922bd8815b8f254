/**
 * The contact profile: one per person, found by contactId, externalId or e-mail (identifiers), or
 * by a phone number only one contact gives. Plain data and pure functions; the repository in
 * functions/contacts stores it.
 */
import * as z from '#catalogue/zod.ts';
import { ProfileAggregates } from './profile-aggregates.ts';

const Primitive = z.union([z.string(), z.number(), z.boolean()]);

export const ConsentStatus = z.enum(['opted_in', 'opted_out', 'pending']);
export type ConsentStatus = z.infer<typeof ConsentStatus>;

/** One consent decision with where it came from, so it can be proven later. */
export const ConsentRecord = z.object({
  status: ConsentStatus,
  at: z.string(),
  source: z.string(),
  proof: z.object({ kind: z.string(), reference: z.optional(z.string()) }),
});
export type ConsentRecord = z.infer<typeof ConsentRecord>;

export const ChannelConsent = z.object({
  channel: z.optional(ConsentRecord),
  topics: z._default(z.record(z.string(), ConsentRecord), {}),
});
export type ChannelConsent = z.infer<typeof ChannelConsent>;

export const Suppression = z.object({ reason: z.string(), at: z.string(), detail: z.optional(z.string()) });
export type Suppression = z.infer<typeof Suppression>;

/** Behavioural aggregates kept on the profile so journeys and segments never query history. */
export const ContactStats = z.object({
  orderCount: z._default(z.number(), 0),
  totalSpent: z._default(z.number(), 0),
  firstOrderAt: z.optional(z.string()),
  lastOrderAt: z.optional(z.string()),
  lastEventAt: z.optional(z.string()),
  lastCartAt: z.optional(z.string()),
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
  externalId: z.optional(z.string()),
  email: z.optional(z.string()),
  phone: z.optional(z.string()),
  firstName: z.optional(z.string()),
  lastName: z.optional(z.string()),
  locale: z.optional(z.string()),
  timezone: z.optional(z.string()),
  country: z.optional(z.string()),
  birthday: z.optional(z.string()),
  signupSource: z.optional(z.string()),
  attributes: z._default(z.record(z.string(), Primitive), {}),
  tags: z._default(z.array(z.string()), []),
  /** Sales-owned fields: ingest never overwrites these once a rep has set them. */
  ownerId: z.optional(z.string()),
  accountId: z.optional(z.string()),
  stage: z.optional(z.string()),
  company: z.optional(z.string()),
  /** Fields a sales rep edited by hand; ingest leaves them alone. */
  lockedFields: z._default(z.array(z.string()), []),
  /** Per channel; `voice` is consent to automated calls (SMS keywords prove `sms` only). */
  consent: z._default(
    z.object({
      email: z.optional(ChannelConsent),
      sms: z.optional(ChannelConsent),
      voice: z.optional(ChannelConsent),
    }),
    {},
  ),
  /** A number found invalid is suppressed for SMS; a call that proves it invalid suppresses `voice`. */
  suppressed: z._default(
    z.object({
      email: z.optional(Suppression),
      sms: z.optional(Suppression),
      voice: z.optional(Suppression),
    }),
    {},
  ),
  stats: z._default(ContactStats, { orderCount: 0, totalSpent: 0 }),
  /** Bounded per-day behaviour (counts, order totals, engagement) that segments read. */
  aggregates: z._default(ProfileAggregates, () => ProfileAggregates.parse({})),
  /** The segments the contact is in, as last evaluated (entering or leaving one emits an event). */
  segments: z._default(z.array(z.string()), []),
  /** Entries and exits of the last few events, kept until announced (published again on a retry). */
  segmentChanges: z._default(
    z.array(z.object({ eventId: z.string(), entered: z.array(z.string()), exited: z.array(z.string()) })),
    [],
  ),
  /** Events whose identifiers named this contact and another one (the latest IDENTITY_CONFLICT_MEMORY). */
  identityConflicts: z._default(z.array(IdentityConflict), []),
  /** Set on a contact absorbed by `contact.merged`: the contact it now lives on. Nothing is sent to it. */
  mergedInto: z.optional(z.string()),
  /** The merge that absorbed this contact (`contactId` is the survivor). */
  mergedBy: z.optional(MergeRecord),
  /** Contacts absorbed into this one. */
  mergedFrom: z._default(z.array(MergeRecord), []),
  /**
   * Keys of the last events applied (an 8-byte digest of the event id, 11 characters: see
   * appliedEventKey in functions/contacts/profile-update.ts), so a redelivered event never counts twice.
   */
  appliedEventKeys: z._default(z.array(z.string()), []),
  version: z._default(z.int(), 0),
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
