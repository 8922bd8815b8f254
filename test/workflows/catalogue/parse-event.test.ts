// Parsing at run time (parse-event.ts): each type's schema imported with its first event, the same
// answers as the whole catalogue gives (tooling and synth parse with every schema at hand).
import { describe, expect, it } from 'vitest';
import { eventCatalogue, parseEventDetail } from '#catalogue/catalogue.ts';
import { eventTypes, isEventType } from '#catalogue/event-types.ts';
import { eventSchema, parseEvent } from '#catalogue/parse-event.ts';
import { examples } from './examples.ts';
import { exampleWith } from './helpers.ts';

describe('parseEvent', () => {
  it.each(eventTypes)('parses a valid %s as the catalogue does', async (type) => {
    // Act
    const parsed = await parseEvent(type, structuredClone(examples[type]));

    // Assess
    expect(parsed.ok).toBe(true);
    expect(parsed).toEqual(parseEventDetail(type, structuredClone(examples[type])));
  });

  it.each(eventTypes)('refuses an invalid %s with the catalogue’s errors', async (type) => {
    // Prepare: no event id, and a field of the wrong kind.
    const detail = exampleWith(type, { eventId: undefined, occurredAt: 42 });

    // Act
    const parsed = await parseEvent(type, detail);

    // Assess
    expect(parsed.ok).toBe(false);
    expect(parsed).toEqual(parseEventDetail(type, detail));
    if (!parsed.ok) expect(parsed.errors.map((e) => e.field)).toContain('detail.eventId');
  });

  it('names an unknown type and a reserved key as the catalogue does', async () => {
    expect(await parseEvent('cart.exploded', {})).toEqual({
      ok: false,
      errors: [{ field: 'detail-type', message: 'unknown event type "cart.exploded"' }],
    });
    const poisoned = JSON.parse('{"items":[{"__proto__":{"admin":true}}]}');
    expect(await parseEvent('cart.updated', poisoned)).toEqual(parseEventDetail('cart.updated', poisoned));
  });

  it("gives each type the catalogue's schema, importing its module once", async () => {
    for (const type of eventTypes) {
      const first = eventSchema(type);
      // Asked again before the import settles: the same import, not a second one.
      expect(eventSchema(type)).toBe(first);
      expect(await first).toBe(eventCatalogue[type]);
    }
  });
});

describe('the event types apart from their schemas', () => {
  it('are the catalogue’s, in its order', () => {
    expect([...eventTypes]).toEqual(Object.keys(eventCatalogue));
    expect(isEventType('cart.updated')).toBe(true);
    expect(isEventType('toString')).toBe(false);
    expect(isEventType(undefined)).toBe(false);
  });
});
