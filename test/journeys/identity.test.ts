// Identity resolution on the local runtime (issue 12, part 1): contact id, e-mail and external id
// identify; a phone number only describes, so a number shared by a household never merges two
// people. Conflicting identifiers are recorded on both contacts and explained by `relance why`;
// merging is an explicit `contact.merged` event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatWhy, why } from '../../bin/cli/why.ts';
import { functionVariable } from '../../local/dev/relance-template.ts';
import {
  eventId,
  hours,
  type LocalSystem,
  minutes,
  PROJECT_ROOT,
  startLocalSystem,
} from '../support/local-system.ts';

let system: LocalSystem;

async function repositories() {
  const { ContactsRepository } = await import('../../functions/contacts/contacts-repository.ts');
  const { EventsRepository } = await import('../../functions/contacts/events-repository.ts');
  return {
    contacts: new ContactsRepository(functionVariable(system.runtime.app, 'CONTACTS_TABLE') ?? ''),
    events: new EventsRepository(functionVariable(system.runtime.app, 'EVENTS_TABLE') ?? ''),
  };
}

async function contactByEmail(email: string) {
  const { contacts } = await repositories();
  const contactId = await contacts.findByIdentity('EMAIL', email);
  return contactId ? contacts.get(contactId) : undefined;
}

describe('identity resolution on the local runtime', () => {
  const now = () => new Date(system.runtime.clock.now()).toISOString();
  const base = (prefix: string) => ({ eventId: eventId(prefix), occurredAt: now(), source: 'shop.test' });
  const whyLines = async (subject: string) => {
    const report = await why(subject, {
      projectRoot: PROJECT_ROOT,
      endpoint: system.endpoint,
      aws: false,
      cdkOut: system.cdkOut,
    });
    return report ? formatWhy(report) : [];
  };

  beforeAll(async () => {
    system = await startLocalSystem();
  });
  afterAll(async () => {
    await system.stop();
  });

  it('keeps two people who share a phone number apart: nothing overwritten, each message to its owner, the conflict recorded on both', async () => {
    // Prepare: Ada signs up with her e-mail and the household's phone.
    const ada = 'ada.household@example.com';
    const sami = 'sami.household@example.com';
    const phone = '+33612340001';
    await system.put('contact.signed_up', {
      ...base('ada'),
      contact: { email: ada, phone },
      firstName: 'Ada',
    });

    // Act: Sami signs up with a new e-mail and the same phone, then books an appointment.
    await system.put('contact.signed_up', {
      ...base('sami'),
      contact: { email: sami, phone },
      firstName: 'Sami',
    });
    await system.put('appointment.booked', {
      ...base('apt'),
      contact: { email: sami, phone },
      appointmentId: 'apt-sami-1',
      repId: 'claire-martin',
      startsAt: '2026-03-10T14:00:00Z',
      location: 'Shop, 1 rue de la Paix',
    });

    // Assess: two contacts, Ada's profile untouched
    const adaContact = await contactByEmail(ada);
    const samiContact = await contactByEmail(sami);
    expect(adaContact?.contactId).toBeDefined();
    expect(samiContact?.contactId).toBeDefined();
    expect(samiContact?.contactId).not.toBe(adaContact?.contactId);
    expect(adaContact).toMatchObject({ firstName: 'Ada', email: ada, phone });
    expect(samiContact).toMatchObject({ firstName: 'Sami', email: sami, phone });

    // Each message went to its owner's address, none of Sami's to Ada
    expect(system.emailsTo(ada).map((m) => m.subject)).toEqual(['Welcome to Relance Demo Shop, Ada!']);
    const samiSubjects = system.emailsTo(sami).map((m) => m.subject);
    expect(samiSubjects).toContain('Welcome to Relance Demo Shop, Sami!');
    expect(samiSubjects.some((s) => s.startsWith('Your appointment'))).toBe(true);

    // The shared phone is recorded on both, naming the other contact
    expect(adaContact?.identityConflicts).toEqual([
      expect.objectContaining({ identifier: 'phone', value: phone, otherContactId: samiContact?.contactId }),
    ]);
    expect(samiContact?.identityConflicts).toEqual([
      expect.objectContaining({ identifier: 'phone', value: phone, otherContactId: adaContact?.contactId }),
    ]);

    // And `relance why` says so for both
    const adaWhy = (await whyLines(ada)).join('\n');
    expect(adaWhy).toContain('identity conflict');
    expect(adaWhy).toContain(`phone ${phone} is also given by contact ${samiContact?.contactId}`);
    expect((await whyLines(sami)).join('\n')).toContain(
      `phone ${phone} is also given by contact ${adaContact?.contactId}`,
    );
  });

  it('applies an event to the contact its id names when its e-mail belongs to another, and records the conflict on both', async () => {
    // Prepare
    const first = 'first.owner@example.com';
    const second = 'second.owner@example.com';
    await system.put('contact.signed_up', { ...base('o1'), contact: { email: first }, firstName: 'Lea' });
    await system.put('contact.signed_up', { ...base('o2'), contact: { email: second }, firstName: 'Noor' });
    const lea = await contactByEmail(first);
    const noor = await contactByEmail(second);

    // Act: a CRM update names Lea by id but carries Noor's e-mail
    await system.put('contact.updated', {
      ...base('crm'),
      contact: { contactId: lea?.contactId, email: second },
      lastName: 'Martin',
    });

    // Assess: applied to Lea only; Noor untouched; the e-mail still Noor's
    const leaAfter = await contactByEmail(first);
    const noorAfter = await contactByEmail(second);
    expect(noorAfter?.contactId).toBe(noor?.contactId);
    expect(leaAfter).toMatchObject({ email: first, lastName: 'Martin' });
    expect(noorAfter?.lastName).toBeUndefined();
    expect(leaAfter?.identityConflicts).toEqual([
      expect.objectContaining({ identifier: 'email', value: second, otherContactId: noor?.contactId }),
    ]);
    expect(noorAfter?.identityConflicts).toEqual([
      expect.objectContaining({ identifier: 'email', value: second, otherContactId: lea?.contactId }),
    ]);
  });

  it('identifies by external id: a later event with the shop customer id and a new e-mail finds the same contact', async () => {
    // Prepare
    await system.put('contact.signed_up', {
      ...base('ext'),
      contact: { email: 'ext.first@example.com', externalId: 'shop-customer-42' },
      firstName: 'Iris',
    });

    // Act
    await system.put('contact.updated', {
      ...base('ext2'),
      contact: { externalId: 'shop-customer-42', email: 'ext.second@example.com' },
      country: 'FR',
    });

    // Assess
    const contact = await contactByEmail('ext.first@example.com');
    expect(contact).toMatchObject({ externalId: 'shop-customer-42', firstName: 'Iris', country: 'FR' });
    expect(contact?.email).toBe('ext.first@example.com');
    expect((await contactByEmail('ext.second@example.com'))?.contactId).toBe(contact?.contactId);
  });

  it('merges two contacts on contact.merged: history and orders combined, stricter consent kept, identities re-pointed, the absorbed run ended as merged', async () => {
    // Prepare: the same person twice, one with an abandoned cart and an e-mail opt-out.
    const survivorEmail = 'merge.keeper@example.com';
    const absorbedEmail = 'merge.duplicate@example.com';
    const lamp = { sku: 'LAMP-01', name: 'Brass desk lamp', qty: 1, price: 89 };
    await system.put('contact.signed_up', {
      ...base('m1'),
      contact: { email: survivorEmail },
      firstName: 'Maya',
    });
    await system.put('order.completed', {
      ...base('m-order'),
      contact: { email: survivorEmail },
      orderId: 'merge-order-1',
      items: [lamp],
      total: 89,
      currency: 'EUR',
    });
    await system.put('order.completed', {
      ...base('m-order'),
      contact: { email: absorbedEmail },
      orderId: 'merge-order-2',
      items: [lamp],
      total: 11,
      currency: 'EUR',
    });
    await system.put('consent.changed', {
      ...base('m-consent'),
      contact: { email: absorbedEmail },
      channel: 'email',
      topic: 'cart_reminders',
      status: 'opted_out',
      proof: { kind: 'link' },
    });
    await system.put('cart.updated', {
      ...base('m-cart'),
      contact: { email: absorbedEmail },
      cartId: 'merge-cart-1',
      items: [lamp],
      value: 89,
      currency: 'EUR',
    });
    const survivor = await contactByEmail(survivorEmail);
    const absorbed = await contactByEmail(absorbedEmail);
    expect(absorbed?.contactId).not.toBe(survivor?.contactId);
    await system.advance(minutes(10));

    // Act: the CRM says they are one person
    const merge = {
      ...base('merge'),
      contact: { contactId: survivor?.contactId },
      absorbed: { contactId: absorbed?.contactId },
      reason: 'duplicate found by the support team',
    };
    await system.put('contact.merged', merge);
    await system.put('contact.merged', merge); // delivered twice
    await system.advance(hours(2));

    // Assess: one profile with both orders and the stricter consent
    const { contacts, events } = await repositories();
    const merged = await contacts.get(survivor?.contactId ?? '');
    expect(merged).toMatchObject({ firstName: 'Maya', email: survivorEmail });
    expect(merged?.stats).toMatchObject({ orderCount: 2, totalSpent: 100 });
    expect(merged?.aggregates.orderCount).toBe(2);
    expect(merged?.consent.email?.topics.cart_reminders?.status).toBe('opted_out');
    expect(merged?.mergedFrom).toEqual([
      expect.objectContaining({ contactId: absorbed?.contactId, eventId: merge.eventId }),
    ]);
    // The absorbed e-mail now finds the survivor; the absorbed profile says where it went
    expect(await contacts.findByIdentity('EMAIL', absorbedEmail)).toBe(survivor?.contactId);
    const gone = await contacts.get(absorbed?.contactId ?? '');
    expect(gone).toMatchObject({ mergedInto: survivor?.contactId, segments: [] });
    // History combined, once
    const history = await events.recent(survivor?.contactId ?? '', 50);
    expect(history.filter((e) => e.type === 'order.completed')).toHaveLength(2);
    expect(history.filter((e) => e.type === 'contact.merged')).toHaveLength(1);
    // The absorbed contact's cart run ended with the reason, and sent nothing
    const run = await system.run('abandoned-cart', 'key:merge-cart-1');
    expect(run).toMatchObject({ status: 'ended', endReason: 'merged' });
    expect(system.emailsTo(absorbedEmail)).toEqual([]);
    // And `relance why` explains it from either side
    expect((await whyLines(absorbed?.contactId ?? '')).join('\n')).toContain(
      `merged into contact ${survivor?.contactId}`,
    );
    expect((await whyLines(survivorEmail)).join('\n')).toContain(`absorbed contact ${absorbed?.contactId}`);
  });

  it('never lets a producer overwrite a field a rep owns or locked', async () => {
    // Prepare: a contact whose rep set the owner and locked the first name by hand
    const email = 'rep.owned@example.com';
    await system.put('contact.signed_up', { ...base('rep'), contact: { email }, firstName: 'Jo' });
    const { contacts } = await repositories();
    const { updateContact } = await import('../../functions/contacts/contacts-repository.ts');
    const contact = await contactByEmail(email);
    await updateContact(contacts, contact?.contactId ?? '', (c) => ({
      ...c,
      firstName: 'Joanna',
      ownerId: 'claire-martin',
      stage: 'negotiation',
      lockedFields: ['firstName', 'attributes.plan'],
      attributes: { ...c.attributes, plan: 'enterprise' },
    }));

    // Act: the shop sends its own view of the contact
    await system.put('contact.updated', {
      ...base('shop'),
      contact: { email },
      firstName: 'JO',
      lastName: 'Doe',
      ownerId: 'someone-else',
      stage: 'lead',
      attributes: { plan: 'free', newsletter: true },
    });

    // Assess
    expect(await contactByEmail(email)).toMatchObject({
      firstName: 'Joanna',
      lastName: 'Doe',
      ownerId: 'claire-martin',
      stage: 'negotiation',
      attributes: { plan: 'enterprise', newsletter: true },
    });
  });
});
