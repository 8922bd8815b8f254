// What journeys may read of a contact: the field names the validator accepts and the view Choice states see.
import { describe, expect, it } from 'vitest';
import { Contact, contactView, isContactField } from '#catalogue/contact.ts';
import { contactWith } from '../../functions/fixtures.ts';

describe('isContactField', () => {
  it.each(['email', 'firstName', 'stats.orderCount', 'stats', 'attributes.plan', 'tags.vip', 'ownerId'])(
    'accepts "%s"',
    (path) => {
      // Assess
      expect(isContactField(path)).toBe(true);
    },
  );

  it.each(['nope', 'stats.nope', 'attributes.', 'tags.', 'appliedEventKeys', 'version', 'consent', ''])(
    'rejects "%s"',
    (path) => {
      // Assess
      expect(isContactField(path)).toBe(false);
    },
  );
});

describe('contactView', () => {
  it('turns tags into a set-like object and leaves out the bookkeeping fields', () => {
    // Prepare
    const contact = contactWith({
      email: 'ada@example.com',
      tags: ['vip', 'customer'],
      lockedFields: ['firstName'],
      appliedEventKeys: ['k7Zq2xU9bAc'],
      version: 7,
    });

    // Act
    const view = contactView(contact);

    // Assess
    expect(view.tags).toEqual({ vip: true, customer: true });
    expect(view).toMatchObject({ contactId: 'c-42', email: 'ada@example.com' });
    expect(view).not.toHaveProperty('lockedFields');
    expect(view).not.toHaveProperty('appliedEventKeys');
    expect(view).not.toHaveProperty('version');
  });
});

describe('Contact schema', () => {
  it('fills the defaults of a stored profile that only has ids and timestamps', () => {
    // Act
    const contact = Contact.parse({ contactId: 'c-1', createdAt: 'x', updatedAt: 'x' });

    // Assess
    expect(contact).toMatchObject({
      attributes: {},
      tags: [],
      lockedFields: [],
      consent: {},
      suppressed: {},
      stats: { orderCount: 0, totalSpent: 0 },
      appliedEventKeys: [],
      version: 0,
    });
  });
});
