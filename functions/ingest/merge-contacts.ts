/**
 * `contact.merged`: the absorbed contact is merged into the survivor. No transactions, so the
 * writes are ordered for a retry (the event is redelivered until its dedupe marker is written) to
 * finish what a crash left, every step idempotent by the event id:
 *
 * 1. the absorbed contact is marked `mergedInto` the survivor (and leaves its segments): from then
 *    on its events go to the survivor, its journey runs end (reason `merged`) at their next step,
 *    and nothing is sent to it;
 * 2. the survivor takes the combined profile (profile-merge.ts), its segments evaluated again;
 * 3. the absorbed contact's history is copied under the survivor;
 * 4. its identity items (e-mail, external id, phone) are re-pointed to the survivor.
 */
import type { Contact, MergeRecord } from '#catalogue/contact.ts';
import type { ContactMerged } from '#catalogue/contact-merged.ts';
import type { EventFieldError } from '#catalogue/parse-event.ts';
import type { SegmentDefinition } from '#language/segments.ts';
import { now, nowIso } from '#platform/clock.ts';
import { type ContactsRepository, updateContact } from '../contacts/contacts-repository.ts';
import type { EventsRepository } from '../contacts/events-repository.ts';
import { type HistoryRetention, retentionDaysOf } from '../contacts/history-retention.ts';
import { markAbsorbed, mergeProfiles } from '../contacts/profile-merge.ts';
import { withMembership } from '../segments/realtime.ts';

export interface MergeDeps {
  readonly contacts: ContactsRepository;
  readonly events: EventsRepository;
  readonly segments: readonly SegmentDefinition[];
  readonly defaultTimezone: string;
  /** How long each moved history item is kept, by its type. */
  readonly historyRetention: HistoryRetention;
}

export type MergeResult =
  | { readonly ok: true; readonly survivor: Contact; readonly absorbedId: string }
  | { readonly ok: false; readonly errors: EventFieldError[] };

type Ref = ContactMerged['contact'];

/** Hops followed along `mergedInto` before giving up (a chain of merges). */
const MAX_MERGE_HOPS = 5;

/** The contact a reference names, without creating one: by id (following merges), external id, e-mail, or a phone one contact gives. */
async function existingContact(
  contacts: ContactsRepository,
  ref: Ref,
  follow: boolean,
): Promise<Contact | undefined> {
  const id =
    ref.contactId ??
    (ref.externalId ? await contacts.findByIdentity('EXTERNAL', ref.externalId) : undefined) ??
    (ref.email ? await contacts.findByIdentity('EMAIL', ref.email) : undefined) ??
    (ref.phone && !ref.externalId && !ref.email
      ? await contacts
          .phoneHolders(ref.phone)
          .then((holders) => (holders.length === 1 ? holders[0] : undefined))
      : undefined);
  let contact = id ? await contacts.get(id) : undefined;
  for (let hop = 0; follow && contact?.mergedInto && hop < MAX_MERGE_HOPS; hop++) {
    contact = await contacts.get(contact.mergedInto);
  }
  return contact;
}

const refused = (field: string, message: string): MergeResult => ({
  ok: false,
  errors: [{ field: `detail.${field}`, message }],
});

/** Merges the absorbed contact into the survivor (see the steps above). */
export async function mergeContacts(deps: MergeDeps, detail: ContactMerged): Promise<MergeResult> {
  const { eventId } = detail;
  const survivorFound = await existingContact(deps.contacts, detail.contact, true);
  if (!survivorFound) return refused('contact', 'names no contact');
  const survivorId = survivorFound.contactId;
  let absorbed = await existingContact(deps.contacts, detail.absorbed, false);
  if (absorbed?.contactId === survivorId) {
    // A retry after the absorbed identifiers were re-pointed: the survivor remembers whom it absorbed.
    const earlier = survivorFound.mergedFrom.find((m) => m.eventId === eventId);
    if (!earlier) return refused('absorbed', 'names the same contact as contact');
    absorbed = await deps.contacts.get(earlier.contactId);
  }
  if (!absorbed) return refused('absorbed', 'names no contact');
  if (absorbed.mergedInto && absorbed.mergedBy?.eventId !== eventId) {
    return absorbed.mergedInto === survivorId
      ? { ok: true, survivor: survivorFound, absorbedId: absorbed.contactId }
      : refused('absorbed', `was already merged into another contact (${absorbed.mergedInto})`);
  }
  const absorbedId = absorbed.contactId;
  const at = nowIso();
  const record: MergeRecord = {
    contactId: survivorId,
    eventId,
    at: detail.occurredAt,
    reason: detail.reason,
  };

  // 1. Freeze the absorbed contact: later events, runs and sends go to the survivor or stop.
  const marked = await updateContact(deps.contacts, absorbedId, (current) =>
    current.mergedInto ? undefined : markAbsorbed(current, record, at),
  );
  const frozen = marked?.contact ?? absorbed;

  // 2. The survivor takes the combined profile, its segments evaluated again.
  const updated = await updateContact(deps.contacts, survivorId, (current) => {
    if (current.mergedFrom.some((m) => m.eventId === eventId)) return undefined;
    const merged = mergeProfiles(
      current,
      frozen,
      { eventId, at: detail.occurredAt, reason: detail.reason },
      at,
    );
    return withMembership(deps.segments, current, merged, { type: 'contact.merged', eventId }, now(), {
      defaultTimezone: deps.defaultTimezone,
      all: true,
    });
  });
  const survivor = updated?.contact ?? survivorFound;

  // 3. History: the absorbed contact's events under the survivor (same keys: a retry rewrites them).
  for await (const page of deps.events.history(absorbedId)) {
    for (const entry of page) {
      await deps.events.append(survivorId, entry, retentionDaysOf(deps.historyRetention, entry.type), now());
    }
  }

  // 4. Identifiers and the phone number now find the survivor.
  if (frozen.email) await deps.contacts.repointIdentity('EMAIL', frozen.email, absorbedId, survivorId);
  if (frozen.externalId)
    await deps.contacts.repointIdentity('EXTERNAL', frozen.externalId, absorbedId, survivorId);
  if (frozen.phone) await deps.contacts.repointIdentity('PHONE', frozen.phone, absorbedId, survivorId);
  return { ok: true, survivor, absorbedId };
}
