// The retention flows on the local runtime: a scheduled win-back pass over a few hundred contacts
// (every lapsed customer reached once, the send rate held over several slots, a holdout kept and
// recorded; the pass's rate at 100,000 contacts is `npm run bench -- --only audience`),
// birthdays at 09:00 in each contact's own zone, the wishlist nudge, VIP entry and account reviews.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Contact } from '#catalogue/contact.ts';
import { applyEvent as applyAggregates, ProfileAggregates } from '#catalogue/profile-aggregates.ts';
import { newContact } from '../../functions/contacts/profile-update.ts';
import { inHoldout } from '../../functions/segments/holdout.ts';
import {
  days,
  eventId,
  hours,
  type LocalSystem,
  minutes,
  startLocalSystem,
} from '../support/local-system.ts';

/** Monday 2 March 2026, 11:00 in Paris. */
const START = Date.parse('2026-03-02T10:00:00Z');
const DAY = 86_400_000;
/** A slow provider, so the throttle shows: 2 e-mails a second; win-back sends 2 per run → 1 run a second. */
const RATES = { email: 2, sms: 1 };
const PASS_SETTINGS = {
  workers: 8,
  pageSize: 200,
  maxPagesPerInvocation: 50,
  slotSeconds: 60,
  rates: RATES,
  defaultTimezone: 'Europe/Paris',
};

let system: LocalSystem;

beforeAll(async () => {
  system = await startLocalSystem({
    start: START,
    environment: { PASS_SETTINGS: JSON.stringify(PASS_SETTINGS) },
  });
});
afterAll(async () => {
  await system.stop();
});

const iso = (ms: number) => new Date(ms).toISOString();
const now = () => system.runtime.clock.now();

async function repositories() {
  const { ContactsRepository } = await import('../../functions/contacts/contacts-repository.ts');
  const { RunsRepository } = await import('../../functions/journeys/runs-repository.ts');
  const { PassRepository } = await import('../../functions/audience-passes/pass-repository.ts');
  return {
    contacts: new ContactsRepository(system.tables.contacts ?? ''),
    runs: new RunsRepository(system.tables.journeyState ?? ''),
    passes: new PassRepository(system.tables.journeyState ?? ''),
  };
}

/** A customer whose orders are these many days ago (written straight to the table: a bulk import). */
function customer(id: string, orderDaysAgo: readonly number[]): Contact {
  let aggregates = ProfileAggregates.parse({});
  for (const ago of orderDaysAgo) {
    aggregates = applyAggregates(
      aggregates,
      { type: 'order.completed', at: iso(START - ago * DAY), detail: { total: 50 } },
      { nowMs: START },
    );
  }
  const last = orderDaysAgo.length > 0 ? iso(START - Math.min(...orderDaysAgo) * DAY) : undefined;
  return {
    ...newContact(id, iso(START - 400 * DAY)),
    email: `${id}@retention.example`,
    aggregates,
    stats: {
      orderCount: orderDaysAgo.length,
      totalSpent: 50 * orderDaysAgo.length,
      ...(last ? { lastOrderAt: last } : {}),
    },
  };
}

const sentTo = (address: string, subject: RegExp) =>
  system.runtime.ses.emails().filter((e) => e.destination.to.includes(address) && subject.test(e.subject));

describe('win-back: a scheduled pass over the lapsed-90 segment', () => {
  // Enough for two pages of 200 and two one-minute slots of 60 admissions. Every contact here makes
  // each day the later tests advance slower: the daily and hourly passes scan them all again.
  const lapsed = Array.from({ length: 120 }, (_, i) => `lapsed-${i}`);
  const recent = Array.from({ length: 180 }, (_, i) => `recent-${i}`);

  it('reaches every lapsed customer once, under the provider rate, with the holdout kept and recorded', async () => {
    // Prepare: 300 customers, 120 of them with their last order 120 days ago
    const { contacts, runs, passes } = await repositories();
    const all = [
      ...lapsed.map((id) => customer(id, [300, 120])),
      ...recent.map((id, i) => customer(id, i % 2 === 0 ? [10] : [])),
    ];
    for (let start = 0; start < all.length; start += 100) {
      await Promise.all(all.slice(start, start + 100).map((c) => contacts.save(c, undefined)));
    }
    const heldOut = lapsed.filter((id) => inHoldout(id, 'win-back', 10));

    // Act: the pass at the next 08:00 in Paris (07:00 UTC in winter), then an hour to work through the audience
    const today = new Date(now());
    let passAt = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate(), 7);
    if (passAt <= now()) passAt += DAY;
    await system.advance(passAt - now() + hours(1));

    // Assess: each lapsed customer outside the holdout got exactly one offer; nobody else got one
    const offers = system.runtime.ses.emails().filter((e) => /We miss you/.test(e.subject));
    const reached = offers.map((e) => e.destination.to[0]?.split('@')[0]);
    expect(new Set(reached).size).toBe(reached.length);
    expect(reached.sort()).toEqual(lapsed.filter((id) => !heldOut.includes(id)).sort());
    // The throttle: 1 run (2 e-mails) a second at most → no more than 60 offers in any minute
    const perMinute = new Map<number, number>();
    for (const e of offers)
      perMinute.set(Math.floor(e.at / 60_000), (perMinute.get(Math.floor(e.at / 60_000)) ?? 0) + 1);
    expect(Math.max(...perMinute.values())).toBeLessThanOrEqual(60);
    expect(perMinute.size).toBeGreaterThanOrEqual(Math.ceil(reached.length / 60));
    // The holdout is recorded as runs ended for that reason
    for (const id of heldOut.slice(0, 5)) {
      const run = await runs.get('win-back', `key:${id}.${iso(START - 120 * DAY)}`);
      expect(run).toMatchObject({ status: 'ended', endReason: 'holdout' });
    }
    // The pass record has the totals
    const passId = `win-back.${iso(passAt).slice(0, 16).replace(/[-:]/g, '')}`;
    expect(await passes.summary(passId)).toMatchObject({
      status: 'finished',
      totals: { scanned: 300, matched: 120, heldOut: heldOut.length, admitted: 120 - heldOut.length },
    });

    // Act: the next day's pass
    await system.advance(days(1));

    // Assess: once per lapse: nobody is written to again
    expect(system.runtime.ses.emails().filter((e) => /We miss you/.test(e.subject))).toHaveLength(
      offers.length,
    );
  });
});

describe('journeys started by behaviour and by segment entry', () => {
  const put = (type: string, detail: Record<string, unknown>) =>
    system.put(type, { eventId: eventId(type), occurredAt: iso(now()), source: 'shop.test', ...detail });

  it('birthday: a greeting at 09:00 in each contact’s own timezone, once', async () => {
    // Prepare: tomorrow is their birthday, one in Tokyo, one in Paris
    const tomorrow = new Date(now() + DAY);
    const birthday = `1990-${String(tomorrow.getUTCMonth() + 1).padStart(2, '0')}-${String(tomorrow.getUTCDate()).padStart(2, '0')}`;
    await put('contact.signed_up', {
      contact: { email: 'kenji@retention.example' },
      birthday,
      timezone: 'Asia/Tokyo',
    });
    await put('contact.signed_up', {
      contact: { email: 'lea@retention.example' },
      birthday,
      timezone: 'Europe/Paris',
    });
    const midnightUtc = Date.UTC(tomorrow.getUTCFullYear(), tomorrow.getUTCMonth(), tomorrow.getUTCDate());

    // Act: through the birthday, and one more day
    await system.advance(midnightUtc + hours(12) - now());
    await system.advance(days(1));

    // Assess: 09:00 Tokyo is 00:00 UTC, 09:00 Paris is 08:00 UTC (winter)
    const kenji = sentTo('kenji@retention.example', /Happy birthday/);
    const lea = sentTo('lea@retention.example', /Happy birthday/);
    expect(kenji.map((e) => iso(e.at).slice(0, 13))).toEqual([iso(midnightUtc).slice(0, 13)]);
    expect(lea.map((e) => iso(e.at).slice(0, 13))).toEqual([iso(midnightUtc + hours(8)).slice(0, 13)]);
  });

  it('wishlist nudge: an offer 4 days after a waitlisted product, unless they ordered', async () => {
    // Prepare: two contacts outside the holdout. The holdout is drawn on the contact id, so the test
    // gives ids it knows are outside (a new contact's id is otherwise random: 10% would be held out).
    const [buyer, browser] = ['wish-buyer', 'wish-browser'].map((name) => {
      let n = 0;
      while (inHoldout(`${name}-${n}`, 'wishlist-nudge', 10)) n++;
      return { contactId: `${name}-${n}`, email: `${name}-${n}@retention.example` };
    });
    for (const contact of [buyer, browser]) {
      await put('product.waitlisted', { contact, sku: 'CHAIR-7', name: 'Oak chair' });
    }

    // Act: one of them orders on day 2; four days pass
    await system.advance(days(2));
    await put('order.completed', {
      contact: { email: buyer?.email },
      orderId: eventId('order'),
      items: [{ sku: 'CHAIR-7', name: 'Oak chair', qty: 1, price: 120 }],
      total: 120,
      currency: 'EUR',
    });
    await system.advance(days(2) + minutes(5));

    // Assess
    expect(sentTo(browser?.email ?? '', /Oak chair: an exclusive offer/)).toHaveLength(1);
    expect(sentTo(buyer?.email ?? '', /exclusive offer/)).toEqual([]);
  });

  it('VIP: entering the top RFM segment thanks the customer and tells their sales rep', async () => {
    // Prepare: a customer owned by Claire
    const email = 'loyal@retention.example';
    await put('contact.signed_up', { contact: { email }, firstName: 'Ines', lastName: 'Loyal' });
    await put('contact.updated', { contact: { email }, ownerId: 'claire-martin', company: 'Loyal SARL' });

    // Act: five orders of 150 → recency 5, frequency 4, monetary 4
    for (let i = 0; i < 5; i++) {
      await put('order.completed', {
        contact: { email },
        orderId: eventId('vip-order'),
        items: [{ sku: 'LAMP-01', name: 'Brass desk lamp', qty: 1, price: 150 }],
        total: 150,
        currency: 'EUR',
      });
    }

    // Assess
    expect(sentTo(email, /you are one of our best customers/)).toHaveLength(1);
    const notice = sentTo('claire.martin@example.com', /VIP: Ines Loyal joined the top customers/);
    expect(notice).toHaveLength(1);
    expect(notice[0]?.body.text).toContain('5 orders, 750 spent');
  });

  it('VIP without a sales rep: the note to the rep is skipped, and the ledger says why', async () => {
    // Prepare
    const email = 'unowned.vip@retention.example';
    await put('contact.signed_up', { contact: { email }, firstName: 'Olga' });

    // Act
    for (let i = 0; i < 5; i++) {
      await put('order.completed', {
        contact: { email },
        orderId: eventId('unowned-order'),
        items: [{ sku: 'LAMP-01', name: 'Brass desk lamp', qty: 1, price: 150 }],
        total: 150,
        currency: 'EUR',
      });
    }

    // Assess
    const { contacts } = await repositories();
    const { LedgerRepository } = await import('../../functions/delivery/ledger-repository.ts');
    const contactId = (await contacts.findByIdentity('EMAIL', email)) ?? '';
    const entries = await new LedgerRepository(system.tables.ledger ?? '').forContact(contactId);
    expect(entries.map((e) => [e.journeyId, e.stepId, e.status, e.reason])).toEqual(
      expect.arrayContaining([
        ['vip-welcome', 'thanks', 'sent', undefined],
        ['vip-welcome', 'tell-owner', 'skipped', 'no_owner'],
      ]),
    );
  });

  it('account revenue drop: the Monday review tells the rep of an account ordering 30% less', async () => {
    // Prepare: an account of Claire's that ordered 1,000 four months ago and 200 last month
    const { contacts } = await repositories();
    const account: Contact = {
      ...customer('falling-account', []),
      ownerId: 'claire-martin',
      company: 'Falling Ltd',
    };
    let aggregates = account.aggregates;
    for (const [ago, total] of [
      [120, 1_000],
      [30, 200],
    ] as const) {
      aggregates = applyAggregates(
        aggregates,
        { type: 'order.completed', at: iso(now() - ago * DAY), detail: { total } },
        { nowMs: now() },
      );
    }
    await contacts.save({ ...account, aggregates }, undefined);

    // Act: to next Monday 07:00 Paris, and a little more
    const monday = new Date(now());
    const daysToMonday = (8 - monday.getUTCDay()) % 7 || 7;
    const mondaySix = Date.UTC(
      monday.getUTCFullYear(),
      monday.getUTCMonth(),
      monday.getUTCDate() + daysToMonday,
      6,
    );
    await system.advance(mondaySix + minutes(30) - now());

    // Assess
    expect(sentTo('claire.martin@example.com', /Account alert: Falling Ltd is ordering less/)).toHaveLength(
      1,
    );
  });
});
