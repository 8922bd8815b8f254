/**
 * Identity resolution: which contact an event is about. The policy (principle 9, "identify, don't
 * guess"; README "Identity resolution"):
 *
 * - `contactId`, `externalId` (the producer's id for the person) and `email` identify: each names at
 *   most one contact (an identity item claimed once). A `phone` number only describes: a household
 *   or a switchboard shares it, so it is listed on every contact that gives it and never decides
 *   which contact an event joins while an identifier is present.
 * - The event goes to the contact its strongest identifier names: the `contactId` given (even a new
 *   one), else the contact the `externalId` names, else the one the `email` names. An identifier
 *   that names nothing yet is claimed for that contact. When none names a contact, a new contact is
 *   made, with a phone number given by other contacts too.
 * - A phone number alone finds a contact when exactly one contact gives it. When several do (a
 *   household, a switchboard), it is not guessed which of the identified people it is: the event goes
 *   to the number's unidentified contact (one made from the phone alone, with no e-mail or external
 *   id; the oldest if there are several), made for it when there is none, and the shared number is
 *   recorded as a conflict. When no contact gives it, a new contact is made. No event is refused for
 *   its phone (a lead that gave only a number must reach a rep).
 * - When an event's identifiers name two different contacts (an e-mail owned by another contact,
 *   or a phone number another contact also gives), nothing is merged or overwritten: the event is
 *   applied to the contact its strongest identifier names, the identifier stays with its owner, and
 *   the conflict is recorded on both contacts (`relance why` shows it). Merging is an explicit
 *   `contact.merged` event.
 */

import type { IdentityConflict } from '#catalogue/contact.ts';
import type { ContactRef } from '#catalogue/contact-ref.ts';
import type { ContactsRepository, IdentifierKind } from './contacts-repository.ts';

/** The identifiers, strongest first after contactId, with their identity item kind. */
const IDENTIFIERS = [
  { field: 'externalId', kind: 'EXTERNAL' },
  { field: 'email', kind: 'EMAIL' },
] as const satisfies ReadonlyArray<{ field: 'externalId' | 'email'; kind: IdentifierKind }>;

/** Conflicts noted per event and identifier at most (a number given by a whole switchboard). */
const MAX_CONFLICTS_PER_IDENTIFIER = 5;

/** A conflict found while resolving, before it is dated and recorded. */
export type ConflictNote = Pick<IdentityConflict, 'identifier' | 'value' | 'otherContactId' | 'reason'>;

export interface IdentityResolution {
  readonly contactId: string;
  /** What the profile may take from the event: the identifiers it owns, and the phone given. */
  readonly identity: Pick<ContactRef, 'externalId' | 'email' | 'phone'>;
  readonly conflicts: readonly ConflictNote[];
  /** Whether the contact already gives the phone number (its identity item lists it). */
  readonly phoneListed: boolean;
  /** Whether `contactId` was made for this event: no profile can exist for it yet. */
  readonly isNew: boolean;
}

/** Contacts read, at most, to find a number's unidentified contact among those who give it. */
const MAX_HOLDERS_READ = 10;

type ContactRefInput = {
  contactId?: string | undefined;
  externalId?: string | undefined;
  email?: string | undefined;
  phone?: string | undefined;
};

/** What the identity items say of a reference's identifiers and phone number, before anything is claimed. */
export interface IdentityLookup {
  /** The contact each identifier given names (undefined: none yet). */
  readonly owners: ReadonlyMap<IdentifierKind, string | undefined>;
  /** The contacts that give the phone number (empty without one). */
  readonly phoneHolders: readonly string[];
}

/**
 * Reads the identity items of a reference (its identifiers and phone number, all at once: they are
 * independent items). Reads only, so a caller may start it before it knows the event is new.
 */
export async function lookUpIdentity(
  contacts: ContactsRepository,
  ref: ContactRefInput,
): Promise<IdentityLookup> {
  const given = IDENTIFIERS.filter(({ field }) => ref[field]);
  const [found, phoneHolders] = await Promise.all([
    Promise.all(given.map(({ field, kind }) => contacts.findByIdentity(kind, ref[field] as string))),
    ref.phone ? contacts.phoneHolders(ref.phone) : [],
  ]);
  return { owners: new Map(given.map(({ kind }, i) => [kind, found[i]])), phoneHolders };
}

/**
 * The contact an event's `contact` reference names, or a new one; see the policy above. `lookup` is
 * the reference's identity items as `lookUpIdentity` read them (read here when not given).
 */
export async function resolveIdentity(
  contacts: ContactsRepository,
  ref: ContactRefInput,
  newContactId: () => string,
  lookup?: IdentityLookup,
): Promise<IdentityResolution> {
  const { owners, phoneHolders } = lookup ?? (await lookUpIdentity(contacts, ref));
  const hasIdentifier = Boolean(ref.contactId || ref.externalId || ref.email);

  let contactId = ref.contactId ?? owners.get('EXTERNAL') ?? owners.get('EMAIL');
  if (!contactId && !hasIdentifier) {
    contactId =
      phoneHolders.length === 1 ? phoneHolders[0] : await unidentifiedHolder(contacts, phoneHolders);
  }
  let isNew = false;
  if (!contactId) {
    contactId = newContactId();
    isNew = true;
  }

  const identity: { externalId?: string; email?: string; phone?: string } = {};
  const conflicts: ConflictNote[] = [];
  for (const { field: name, kind } of IDENTIFIERS) {
    const value = ref[name];
    if (!value) continue;
    let owner = owners.get(kind);
    if (owner === undefined) {
      owner = await contacts.claimIdentity(kind, value, contactId);
      // Lost a race to create the same person: join the winner, unless something is claimed already
      // or the producer named the contact.
      if (owner !== contactId && isNew && !ref.contactId && Object.keys(identity).length === 0) {
        contactId = owner;
        isNew = false;
      }
    }
    if (owner === contactId) identity[name] = value;
    else
      conflicts.push({
        identifier: name,
        value,
        otherContactId: owner,
        reason: 'identifier_owned_by_other_contact',
      });
  }
  if (ref.phone) {
    identity.phone = ref.phone;
    for (const other of phoneHolders
      .filter((id) => id !== contactId)
      .slice(0, MAX_CONFLICTS_PER_IDENTIFIER)) {
      conflicts.push({
        identifier: 'phone',
        value: ref.phone,
        otherContactId: other,
        reason: 'phone_shared',
      });
    }
  }
  return { contactId, identity, conflicts, phoneListed: phoneHolders.includes(contactId), isNew };
}

/** Among the contacts that give a number, the oldest one with no identifier (made from the phone alone). */
async function unidentifiedHolder(
  contacts: ContactsRepository,
  holders: readonly string[],
): Promise<string | undefined> {
  if (holders.length === 0) return undefined;
  const profiles = await Promise.all(holders.slice(0, MAX_HOLDERS_READ).map((id) => contacts.get(id)));
  const unidentified = profiles
    .filter((p) => p !== undefined && !p.email && !p.externalId && !p.mergedInto)
    .sort(
      (a, b) =>
        (a?.createdAt ?? '').localeCompare(b?.createdAt ?? '') ||
        (a?.contactId ?? '').localeCompare(b?.contactId ?? ''),
    );
  return unidentified[0]?.contactId;
}

/** The conflict records of a resolution, as both contacts keep them (from `appliedTo`'s side). */
export function conflictRecords(
  notes: readonly ConflictNote[],
  event: { readonly eventId: string; readonly type: string },
  appliedTo: string,
  at: string,
): IdentityConflict[] {
  return notes.map((note) => ({
    ...note,
    at,
    eventId: event.eventId,
    eventType: event.type,
    appliedTo,
  }));
}

/** The same conflict as the other contact records it (naming the contact the event went to). */
export function mirrored(conflict: IdentityConflict): IdentityConflict {
  return { ...conflict, otherContactId: conflict.appliedTo };
}
