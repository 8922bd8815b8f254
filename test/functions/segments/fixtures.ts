// Fixtures for the segment tests: a fixed clock, aggregates built from events, contacts.
import type { Contact } from '#catalogue/contact.ts';
import { type AggregateEvent, applyEvent, ProfileAggregates } from '#catalogue/profile-aggregates.ts';
import { newContact } from '../../../functions/contacts/profile-update.ts';

/** "Now" in every segment test: Saturday 15 June 2024, noon UTC. */
export const NOW = Date.parse('2024-06-15T12:00:00Z');
const DAY_MS = 86_400_000;

/** An instant `days` days before NOW (same time of day), as ISO-8601. */
export function daysAgo(days: number): string {
  return new Date(NOW - days * DAY_MS).toISOString();
}

export function order(days: number, total: number): AggregateEvent {
  return { type: 'order.completed', at: daysAgo(days), detail: { total } };
}

export function event(type: string, days: number): AggregateEvent {
  return { type, at: daysAgo(days), detail: {} };
}

/** The aggregates after these events, applied in the order given. */
export function aggregatesOf(...events: AggregateEvent[]): ProfileAggregates {
  return events.reduce((agg, e) => applyEvent(agg, e, { nowMs: NOW }), ProfileAggregates.parse({}));
}

/** A contact `c-1` with `changes` on top. */
export function contactWith(changes: Partial<Contact> = {}): Contact {
  return { ...newContact('c-1', '2024-01-01T00:00:00.000Z'), ...changes };
}

/** A consent record with this status. */
export function consent(status: 'opted_in' | 'opted_out' | 'pending') {
  return { status, at: '2024-01-01T00:00:00.000Z', source: 'test', proof: { kind: 'form' } };
}
