// How an accepted event changes a contact profile (applyEvent): pure, idempotent per eventId.
import { describe, expect, it } from 'vitest';
import {
  APPLIED_EVENT_MEMORY,
  appliedEventKey,
  applyEvent,
  newContact,
} from '../../../functions/contacts/profile-update.ts';
import { CREATED_AT, contactWith, NOW, parsedEvent } from '../fixtures.ts';

/** An order of `total` at `occurredAt` with its own event id. */
function order(eventId: string, occurredAt: string, total: number) {
  return parsedEvent('order.completed', { eventId, occurredAt, total, orderId: `order-${eventId}` });
}

describe('newContact', () => {
  it('starts with empty maps, zero stats and version 0', () => {
    // Act
    const contact = newContact('c-1', CREATED_AT);

    // Assess
    expect(contact).toEqual({
      contactId: 'c-1',
      attributes: {},
      tags: [],
      lockedFields: [],
      consent: {},
      suppressed: {},
      stats: { orderCount: 0, totalSpent: 0 },
      aggregates: { counts: {}, orderTotals: {}, orderCount: 0 },
      segments: [],
      segmentChanges: [],
      identityConflicts: [],
      mergedFrom: [],
      appliedEventKeys: [],
      version: 0,
      createdAt: CREATED_AT,
      updatedAt: CREATED_AT,
    });
  });
});

describe('applyEvent: aggregates and lead consent', () => {
  it('counts every event in the aggregates, and an order in the per-day totals', () => {
    // Prepare
    const placed = order('evt-agg-1', '2024-05-01T09:30:00Z', 42.5);

    // Act
    const after = applyEvent(contactWith(), placed, NOW);

    // Assess
    expect(after.aggregates.counts['order.completed']).toEqual({ '2024-05-01': 1 });
    expect(after.aggregates.orderTotals['2024-05-01']).toBe(42.5);
    expect(after.aggregates.orderCount).toBe(1);
  });

  it('records the boxes ticked on a lead form as opt-ins with the form as proof, and nothing for unticked ones', () => {
    // Prepare
    const lead = parsedEvent('lead.submitted');

    // Act
    const after = applyEvent(contactWith(), lead, NOW);

    // Assess: the example ticks e-mail only
    expect(after.consent.email?.channel).toMatchObject({
      status: 'opted_in',
      proof: { kind: 'form', reference: 'demo-request' },
    });
    expect(after.consent.sms).toBeUndefined();
    expect(after.timezone).toBe('America/Los_Angeles');
  });
});

describe('applyEvent: contact.signed_up', () => {
  it('fills the profile, the normalised identity, the attributes and the bookkeeping of a new contact', () => {
    // Prepare
    const contact = contactWith();
    const signup = parsedEvent('contact.signed_up');

    // Act
    const next = applyEvent(contact, signup, NOW);

    // Assess
    expect(next).toMatchObject({
      contactId: 'c-42',
      email: 'ada@example.com',
      phone: '+33612345678',
      firstName: 'Ada',
      lastName: 'Lovelace',
      locale: 'fr-FR',
      timezone: 'Europe/Paris',
      country: 'FR',
      birthday: '1990-12-10',
      signupSource: 'footer-form',
      attributes: { plan: 'pro', seats: 3, newsletter: true },
      appliedEventKeys: [appliedEventKey('evt-signup-1')],
      createdAt: CREATED_AT,
      updatedAt: NOW,
    });
    expect(next.stats).toEqual({ orderCount: 0, totalSpent: 0, lastEventAt: '2024-05-01T12:00:00Z' });
  });

  it('leaves the contact it was given untouched', () => {
    // Prepare
    const contact = contactWith({ attributes: { plan: 'free' }, tags: ['prospect'] });
    const before = structuredClone(contact);

    // Act
    applyEvent(contact, parsedEvent('contact.signed_up'), NOW);
    applyEvent(contact, order('evt-o1', '2024-05-01T12:00:00Z', 10), NOW);

    // Assess
    expect(contact).toEqual(before);
  });

  it('merges attributes into the existing ones instead of replacing the map', () => {
    // Prepare
    const contact = contactWith({ attributes: { referrer: 'blog', plan: 'free' } });

    // Act
    const next = applyEvent(contact, parsedEvent('contact.signed_up'), NOW);

    // Assess
    expect(next.attributes).toEqual({ referrer: 'blog', plan: 'pro', seats: 3, newsletter: true });
  });

  it('leaves absent fields as they are', () => {
    // Prepare
    const contact = contactWith({ firstName: 'Augusta', timezone: 'Europe/London' });
    const signup = parsedEvent('contact.signed_up', { firstName: undefined, timezone: undefined });

    // Act
    const next = applyEvent(contact, signup, NOW);

    // Assess
    expect(next.firstName).toBe('Augusta');
    expect(next.timezone).toBe('Europe/London');
    expect(next.lastName).toBe('Lovelace');
  });
});

describe('applyEvent: fields a person owns', () => {
  it('never replaces a locked profile field, and still applies the unlocked ones', () => {
    // Prepare
    const contact = contactWith({ firstName: 'Augusta', lastName: 'Byron', lockedFields: ['firstName'] });
    const update = parsedEvent('contact.updated', { firstName: 'Ada', lastName: 'King' });

    // Act
    const next = applyEvent(contact, update, NOW);

    // Assess
    expect(next.firstName).toBe('Augusta');
    expect(next.lastName).toBe('King');
  });

  it('never sets a locked field that is still empty', () => {
    // Prepare
    const contact = contactWith({ lockedFields: ['country'] });

    // Act
    const next = applyEvent(contact, parsedEvent('contact.signed_up'), NOW);

    // Assess
    expect(next.country).toBeUndefined();
  });

  it('leaves a locked attribute alone while merging the others', () => {
    // Prepare
    const contact = contactWith({ attributes: { plan: 'enterprise' }, lockedFields: ['attributes.plan'] });

    // Act
    const next = applyEvent(contact, parsedEvent('contact.signed_up'), NOW);

    // Assess
    expect(next.attributes).toEqual({ plan: 'enterprise', seats: 3, newsletter: true });
  });

  it('fills a sales-maintained field (company) from a lead when it is empty', () => {
    // Prepare
    const contact = contactWith();

    // Act
    const next = applyEvent(contact, parsedEvent('lead.submitted'), NOW);

    // Assess
    expect(next).toMatchObject({ company: 'Acme', firstName: 'Grace', lastName: 'Hopper', country: 'US' });
  });

  it('does not overwrite a sales-maintained field once set, while a later lead still updates the name', () => {
    // Prepare
    const contact = contactWith({ company: 'Acme Corporation (set by the rep)', firstName: 'G.' });
    const lead = parsedEvent('lead.submitted', { company: 'ACME Inc', firstName: 'Grace' });

    // Act
    const next = applyEvent(contact, lead, NOW);

    // Assess
    expect(next.company).toBe('Acme Corporation (set by the rep)');
    expect(next.firstName).toBe('Grace');
  });
});

describe('applyEvent: contact.updated tags', () => {
  it('adds and removes tags without duplicates', () => {
    // Prepare
    const contact = contactWith({ tags: ['prospect', 'vip', 'newsletter'] });
    const update = parsedEvent('contact.updated', {
      tags: { add: ['vip', 'customer'], remove: ['prospect'] },
    });

    // Act
    const next = applyEvent(contact, update, NOW);

    // Assess
    expect([...next.tags].sort()).toEqual(['customer', 'newsletter', 'vip']);
  });
});

describe('applyEvent: identity', () => {
  it('fills an empty e-mail and phone from the event contact reference', () => {
    // Prepare
    const contact = contactWith();
    const waitlisted = parsedEvent('product.waitlisted');

    // Act
    const next = applyEvent(contact, waitlisted, NOW);

    // Assess
    expect(next.phone).toBe('+12133734253');
    expect(next.email).toBeUndefined();
  });

  it('never replaces an e-mail or phone the contact already has', () => {
    // Prepare
    const contact = contactWith({ email: 'first@example.com', phone: '+33700000000' });
    const signup = parsedEvent('contact.signed_up', {
      contact: { email: 'other@example.com', phone: '+33 6 12 34 56 78' },
    });

    // Act
    const next = applyEvent(contact, signup, NOW);

    // Assess
    expect(next.email).toBe('first@example.com');
    expect(next.phone).toBe('+33700000000');
  });
});

describe('applyEvent: orders and carts', () => {
  it('counts orders, sums the total to the cent and keeps the first and last order times', () => {
    // Prepare
    const contact = contactWith();

    // Act
    const once = applyEvent(contact, order('evt-o1', '2024-05-01T12:00:00Z', 19.99), NOW);
    const twice = applyEvent(once, order('evt-o2', '2024-05-03T09:00:00Z', 24.99), NOW);

    // Assess
    expect(twice.stats).toEqual({
      orderCount: 2,
      totalSpent: 44.98,
      firstOrderAt: '2024-05-01T12:00:00Z',
      lastOrderAt: '2024-05-03T09:00:00Z',
      lastEventAt: '2024-05-03T09:00:00Z',
    });
  });

  it('keeps the latest order as last and moves the first back when an older order arrives late', () => {
    // Prepare
    const contact = applyEvent(contactWith(), order('evt-new', '2024-05-03T09:00:00Z', 10), NOW);

    // Act
    const next = applyEvent(contact, order('evt-old', '2024-04-20T09:00:00Z', 5), NOW);

    // Assess
    expect(next.stats).toMatchObject({
      orderCount: 2,
      totalSpent: 15,
      firstOrderAt: '2024-04-20T09:00:00Z',
      lastOrderAt: '2024-05-03T09:00:00Z',
      lastEventAt: '2024-05-03T09:00:00Z',
    });
  });

  it('counts an order delivered twice (same eventId) once, returning the contact unchanged', () => {
    // Prepare
    const first = applyEvent(contactWith(), order('evt-o1', '2024-05-01T12:00:00Z', 44.97), NOW);

    // Act
    const again = applyEvent(
      first,
      order('evt-o1', '2024-05-01T12:00:00Z', 44.97),
      '2024-05-02T00:00:00.000Z',
    );

    // Assess
    expect(again).toBe(first);
    expect(again.stats.orderCount).toBe(1);
    expect(again.stats.totalSpent).toBe(44.97);
    expect(again.updatedAt).toBe(NOW);
  });

  it(`remembers the last ${APPLIED_EVENT_MEMORY} events only, by an 11-character key of their id`, () => {
    // Prepare
    let contact = contactWith();

    // Act
    for (let i = 0; i <= APPLIED_EVENT_MEMORY; i++) {
      contact = applyEvent(contact, parsedEvent('cart.updated', { eventId: `evt-cart-${i}` }), NOW);
    }

    // Assess
    expect(contact.appliedEventKeys).toHaveLength(APPLIED_EVENT_MEMORY);
    expect(contact.appliedEventKeys[0]).toBe(appliedEventKey('evt-cart-1'));
    expect(contact.appliedEventKeys.at(-1)).toBe(appliedEventKey(`evt-cart-${APPLIED_EVENT_MEMORY}`));
    expect(new Set(contact.appliedEventKeys.map((key) => key.length))).toEqual(new Set([11]));
    // The oldest is forgotten: applied again; the others change nothing.
    const remembered = applyEvent(contact, parsedEvent('cart.updated', { eventId: 'evt-cart-1' }), NOW);
    const forgotten = applyEvent(contact, parsedEvent('cart.updated', { eventId: 'evt-cart-0' }), NOW);
    expect(remembered).toBe(contact);
    expect(forgotten).not.toBe(contact);
  });

  it('records the last cart time without touching order stats', () => {
    // Act
    const next = applyEvent(contactWith(), parsedEvent('cart.updated'), NOW);

    // Assess
    expect(next.stats).toEqual({
      orderCount: 0,
      totalSpent: 0,
      lastCartAt: '2024-05-01T12:00:00Z',
      lastEventAt: '2024-05-01T12:00:00Z',
    });
  });

  it('compares order times as instants when producers send different offsets', () => {
    // Prepare
    const noonUtc = '2024-05-01T12:00:00Z';
    const earlierInParis = '2024-05-01T13:30:00+02:00';
    const contact = applyEvent(contactWith(), order('evt-utc', noonUtc, 10), NOW);

    // Act
    const next = applyEvent(contact, order('evt-paris', earlierInParis, 10), NOW);

    // Assess
    expect(next.stats.lastOrderAt).toBe(noonUtc);
    expect(next.stats.firstOrderAt).toBe(earlierInParis);
  });
});

describe('applyEvent: consent.changed', () => {
  it('records a channel-wide decision with its source and proof', () => {
    // Prepare
    const optOut = parsedEvent('consent.changed', { topic: undefined, status: 'opted_out' });

    // Act
    const next = applyEvent(contactWith(), optOut, NOW);

    // Assess
    expect(next.consent).toEqual({
      email: {
        channel: {
          status: 'opted_out',
          at: '2024-05-01T12:00:00Z',
          source: 'shop.example.com',
          proof: { kind: 'double_opt_in', reference: 'confirm-8f2c' },
        },
        topics: {},
      },
    });
  });

  it('records a topic decision under the channel, keeping the channel decision and other topics', () => {
    // Prepare
    const channelIn = parsedEvent('consent.changed', {
      eventId: 'evt-c1',
      topic: undefined,
      status: 'opted_in',
    });
    const offersIn = parsedEvent('consent.changed', {
      eventId: 'evt-c2',
      topic: 'offers',
      status: 'opted_in',
    });
    const newsOut = parsedEvent('consent.changed', {
      eventId: 'evt-c3',
      topic: 'newsletter',
      status: 'opted_out',
      proof: { kind: 'link' },
    });

    // Act
    const next = [channelIn, offersIn, newsOut].reduce((c, e) => applyEvent(c, e, NOW), contactWith());

    // Assess
    expect(next.consent.email?.channel?.status).toBe('opted_in');
    expect(next.consent.email?.topics.offers?.status).toBe('opted_in');
    expect(next.consent.email?.topics.newsletter).toEqual({
      status: 'opted_out',
      at: '2024-05-01T12:00:00Z',
      source: 'shop.example.com',
      proof: { kind: 'link' },
    });
    expect(next.consent.sms).toBeUndefined();
  });

  it('keeps e-mail and SMS consent apart', () => {
    // Prepare
    const smsIn = parsedEvent('consent.changed', {
      eventId: 'evt-sms',
      channel: 'sms',
      topic: undefined,
      status: 'opted_in',
      proof: { kind: 'sms_keyword', reference: 'START' },
    });
    const emailOut = parsedEvent('consent.changed', {
      eventId: 'evt-mail',
      topic: undefined,
      status: 'opted_out',
    });

    // Act
    const next = applyEvent(applyEvent(contactWith(), smsIn, NOW), emailOut, NOW);

    // Assess
    expect(next.consent.sms?.channel?.status).toBe('opted_in');
    expect(next.consent.email?.channel?.status).toBe('opted_out');
  });

  it('replaces an earlier decision on the same channel', () => {
    // Prepare
    const optIn = parsedEvent('consent.changed', { eventId: 'evt-1', topic: undefined, status: 'opted_in' });
    const optOut = parsedEvent('consent.changed', {
      eventId: 'evt-2',
      topic: undefined,
      status: 'opted_out',
    });

    // Act
    const next = applyEvent(applyEvent(contactWith(), optIn, NOW), optOut, NOW);

    // Assess
    expect(next.consent.email?.channel?.status).toBe('opted_out');
  });
});
