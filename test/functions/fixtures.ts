// Fixtures for the domain tests: parsed events built from the catalogue examples, and contacts.

import { type EventType, type ParsedEvent, parseEventDetail } from '#catalogue/catalogue.ts';
import type { Contact } from '#catalogue/contact.ts';
import { newContact } from '../../functions/contacts/profile-update.ts';
import { exampleWith } from '../workflows/catalogue/helpers.ts';

export const CREATED_AT = '2024-04-01T08:00:00.000Z';
export const NOW = '2024-05-01T12:00:05.000Z';

/** A parsed event of a type: the catalogue example with `changes` on top; throws when it does not validate. */
export function parsedEvent(type: EventType, changes: Record<string, unknown> = {}): ParsedEvent {
  const result = parseEventDetail(type, exampleWith(type, changes));
  if (!result.ok) throw new Error(`invalid ${type} fixture: ${JSON.stringify(result.errors)}`);
  return result;
}

/** A new contact `c-42` with `changes` on top. */
export function contactWith(changes: Partial<Contact> = {}): Contact {
  return { ...newContact('c-42', CREATED_AT), ...changes };
}
