// Run keys, correlation values, schedule names and split draws: the pure rules of journey runs.
import { describe, expect, it } from 'vitest';
import {
  durationMs,
  eventCorrelationValue,
  runCorrelationValue,
  runKeyFor,
  scheduleName,
  splitDraw,
  valueAt,
} from '../../../functions/journeys/journey-runs.ts';
import { abandonedCart } from '../../../workflows/journeys/abandoned-cart.ts';
import { priceDrop } from '../../../workflows/journeys/price-drop.ts';
import { welcome } from '../../../workflows/journeys/welcome.ts';
import { examples } from '../../workflows/catalogue/examples.ts';

const cartTrigger = { ...examples['cart.updated'], contact: { contactId: 'c-42' } };
const signupTrigger = examples['contact.signed_up'];

describe('valueAt', () => {
  it('reads dotted paths through objects and arrays, and gives undefined past a missing or scalar segment', () => {
    // Assess
    expect(valueAt(cartTrigger, 'cartId')).toBe('cart-123');
    expect(valueAt(cartTrigger, 'items.0.sku')).toBe('TSHIRT-BLUE-M');
    expect(valueAt(cartTrigger, 'contact.contactId')).toBe('c-42');
    expect(valueAt(cartTrigger, 'items.5.sku')).toBeUndefined();
    expect(valueAt(cartTrigger, 'cartId.length')).toBeUndefined();
    expect(valueAt(null, 'cartId')).toBeUndefined();
  });
});

describe('runKeyFor', () => {
  it('keys a run by its dedupe value when the journey has a dedupe key (one run per cart)', () => {
    // Act
    const key = runKeyFor(abandonedCart, cartTrigger, 'c-42');

    // Assess
    expect(key).toBe('key:cart-123');
  });

  it('falls back to the trigger event when the dedupe value is missing and re-entry is allowed', () => {
    // Prepare
    const withoutCart = Object.fromEntries(Object.entries(cartTrigger).filter(([key]) => key !== 'cartId'));

    // Act
    const key = runKeyFor(abandonedCart, withoutCart, 'c-42');

    // Assess
    expect(key).toBe('event:evt-cart-1');
  });

  it('keys a run by a nested dedupe field', () => {
    // Prepare
    const journey = { ...abandonedCart, entry: { reentry: true, dedupeKey: 'contact.contactId' } };

    // Act
    const key = runKeyFor(journey, cartTrigger, 'c-42');

    // Assess
    expect(key).toBe('key:c-42');
  });

  it('keys a run by contact when re-entry is not allowed (one run per contact, ever)', () => {
    // Act
    const key = runKeyFor(welcome, signupTrigger, 'c-42');

    // Assess
    expect(key).toBe('contact:c-42');
  });

  it('keys a run by the trigger event when re-entry is not allowed but the contact is unknown', () => {
    // Act
    const key = runKeyFor(welcome, signupTrigger, undefined);

    // Assess
    expect(key).toBe('event:evt-signup-1');
  });

  it('keys a run by the trigger event when re-entry is allowed without a dedupe key', () => {
    // Act
    const key = runKeyFor(priceDrop, examples['product.price_changed'], undefined);

    // Assess
    expect(key).toBe('event:evt-price-1');
  });

  it('gives two triggers for the same contact the same key only when re-entry is off', () => {
    // Prepare
    const second = { ...signupTrigger, eventId: 'evt-signup-2' };
    const reentrant = { ...welcome, entry: { reentry: true } };

    // Act
    const keys = [
      runKeyFor(welcome, signupTrigger, 'c-42'),
      runKeyFor(welcome, second, 'c-42'),
      runKeyFor(reentrant, signupTrigger, 'c-42'),
      runKeyFor(reentrant, second, 'c-42'),
    ];

    // Assess
    expect(keys).toEqual(['contact:c-42', 'contact:c-42', 'event:evt-signup-1', 'event:evt-signup-2']);
  });
});

describe('correlation values', () => {
  it('listens on the contact id for a correlation by contact, on both sides', () => {
    // Act
    const run = runCorrelationValue({ by: 'contact' }, cartTrigger, 'c-42');
    const event = eventCorrelationValue({ by: 'contact' }, examples['order.completed'], 'c-42');

    // Assess
    expect(run).toBe('c-42');
    expect(event).toBe('c-42');
  });

  it('matches a trigger field with an event field of another name, as strings', () => {
    // Prepare
    const correlation = { by: 'field', triggerField: 'cartId', eventField: 'cart.ref' } as const;

    // Act
    const run = runCorrelationValue(correlation, cartTrigger, 'c-42');
    const event = eventCorrelationValue(correlation, { cart: { ref: 'cart-123' } }, 'c-9');

    // Assess
    expect(run).toBe('cart-123');
    expect(event).toBe(run);
  });

  it('turns numbers into strings so that 42 and "42" correlate', () => {
    // Prepare
    const correlation = { by: 'field', triggerField: 'n', eventField: 'n' } as const;

    // Act
    const values = [
      runCorrelationValue(correlation, { n: 42 }, undefined),
      eventCorrelationValue(correlation, { n: '42' }, undefined),
    ];

    // Assess
    expect(values).toEqual(['42', '42']);
  });

  it('gives no value for a missing or null field, or an unknown contact', () => {
    // Prepare
    const correlation = { by: 'field', triggerField: 'cartId', eventField: 'cartId' } as const;

    // Act
    const values = [
      runCorrelationValue(correlation, { cartId: null }, 'c-42'),
      eventCorrelationValue(correlation, {}, 'c-42'),
      runCorrelationValue({ by: 'contact' }, cartTrigger, undefined),
    ];

    // Assess
    expect(values).toEqual([undefined, undefined, undefined]);
  });
});

describe('scheduleName', () => {
  it('stays within the 64 characters EventBridge Scheduler allows, with the longest step id and a long key', () => {
    // Prepare
    const longestStepId = `a${'b'.repeat(39)}`;
    const longKey = `key:${'x'.repeat(500)}`;

    // Act
    const name = scheduleName('a-forty-character-journey-id-0123456789', longKey, 99_999, longestStepId);

    // Assess
    expect(name.length).toBeLessThanOrEqual(64);
    expect(name).toMatch(/^[0-9a-zA-Z_.-]+$/);
    expect(name.endsWith(`-99999-${longestStepId}`)).toBe(true);
  });

  it('is the same for the same run, generation and step', () => {
    // Act
    const names = [
      scheduleName('welcome', 'contact:c-42', 1, 'two-days'),
      scheduleName('welcome', 'contact:c-42', 1, 'two-days'),
    ];

    // Assess
    expect(names[0]).toBe(names[1]);
    expect(names[0]).toMatch(/^[0-9a-f]{16}-1-two-days$/);
  });

  it('differs by journey, run key, generation and step', () => {
    // Act
    const names = new Set([
      scheduleName('welcome', 'contact:c-42', 1, 'two-days'),
      scheduleName('abandoned-cart', 'contact:c-42', 1, 'two-days'),
      scheduleName('welcome', 'contact:c-43', 1, 'two-days'),
      scheduleName('welcome', 'contact:c-42', 2, 'two-days'),
      scheduleName('welcome', 'contact:c-42', 1, 'day-seven'),
    ]);

    // Assess
    expect(names.size).toBe(5);
  });
});

describe('splitDraw', () => {
  it('is a whole number from 0 to 99, the same every time for a run and step', () => {
    // Act
    const draws = [
      splitDraw('welcome', 'contact:c-42', 1, 'ab'),
      splitDraw('welcome', 'contact:c-42', 1, 'ab'),
    ];

    // Assess
    expect(draws[0]).toBe(draws[1]);
    expect(Number.isInteger(draws[0])).toBe(true);
    expect(draws[0]).toBeGreaterThanOrEqual(0);
    expect(draws[0]).toBeLessThan(100);
  });

  it('spreads 10,000 runs over ten buckets of 10 points, each getting 8% to 12% of them', () => {
    // Prepare
    const buckets = Array.from({ length: 10 }, () => 0);

    // Act
    for (let i = 0; i < 10_000; i++) {
      const draw = splitDraw('welcome', `contact:c-${i}`, 1, 'subject-test');
      buckets[Math.floor(draw / 10)] = (buckets[Math.floor(draw / 10)] ?? 0) + 1;
    }

    // Assess
    expect(buckets.reduce((a, b) => a + b, 0)).toBe(10_000);
    for (const count of buckets) {
      expect(count).toBeGreaterThanOrEqual(800);
      expect(count).toBeLessThanOrEqual(1200);
    }
  });

  it('draws independently per split step and generation (not the same number for every step)', () => {
    // Act
    const sameStep = Array.from({ length: 50 }, (_, i) => splitDraw('welcome', `contact:c-${i}`, 1, 'a'));
    const otherStep = Array.from({ length: 50 }, (_, i) => splitDraw('welcome', `contact:c-${i}`, 1, 'b'));
    const otherGen = Array.from({ length: 50 }, (_, i) => splitDraw('welcome', `contact:c-${i}`, 2, 'a'));

    // Assess
    expect(otherStep).not.toEqual(sameStep);
    expect(otherGen).not.toEqual(sameStep);
  });
});

describe('durationMs', () => {
  it('adds up every part of a duration in milliseconds', () => {
    // Assess
    expect(durationMs({ days: 2 })).toBe(172_800_000);
    expect(durationMs({ hours: 1, minutes: 30, seconds: 15 })).toBe(5_415_000);
  });
});
