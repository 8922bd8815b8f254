// Shared assertions for the event tests.
import { expect } from 'vitest';
import { type EventType, parseEventDetail } from '#catalogue/catalogue.ts';
import { examples } from './examples.ts';

/** A deep copy of an event type's example with `changes` applied on top (undefined removes a key). */
export function exampleWith(type: EventType, changes: Record<string, unknown> = {}): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...structuredClone(examples[type]), ...changes };
  for (const [key, value] of Object.entries(changes)) if (value === undefined) delete copy[key];
  return copy;
}

/** Parses and asserts that the result fails with an error on `field` whose message matches. */
export function expectFieldError(type: string, detail: unknown, field: string, message?: RegExp) {
  const result = parseEventDetail(type, detail);
  if (result.ok) throw new Error(`expected ${type} to be rejected`);
  const onField = result.errors.filter((error) => error.field === field);
  expect(onField, JSON.stringify(result.errors)).not.toHaveLength(0);
  if (message) expect(onField.map((error) => error.message).join(' / ')).toMatch(message);
  return result.errors;
}
