/**
 * Ingest: validate an event, dedupe it by id, bring the contact up to date (identity, profile,
 * aggregates, history), update product state, and only then re-publish it as accepted. Journeys
 * listen to accepted events only, so a journey always sees the contact as the event left it.
 */

import { createHash } from 'node:crypto';
import type { Contact, IdentityConflict } from '#catalogue/contact.ts';
import { hasContact } from '#catalogue/event-types.ts';
import { type EventFieldError, type ParsedEvent, parseEvent } from '#catalogue/parse-event.ts';
import type { SegmentDefinition } from '#language/segments.ts';
import { now, nowIso } from '#platform/clock.ts';
import { ACCEPTED_SOURCE } from '#platform/env-names.ts';
import type { BusEvent } from '#platform/event-publisher.ts';
import { type ContactsRepository, updateContact } from '../contacts/contacts-repository.ts';
import type { EventsRepository } from '../contacts/events-repository.ts';
import { type HistoryRetention, retentionDaysOf } from '../contacts/history-retention.ts';
import { conflictRecords, lookUpIdentity, mirrored, resolveIdentity } from '../contacts/identity.ts';
import { applyEvent, newContact, withIdentityConflicts } from '../contacts/profile-update.ts';
import type { ProductsRepository } from '../products/products-repository.ts';
import { withMembership } from '../segments/realtime.ts';
import { mergeContacts } from './merge-contacts.ts';

export interface Rejection {
  readonly detailType: string;
  readonly source: string;
  readonly detail: unknown;
  readonly errors: EventFieldError[];
  readonly rejectedAt: string;
}

export interface IngestDeps {
  readonly contacts: ContactsRepository;
  readonly events: EventsRepository;
  readonly products: ProductsRepository;
  readonly publish: (events: BusEvent[]) => Promise<unknown>;
  readonly reject: (rejection: Rejection) => Promise<void>;
  readonly newContactId: () => string;
  /** How long each history item is kept, by its event type. */
  readonly historyRetention: HistoryRetention;
  /** The deployed segments: membership is kept up to date on each profile change. */
  readonly segments: readonly SegmentDefinition[];
  /** The zone of contacts without one (birthdays are in local dates). */
  readonly defaultTimezone: string;
  /**
   * The accepted event types re-published on the bus: those some rule matches (each published
   * event is billed). Every type when not given.
   */
  readonly publishedTypes?: ReadonlySet<string>;
}

export interface IncomingEvent {
  readonly detailType: string;
  readonly source: string;
  readonly detail: unknown;
}

export type IngestResult =
  | { readonly status: 'accepted'; readonly eventId: string; readonly contactId?: string }
  | { readonly status: 'duplicate'; readonly eventId: string }
  | { readonly status: 'rejected'; readonly errors: EventFieldError[] };

/** Hops followed when the contact an event names was merged into another (a chain of merges). */
const MAX_MERGE_HOPS = 3;

/**
 * Applies an event to a profile with optimistic concurrency, retrying when someone wrote in between,
 * and records the identity conflicts the event carried. A contact merged into another is left as
 * it is (the caller follows `mergedInto`).
 */
async function updateProfile(
  contacts: ContactsRepository,
  contactId: string,
  event: ParsedEvent,
  conflicts: readonly IdentityConflict[],
  segments: readonly SegmentDefinition[],
  defaultTimezone: string,
  isNew: boolean,
): Promise<Contact> {
  const { contact } = await updateContact(
    contacts,
    contactId,
    (base, isNew) => {
      if (base.mergedInto) return undefined;
      const at = nowIso();
      const updated = applyEvent(base, event, at);
      // A known event id changes nothing, its conflicts included (they were recorded with it).
      const applied =
        updated === base
          ? base
          : (withIdentityConflicts(
              updated,
              conflicts.map((c) => ({ ...c, appliedTo: contactId })),
              at,
            ) ?? updated);
      if (applied === base && !isNew) return undefined;
      return withMembership(
        segments,
        base,
        applied,
        { type: event.type, eventId: event.detail.eventId },
        now(),
        {
          defaultTimezone,
        },
      );
    },
    { create: () => newContact(contactId, nowIso()), knownMissing: isNew },
  );
  return contact;
}

/** Records a conflict on the other contact it names (once per identifier and contact). */
async function recordOnOther(contacts: ContactsRepository, conflict: IdentityConflict): Promise<void> {
  await updateContact(contacts, conflict.otherContactId, (other) =>
    other.mergedInto ? undefined : withIdentityConflicts(other, [mirrored(conflict)], nowIso()),
  );
}

async function updateProducts(
  deps: IngestDeps,
  event: ParsedEvent,
  contactId: string | undefined,
): Promise<void> {
  switch (event.type) {
    case 'product.stock_changed':
      await deps.products.setStock(
        event.detail.sku,
        event.detail.newQuantity,
        event.detail.occurredAt,
        event.detail.eventId,
      );
      return;
    case 'product.price_changed':
      await deps.products.setPrice(event.detail.sku, {
        price: event.detail.newPrice,
        currency: event.detail.currency,
        updatedAt: event.detail.occurredAt,
        eventId: event.detail.eventId,
      });
      return;
    case 'product.waitlisted':
      if (!contactId) return;
      await deps.products.addToWaitlist(event.detail.sku, contactId, event.detail.occurredAt);
      await deps.products.noteInterest(
        event.detail.sku,
        contactId,
        event.detail.occurredAt,
        'waitlisted',
        now(),
      );
      return;
    case 'cart.updated': {
      // The latest content of the cart, which reminders render at send time.
      const { cartId, items, value, currency, cartUrl, occurredAt, eventId } = event.detail;
      await deps.products.saveCart(
        { cartId, items, value, currency, ...(cartUrl ? { cartUrl } : {}), updatedAt: occurredAt, eventId },
        now(),
      );
      if (!contactId) return;
      // One interest per SKU (a cart may list one twice): independent items, written together.
      const skus = new Set(event.detail.items.map((item) => item.sku));
      await Promise.all(
        [...skus].map((sku) =>
          deps.products.noteInterest(sku, contactId, event.detail.occurredAt, 'carted', now()),
        ),
      );
      return;
    }
    default:
      return;
  }
}

/** Zones this container has put in the registry already (see ContactsRepository.zonesInUse). */
const zonesNoted = new Set<string>();

/** Source of segment.entered / segment.exited; ingest accepts them like any producer's. */
export const SEGMENTS_SOURCE = 'relance.segments';

/** The segment events of the profile change an event made (recorded on the profile under its id). */
function segmentChangeEvents(profile: Contact, eventId: string, occurredAt: string): BusEvent[] {
  const change = profile.segmentChanges.find((c) => c.eventId === eventId);
  if (!change) return [];
  const event = (segment: string, kind: 'entered' | 'exited'): BusEvent => ({
    source: SEGMENTS_SOURCE,
    detailType: `segment.${kind}`,
    detail: {
      eventId: `seg-${createHash('sha256').update(`${eventId}#${segment}#${kind}`).digest('base64url').slice(0, 24)}`,
      occurredAt,
      source: SEGMENTS_SOURCE,
      contact: { contactId: profile.contactId },
      segment,
      causedBy: eventId,
    },
  });
  return [
    ...change.entered.map((segment) => event(segment, 'entered')),
    ...change.exited.map((segment) => event(segment, 'exited')),
  ];
}

/** Ingests one event. Never throws for bad input (it is rejected with the reasons); throws on faults so the caller retries. */
export async function ingestEvent(deps: IngestDeps, incoming: IncomingEvent): Promise<IngestResult> {
  const parsed = await parseEvent(incoming.detailType, incoming.detail);
  if (!parsed.ok) {
    await deps.reject({ ...incoming, errors: parsed.errors, rejectedAt: nowIso() });
    return { status: 'rejected', errors: parsed.errors };
  }
  const { eventId } = parsed.detail;
  const contactRef =
    parsed.type !== 'contact.merged' && hasContact(parsed.type) && 'contact' in parsed.detail
      ? parsed.detail.contact
      : undefined;
  // The contact's identity items are read while the event's dedupe marker is (reads only: nothing
  // is claimed for an event already processed).
  const [processed, lookup] = await Promise.all([
    deps.events.wasProcessed(eventId),
    contactRef ? lookUpIdentity(deps.contacts, contactRef) : undefined,
  ]);
  if (processed) return { status: 'duplicate', eventId };

  let contactId: string | undefined;
  let segmentEvents: BusEvent[] = [];
  let acceptedDetail: Record<string, unknown> = { ...parsed.detail };
  if (parsed.type === 'contact.merged') {
    const merged = await mergeContacts(deps, parsed.detail);
    if (!merged.ok) {
      await deps.reject({ ...incoming, errors: merged.errors, rejectedAt: nowIso() });
      return { status: 'rejected', errors: merged.errors };
    }
    contactId = merged.survivor.contactId;
    segmentEvents = segmentChangeEvents(merged.survivor, eventId, parsed.detail.occurredAt);
    acceptedDetail = {
      ...acceptedDetail,
      contact: { ...parsed.detail.contact, contactId },
      absorbed: { ...parsed.detail.absorbed, contactId: merged.absorbedId },
    };
    await deps.events.append(
      contactId,
      { type: parsed.type, eventId, occurredAt: parsed.detail.occurredAt, detail: acceptedDetail },
      retentionDaysOf(deps.historyRetention, parsed.type),
      now(),
    );
  } else if (contactRef) {
    const resolution = await resolveIdentity(deps.contacts, contactRef, deps.newContactId, lookup);
    contactId = resolution.contactId;
    const event = {
      ...parsed,
      detail: { ...parsed.detail, contact: { ...resolution.identity } },
    } as ParsedEvent;
    const conflicts = conflictRecords(
      resolution.conflicts,
      { eventId, type: parsed.type },
      contactId,
      nowIso(),
    );
    const applyTo = (id: string, isNew = false) =>
      updateProfile(deps.contacts, id, event, conflicts, deps.segments, deps.defaultTimezone, isNew);
    // A contact made for this event has no profile to read.
    let profile = await applyTo(contactId, resolution.isNew);
    // The contact was merged into another: the event belongs to the survivor.
    for (let hop = 0; profile.mergedInto && hop < MAX_MERGE_HOPS; hop++) {
      contactId = profile.mergedInto;
      profile = await applyTo(contactId);
    }
    const survivorId = contactId;
    const phone = resolution.identity.phone;
    const zone = profile.timezone && !zonesNoted.has(profile.timezone) ? profile.timezone : undefined;
    // Once the profile is written, the rest are independent items: written together, each idempotent
    // (a retry after one failed writes them all again).
    await Promise.all([
      ...conflicts.map((conflict) => recordOnOther(deps.contacts, { ...conflict, appliedTo: survivorId })),
      phone && profile.phone === phone && !(resolution.phoneListed && survivorId === resolution.contactId)
        ? deps.contacts.addPhoneHolder(phone, survivorId)
        : undefined,
      zone ? deps.contacts.noteZone(zone).then(() => zonesNoted.add(zone)) : undefined,
      deps.events.append(
        survivorId,
        { type: parsed.type, eventId, occurredAt: parsed.detail.occurredAt, detail: acceptedDetail },
        retentionDaysOf(deps.historyRetention, parsed.type),
        now(),
      ),
      updateProducts(deps, parsed, survivorId),
    ]);
    segmentEvents = segmentChangeEvents(profile, eventId, parsed.detail.occurredAt);
    acceptedDetail = { ...acceptedDetail, contact: { ...contactRef, contactId } };
  } else {
    await updateProducts(deps, parsed, contactId);
  }
  if (deps.publishedTypes?.has(parsed.type) ?? true)
    await deps.publish([{ source: ACCEPTED_SOURCE, detailType: parsed.type, detail: acceptedDetail }]);
  // Entries and exits go through ingest like any event (history, then journeys); a retry of this
  // event publishes them again with the same ids, so none is lost and none counts twice.
  for (let start = 0; start < segmentEvents.length; start += 10) {
    await deps.publish(segmentEvents.slice(start, start + 10));
  }
  await deps.events.markProcessed(eventId, parsed.type, now());
  return { status: 'accepted', eventId, ...(contactId ? { contactId } : {}) };
}
