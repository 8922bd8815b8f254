// `relance audience` against the local system: contacts made by events (sign-ups, orders dated in
// the past), the segment evaluated on the stored profiles, counts exact and addresses masked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audience, formatAudience, UsageError } from '../../bin/cli/audience.ts';
import {
  days,
  eventId,
  type LocalSystem,
  PROJECT_ROOT,
  startLocalSystem,
  T0,
} from '../support/local-system.ts';

let system: LocalSystem;

const at = (ms: number) => new Date(ms).toISOString();

function order(contact: Record<string, string>, daysAgo: number) {
  return {
    eventId: eventId('order'),
    occurredAt: at(T0 - days(daysAgo)),
    source: 'shop.test',
    contact,
    orderId: eventId('o'),
    items: [{ sku: 'SKU-1', name: 'Mug', qty: 1, price: 40 }],
    total: 40,
    currency: 'EUR',
  };
}

function signUp(email: string, country: string) {
  return {
    eventId: eventId('signup'),
    occurredAt: at(T0 - days(400)),
    source: 'shop.test',
    contact: { email },
    country,
  };
}

beforeAll(async () => {
  system = await startLocalSystem();
  // lapsed-90: Ada (last order 120 days ago), Bob (200 and 100 days ago), Eve by phone only (95 days ago).
  // Customers but not lapsed: Cleo (10 days ago). Not a customer: Dan.
  await system.put('contact.signed_up', signUp('ada@example.com', 'FR'));
  await system.put('order.completed', order({ email: 'ada@example.com' }, 120));
  await system.put('contact.signed_up', signUp('bob@example.com', 'DE'));
  await system.put('order.completed', order({ email: 'bob@example.com' }, 200));
  await system.put('order.completed', order({ email: 'bob@example.com' }, 100));
  await system.put('order.completed', order({ email: 'cleo@example.com' }, 10));
  await system.put('contact.signed_up', signUp('dan@example.com', 'FR'));
  await system.put('order.completed', order({ phone: '+33612345678' }, 95));
});
afterAll(async () => {
  await system?.stop();
});

const options = () => ({
  projectRoot: PROJECT_ROOT,
  cdkOut: system.cdkOut,
  endpoint: system.endpoint,
  nowMs: system.runtime.clock.now(),
});

describe('relance audience', () => {
  it('counts the members of lapsed-90 among every contact scanned, with a masked sample', async () => {
    // Act
    const report = await audience('lapsed-90', options());

    // Assess
    expect(report).toMatchObject({ scanned: 5, count: 3, evaluatedAt: '2026-03-02T10:00:00.000Z' });
    expect(report.sample.map(({ contactId: _id, ...rest }) => rest)).toEqual(
      expect.arrayContaining([
        { email: 'a***@example.com', country: 'FR', lastOrderAt: '2025-11-02' },
        { email: 'b***@example.com', country: 'DE', lastOrderAt: '2025-11-22' },
        { lastOrderAt: '2025-11-27' },
      ]),
    );
    expect(report.sample).toHaveLength(3);
    const lines = formatAudience(report);
    expect(lines.slice(0, 2)).toEqual([
      'segment lapsed-90: Customers with no order in the last 90 days (win-back).',
      '3 member(s) of 5 contact(s) scanned, evaluated at 2026-03-02T10:00:00.000Z',
    ]);
    expect(lines.join('\n')).not.toMatch(/ada@|bob@/);
  });

  it('shows only as many members as asked, the same ones every time', async () => {
    // Act
    const first = await audience('customers', { ...options(), sample: 2 });
    const second = await audience('customers', { ...options(), sample: 2 });

    // Assess
    expect(first.count).toBe(4);
    expect(first.sample).toHaveLength(2);
    expect(second.sample).toEqual(first.sample);
    expect(first.sample.map((m) => m.contactId)).toEqual([...first.sample.map((m) => m.contactId)].sort());
  });

  it('refuses an unknown segment and names the known ones', async () => {
    // Act
    const refused = audience('lapsed-9', options());

    // Assess
    await expect(refused).rejects.toBeInstanceOf(UsageError);
    await expect(refused).rejects.toThrow(
      /unknown segment "lapsed-9"; known segments: customers, lapsed-90, vip/,
    );
  });
});
