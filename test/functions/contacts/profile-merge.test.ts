// How contact.merged combines two profiles: the survivor's values win, empty fields are filled,
// stats and aggregates added up, the stricter consent kept, a suppression on either kept.
import { describe, expect, it } from 'vitest';
import type { ConsentRecord } from '#catalogue/contact.ts';
import { ProfileAggregates } from '#catalogue/profile-aggregates.ts';
import { markAbsorbed, mergeProfiles, stricterConsent } from '../../../functions/contacts/profile-merge.ts';
import { appliedEventKey } from '../../../functions/contacts/profile-update.ts';
import { CREATED_AT, contactWith, NOW } from '../fixtures.ts';

const consent = (status: ConsentRecord['status'], at: string): ConsentRecord => ({
  status,
  at,
  source: 'test',
  proof: { kind: 'form' },
});
const merge = { eventId: 'evt-merge', at: NOW, reason: 'duplicate' };

describe('stricterConsent', () => {
  it('keeps opted_out over pending over opted_in, whatever came later', () => {
    const out = consent('opted_out', '2024-01-01T00:00:00Z');
    const pending = consent('pending', '2024-02-01T00:00:00Z');
    const inn = consent('opted_in', '2024-03-01T00:00:00Z');
    expect(stricterConsent(inn, out)).toBe(out);
    expect(stricterConsent(out, pending)).toBe(out);
    expect(stricterConsent(inn, pending)).toBe(pending);
  });

  it('keeps the later of two equally strict decisions, and a decision over none', () => {
    const early = consent('opted_in', '2024-01-01T00:00:00Z');
    const late = consent('opted_in', '2024-06-01T00:00:00Z');
    expect(stricterConsent(early, late)).toBe(late);
    expect(stricterConsent(undefined, early)).toBe(early);
  });
});

describe('mergeProfiles', () => {
  const survivor = contactWith({
    contactId: 'keep',
    email: 'keep@ex.com',
    firstName: 'Maya',
    ownerId: 'rep-1',
    tags: ['vip'],
    attributes: { plan: 'pro' },
    lockedFields: ['firstName'],
    stats: {
      orderCount: 1,
      totalSpent: 89,
      firstOrderAt: '2024-03-01T00:00:00.000Z',
      lastOrderAt: '2024-03-01T00:00:00.000Z',
    },
    aggregates: ProfileAggregates.parse({
      counts: { 'order.completed': { '2024-03-01': 1 } },
      orderTotals: { '2024-03-01': 89 },
      orderCount: 1,
      firstOrderAt: '2024-03-01T00:00:00.000Z',
      lastOrderAt: '2024-03-01T00:00:00.000Z',
      lastEventAt: '2024-03-01T00:00:00.000Z',
    }),
    consent: { email: { channel: consent('opted_in', '2024-01-01T00:00:00Z'), topics: {} } },
    appliedEventKeys: [appliedEventKey('e-1')],
  });
  const absorbed = contactWith({
    contactId: 'dup',
    email: 'dup@ex.com',
    phone: '+33600000001',
    firstName: 'M.',
    lastName: 'Durand',
    ownerId: 'rep-2',
    tags: ['newsletter'],
    attributes: { plan: 'free', seats: 3 },
    lockedFields: ['lastName'],
    createdAt: '2024-01-01T00:00:00.000Z',
    stats: {
      orderCount: 2,
      totalSpent: 11.5,
      firstOrderAt: '2024-02-01T00:00:00.000Z',
      lastOrderAt: '2024-04-01T00:00:00.000Z',
    },
    aggregates: ProfileAggregates.parse({
      counts: { 'order.completed': { '2024-03-01': 1, '2024-04-01': 1 } },
      orderTotals: { '2024-03-01': 1.5, '2024-04-01': 10 },
      orderCount: 2,
      firstOrderAt: '2024-02-01T00:00:00.000Z',
      lastOrderAt: '2024-04-01T00:00:00.000Z',
      lastEventAt: '2024-04-01T00:00:00.000Z',
    }),
    consent: {
      email: {
        channel: consent('opted_in', '2024-02-01T00:00:00Z'),
        topics: { cart_reminders: consent('opted_out', '2024-02-01T00:00:00Z') },
      },
      sms: { channel: consent('opted_out', '2024-02-01T00:00:00Z'), topics: {} },
    },
    suppressed: { email: { reason: 'bounce', at: '2024-02-02T00:00:00Z' } },
    identityConflicts: [
      {
        at: '2024-02-01T00:00:00Z',
        eventId: 'e-x',
        eventType: 'contact.updated',
        identifier: 'email',
        value: 'keep@ex.com',
        otherContactId: 'keep',
        appliedTo: 'dup',
        reason: 'identifier_owned_by_other_contact',
      },
    ],
    appliedEventKeys: [appliedEventKey('e-2')],
  });

  it('keeps the survivor’s values and fills its empty fields from the absorbed contact', () => {
    const merged = mergeProfiles(survivor, absorbed, merge, NOW);
    expect(merged).toMatchObject({
      contactId: 'keep',
      email: 'keep@ex.com',
      phone: '+33600000001',
      firstName: 'Maya',
      lastName: 'Durand',
      ownerId: 'rep-1',
      attributes: { plan: 'pro', seats: 3 },
      createdAt: '2024-01-01T00:00:00.000Z',
      updatedAt: NOW,
    });
    expect(merged.tags.sort()).toEqual(['newsletter', 'vip']);
    expect(merged.lockedFields.sort()).toEqual(['firstName', 'lastName']);
  });

  it('adds up stats and aggregates', () => {
    const merged = mergeProfiles(survivor, absorbed, merge, NOW);
    expect(merged.stats).toEqual({
      orderCount: 3,
      totalSpent: 100.5,
      firstOrderAt: '2024-02-01T00:00:00.000Z',
      lastOrderAt: '2024-04-01T00:00:00.000Z',
    });
    expect(merged.aggregates).toMatchObject({
      counts: { 'order.completed': { '2024-03-01': 2, '2024-04-01': 1 } },
      orderTotals: { '2024-03-01': 90.5, '2024-04-01': 10 },
      orderCount: 3,
      firstOrderAt: '2024-02-01T00:00:00.000Z',
      lastOrderAt: '2024-04-01T00:00:00.000Z',
      lastEventAt: '2024-04-01T00:00:00.000Z',
    });
  });

  it('keeps the stricter consent per channel and topic, and a suppression on either', () => {
    const merged = mergeProfiles(survivor, absorbed, merge, NOW);
    expect(merged.consent.email?.channel?.at).toBe('2024-02-01T00:00:00Z');
    expect(merged.consent.email?.topics.cart_reminders?.status).toBe('opted_out');
    expect(merged.consent.sms?.channel?.status).toBe('opted_out');
    expect(merged.suppressed.email?.reason).toBe('bounce');
  });

  it('records the merge, drops the conflicts between the two, and remembers both contacts’ event ids', () => {
    const merged = mergeProfiles(survivor, absorbed, merge, NOW);
    expect(merged.mergedFrom).toEqual([{ contactId: 'dup', ...merge }]);
    expect(merged.identityConflicts).toEqual([]);
    expect(merged.appliedEventKeys).toEqual(['e-2', 'e-1', 'evt-merge'].map(appliedEventKey));
  });

  it('leaves both inputs untouched', () => {
    const before = JSON.stringify([survivor, absorbed]);
    mergeProfiles(survivor, absorbed, merge, NOW);
    expect(JSON.stringify([survivor, absorbed])).toBe(before);
  });
});

describe('markAbsorbed', () => {
  it('points the absorbed contact to the survivor and takes it out of its segments', () => {
    const absorbed = contactWith({ contactId: 'dup', segments: ['vip'], createdAt: CREATED_AT });
    const marked = markAbsorbed(absorbed, { contactId: 'keep', ...merge }, NOW);
    expect(marked).toMatchObject({
      mergedInto: 'keep',
      mergedBy: { contactId: 'keep', eventId: 'evt-merge', reason: 'duplicate' },
      segments: [],
      appliedEventKeys: [appliedEventKey('evt-merge')],
    });
  });
});
