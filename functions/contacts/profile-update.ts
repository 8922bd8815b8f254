/**
 * How an accepted event changes a contact's profile. Pure: the ingest use case reads the profile,
 * applies the event here and writes it back conditionally on its version.
 */

import { createHash } from 'node:crypto';
import {
  type ConsentRecord,
  type Contact,
  IDENTITY_CONFLICT_MEMORY,
  type IdentityConflict,
  SALES_MAINTAINED_FIELDS,
} from '#catalogue/contact.ts';
import type { ParsedEvent } from '#catalogue/parse-event.ts';
import { applyEvent as applyAggregates, ProfileAggregates } from '#catalogue/profile-aggregates.ts';

/** How many applied events a profile remembers to make redelivery harmless. */
export const APPLIED_EVENT_MEMORY = 50;

/**
 * What a profile remembers of an applied event: the first 8 bytes of its id's SHA-256, base64url
 * (11 characters, against 30-40 for a producer's id). Every event a profile is written for rewrites
 * the whole item, so the 50 it remembers cost 0.6 KB instead of 1.5-2 KB on each of them; a false
 * match needs a 64-bit collision among 50.
 */
export function appliedEventKey(eventId: string): string {
  return createHash('sha256').update(eventId).digest().subarray(0, 8).toString('base64url');
}

type Profile = Partial<
  Pick<
    Contact,
    | 'firstName'
    | 'lastName'
    | 'locale'
    | 'timezone'
    | 'country'
    | 'birthday'
    | 'signupSource'
    | 'company'
    | 'ownerId'
    | 'accountId'
    | 'stage'
  >
>;

/** A new, empty profile for a contact id. */
export function newContact(contactId: string, at: string): Contact {
  return {
    contactId,
    attributes: {},
    tags: [],
    lockedFields: [],
    consent: {},
    suppressed: {},
    stats: { orderCount: 0, totalSpent: 0 },
    aggregates: ProfileAggregates.parse({}),
    segments: [],
    segmentChanges: [],
    identityConflicts: [],
    mergedFrom: [],
    appliedEventKeys: [],
    version: 0,
    createdAt: at,
    updatedAt: at,
  };
}

/** Sets profile fields, leaving alone fields a rep locked and sales-maintained fields already set. */
function setFields(contact: Contact, fields: Profile): Contact {
  const next: Contact = { ...contact };
  for (const [key, value] of Object.entries(fields) as Array<[keyof Profile, string | undefined]>) {
    if (value === undefined) continue;
    if (contact.lockedFields.includes(key)) continue;
    const salesOwned = (SALES_MAINTAINED_FIELDS as readonly string[]).includes(key);
    if (salesOwned && contact[key] !== undefined) continue;
    next[key] = value;
  }
  return next;
}

/** The later of two timestamps as instants (producers send any offset, so text order is wrong). */
function later(a: string | undefined, b: string): string {
  return a !== undefined && Date.parse(a) >= Date.parse(b) ? a : b;
}

/** The earlier of two timestamps as instants. */
function earlier(a: string | undefined, b: string): string {
  return a !== undefined && Date.parse(a) <= Date.parse(b) ? a : b;
}

function consentFrom(event: Extract<ParsedEvent, { type: 'consent.changed' }>['detail']): ConsentRecord {
  return {
    status: event.status,
    at: event.occurredAt,
    source: event.source,
    proof: event.proof.reference
      ? { kind: event.proof.kind, reference: event.proof.reference }
      : { kind: event.proof.kind },
  };
}

/**
 * The profile after an event. An event already applied (same eventId) changes nothing, so an
 * at-least-once delivery counts orders once. Identity fields are filled when empty, never replaced:
 * one contact per e-mail stays true.
 */
export function applyEvent(contact: Contact, event: ParsedEvent, at: string): Contact {
  const { detail } = event;
  const key = appliedEventKey(detail.eventId);
  if (contact.appliedEventKeys.includes(key)) return contact;
  let next: Contact = { ...contact, stats: { ...contact.stats } };

  if ('contact' in detail && detail.contact) {
    if ('externalId' in detail.contact && detail.contact.externalId && !next.externalId)
      next.externalId = detail.contact.externalId;
    if (detail.contact.email && !next.email) next.email = detail.contact.email;
    if (detail.contact.phone && !next.phone) next.phone = detail.contact.phone;
  }
  switch (event.type) {
    case 'contact.signed_up':
    case 'contact.updated': {
      const d = event.detail;
      next = setFields(next, {
        firstName: d.firstName,
        lastName: d.lastName,
        locale: d.locale,
        timezone: d.timezone,
        country: d.country,
        birthday: d.birthday,
        ...('signupSource' in d ? { signupSource: d.signupSource } : {}),
        ...('ownerId' in d
          ? { ownerId: d.ownerId, accountId: d.accountId, company: d.company, stage: d.stage }
          : {}),
      });
      if (d.attributes) {
        const unlocked = Object.entries(d.attributes).filter(
          ([k]) => !next.lockedFields.includes(`attributes.${k}`),
        );
        next.attributes = { ...next.attributes, ...Object.fromEntries(unlocked) };
      }
      if ('tags' in d && d.tags) {
        const tags = new Set(next.tags);
        for (const tag of d.tags.add ?? []) tags.add(tag);
        for (const tag of d.tags.remove ?? []) tags.delete(tag);
        next.tags = [...tags];
      }
      break;
    }
    case 'consent.changed': {
      const d = event.detail;
      const channel = next.consent[d.channel] ?? { topics: {} };
      const record = consentFrom(d);
      next.consent = {
        ...next.consent,
        [d.channel]: d.topic
          ? { ...channel, topics: { ...channel.topics, [d.topic]: record } }
          : { ...channel, channel: record },
      };
      break;
    }
    case 'cart.updated':
      next.stats.lastCartAt = later(next.stats.lastCartAt, event.detail.occurredAt);
      break;
    case 'order.completed': {
      const d = event.detail;
      next.stats.orderCount += 1;
      next.stats.totalSpent = Math.round((next.stats.totalSpent + d.total) * 100) / 100;
      next.stats.lastOrderAt = later(next.stats.lastOrderAt, d.occurredAt);
      next.stats.firstOrderAt = earlier(next.stats.firstOrderAt, d.occurredAt);
      break;
    }
    case 'lead.submitted': {
      const d = event.detail;
      next = setFields(next, {
        firstName: d.firstName,
        lastName: d.lastName,
        country: d.country,
        company: d.company,
        timezone: next.timezone ? undefined : d.timezone,
      });
      // A ticked box is an opt-in proven by the form; an unticked one changes nothing.
      for (const channel of ['email', 'sms'] as const) {
        if (d.consent?.[channel] !== true) continue;
        const current = next.consent[channel] ?? { topics: {} };
        const record: ConsentRecord = {
          status: 'opted_in',
          at: d.occurredAt,
          source: d.source,
          proof: { kind: 'form', reference: d.formId ?? d.leadId },
        };
        next.consent = { ...next.consent, [channel]: { ...current, channel: record } };
      }
      break;
    }
    default:
      break;
  }
  next.stats.lastEventAt = later(next.stats.lastEventAt, detail.occurredAt);
  next.aggregates = applyAggregates(
    next.aggregates,
    { type: event.type, at: detail.occurredAt, detail },
    { nowMs: Date.parse(at) },
  );
  next.appliedEventKeys = [...next.appliedEventKeys, key].slice(-APPLIED_EVENT_MEMORY);
  next.updatedAt = at;
  return next;
}

/** Whether two conflict records are about the same identifier and the same other contact. */
function sameConflict(a: IdentityConflict, b: IdentityConflict): boolean {
  return a.identifier === b.identifier && a.value === b.value && a.otherContactId === b.otherContactId;
}

/**
 * The profile with identity conflicts recorded (the latest IDENTITY_CONFLICT_MEMORY); one already
 * recorded for the same identifier and other contact is kept as it is, so a retried or repeated
 * event adds nothing. Undefined when nothing is new.
 */
export function withIdentityConflicts(
  contact: Contact,
  conflicts: readonly IdentityConflict[],
  at: string,
): Contact | undefined {
  const fresh = conflicts.filter(
    (c) =>
      c.otherContactId !== contact.contactId &&
      !contact.identityConflicts.some((known) => sameConflict(known, c)),
  );
  if (fresh.length === 0) return undefined;
  return {
    ...contact,
    identityConflicts: [...contact.identityConflicts, ...fresh].slice(-IDENTITY_CONFLICT_MEMORY),
    updatedAt: at,
  };
}
