// The identity resolution policy against a real DynamoDB API (dynalite in process): identifiers
// (contactId, externalId, e-mail) identify, a phone number only describes; conflicts are noted,
// never merged; a phone alone finds a contact only when exactly one contact gives it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Repository from '../../../functions/contacts/contacts-repository.ts';
import type * as Identity from '../../../functions/contacts/identity.ts';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.ts';

const TABLE = 'identity-test';

let dynamo: LocalDynamo;
let repo: typeof Repository;
let identity: typeof Identity;
let contacts: Repository.ContactsRepository;
let sequence = 0;
const newId = () => `new-${++sequence}`;

beforeAll(async () => {
  dynamo = await startDynalite();
  await dynamo.createTable(TABLE, { sortKey: false });
  repo = await import('../../../functions/contacts/contacts-repository.ts');
  identity = await import('../../../functions/contacts/identity.ts');
  contacts = new repo.ContactsRepository(TABLE);
});

afterAll(async () => {
  await dynamo?.stop();
});

async function resolve(ref: Parameters<typeof Identity.resolveIdentity>[1]) {
  return identity.resolveIdentity(contacts, ref, newId);
}

describe('resolveIdentity', () => {
  it('makes a new contact for a new e-mail even when its phone is another contact’s, noting the shared phone', async () => {
    // Prepare
    await contacts.claimIdentity('EMAIL', 'ada@ex.com', 'ada');
    await contacts.addPhoneHolder('+33600000001', 'ada');

    // Act
    const result = await resolve({ email: 'sami@ex.com', phone: '+33600000001' });

    // Assess
    expect(result).toEqual({
      contactId: expect.stringMatching(/^new-/),
      identity: { email: 'sami@ex.com', phone: '+33600000001' },
      conflicts: [
        { identifier: 'phone', value: '+33600000001', otherContactId: 'ada', reason: 'phone_shared' },
      ],
      phoneListed: false,
      isNew: true,
    });
    expect(await contacts.findByIdentity('EMAIL', 'sami@ex.com')).toBe(result.contactId);
  });

  it('finds the contact of a phone number given alone when exactly one contact gives it', async () => {
    // Prepare
    await contacts.addPhoneHolder('+33600000002', 'solo');

    // Act
    const result = await resolve({ phone: '+33600000002' });

    // Assess
    expect(result).toMatchObject({ contactId: 'solo', conflicts: [], phoneListed: true });
  });

  it('does not guess between identified contacts that share a number given alone: the number’s unidentified contact', async () => {
    // Prepare: two identified people give the number
    const { newContact } = await import('../../../functions/contacts/profile-update.ts');
    for (const id of ['home-1', 'home-2']) {
      await contacts.save(
        { ...newContact(id, '2026-03-01T00:00:00.000Z'), email: `${id}@ex.com` },
        undefined,
      );
      await contacts.addPhoneHolder('+33600000003', id);
    }

    // Act: a phone-only event (a lead that gave only the number)
    const first = await resolve({ phone: '+33600000003' });

    // Assess: a new contact, the shared number noted with both
    expect(first.contactId).toMatch(/^new-/);
    expect(first.conflicts.map((c) => c.otherContactId)).toEqual(['home-1', 'home-2']);

    // Act: once that contact exists and gives the number, the next phone-only event joins it
    await contacts.save(newContact(first.contactId, '2026-03-02T00:00:00.000Z'), undefined);
    await contacts.addPhoneHolder('+33600000003', first.contactId);
    const second = await resolve({ phone: '+33600000003' });

    // Assess
    expect(second).toMatchObject({ contactId: first.contactId, phoneListed: true });
  });

  it('makes a new contact for a phone number nobody gives', async () => {
    // Act
    const result = await resolve({ phone: '+33600000004' });

    // Assess
    expect(result).toMatchObject({ contactId: expect.stringMatching(/^new-/), conflicts: [] });
  });

  it('applies to the contact the id names, leaving an e-mail that belongs to another with its owner', async () => {
    // Prepare
    await contacts.claimIdentity('EMAIL', 'noor@ex.com', 'noor');

    // Act
    const result = await resolve({ contactId: 'lea', email: 'noor@ex.com' });

    // Assess
    expect(result).toEqual({
      contactId: 'lea',
      identity: {},
      conflicts: [
        {
          identifier: 'email',
          value: 'noor@ex.com',
          otherContactId: 'noor',
          reason: 'identifier_owned_by_other_contact',
        },
      ],
      phoneListed: false,
      isNew: false,
    });
    expect(await contacts.findByIdentity('EMAIL', 'noor@ex.com')).toBe('noor');
  });

  it('prefers the external id over the e-mail, and claims a new e-mail for that contact', async () => {
    // Prepare
    await contacts.claimIdentity('EXTERNAL', 'cust-7', 'iris');

    // Act
    const result = await resolve({ externalId: 'cust-7', email: 'iris.new@ex.com' });

    // Assess
    expect(result).toMatchObject({
      contactId: 'iris',
      identity: { externalId: 'cust-7', email: 'iris.new@ex.com' },
      conflicts: [],
    });
    expect(await contacts.findByIdentity('EMAIL', 'iris.new@ex.com')).toBe('iris');
  });

  it('records a new external id on the contact its e-mail names (a producer starting to send its ids)', async () => {
    // Prepare
    await contacts.claimIdentity('EMAIL', 'olga@ex.com', 'olga');

    // Act
    const result = await resolve({ externalId: 'cust-8', email: 'olga@ex.com' });

    // Assess
    expect(result).toMatchObject({ contactId: 'olga', identity: { externalId: 'cust-8' } });
    expect(await contacts.findByIdentity('EXTERNAL', 'cust-8')).toBe('olga');
  });

  it('notes a conflict when the external id and the e-mail name two different contacts, applying to the external id’s', async () => {
    // Prepare
    await contacts.claimIdentity('EXTERNAL', 'cust-9', 'paul');
    await contacts.claimIdentity('EMAIL', 'paula@ex.com', 'paula');

    // Act
    const result = await resolve({ externalId: 'cust-9', email: 'paula@ex.com' });

    // Assess
    expect(result).toMatchObject({
      contactId: 'paul',
      identity: { externalId: 'cust-9' },
      conflicts: [expect.objectContaining({ identifier: 'email', otherContactId: 'paula' })],
    });
  });

  it('joins the winner of a race to create the same person', async () => {
    // Prepare: the rival claims the e-mail between our lookup and our claim
    const racing = new repo.ContactsRepository(TABLE);
    const find = racing.findByIdentity.bind(racing);
    racing.findByIdentity = async (kind, value) => {
      const found = await find(kind, value);
      await contacts.claimIdentity('EMAIL', 'race@ex.com', 'winner');
      return found;
    };

    // Act
    const result = await identity.resolveIdentity(racing, { email: 'race@ex.com' }, newId);

    // Assess
    expect(result).toMatchObject({ contactId: 'winner', identity: { email: 'race@ex.com' }, isNew: false });
  });
});

describe('phone numbers, re-pointing and SMS opt-outs', () => {
  it('lists every contact that gives a number, the first one as the identity item’s contactId', async () => {
    // Act
    await contacts.addPhoneHolder('+33600000010', 'b');
    const holders = await contacts.addPhoneHolder('+33600000010', 'a');
    await contacts.addPhoneHolder('+33600000010', 'a');

    // Assess
    expect(holders).toEqual(['a', 'b']);
    expect(await contacts.phoneHolders('+33600000010')).toEqual(['a', 'b']);
    expect(await contacts.findByIdentity('PHONE', '+33600000010')).toBe('b');
  });

  it('re-points identifiers and phone numbers from an absorbed contact to the survivor, idempotently', async () => {
    // Prepare
    await contacts.claimIdentity('EMAIL', 'dup@ex.com', 'absorbed');
    await contacts.claimIdentity('EMAIL', 'other@ex.com', 'someone');
    await contacts.addPhoneHolder('+33600000011', 'absorbed');

    // Act
    for (let i = 0; i < 2; i++) {
      await contacts.repointIdentity('EMAIL', 'dup@ex.com', 'absorbed', 'survivor');
      await contacts.repointIdentity('EMAIL', 'other@ex.com', 'absorbed', 'survivor');
      await contacts.repointIdentity('PHONE', '+33600000011', 'absorbed', 'survivor');
    }

    // Assess
    expect(await contacts.findByIdentity('EMAIL', 'dup@ex.com')).toBe('survivor');
    expect(await contacts.findByIdentity('EMAIL', 'other@ex.com')).toBe('someone');
    expect(await contacts.phoneHolders('+33600000011')).toEqual(['survivor']);
  });

  it('keeps the latest STOP or START of a number, whatever order they arrive in', async () => {
    // Act
    const stop = { status: 'opted_out', at: '2026-03-02T10:00:00.000Z', keyword: 'STOP' } as const;
    const start = { status: 'opted_in', at: '2026-03-02T11:00:00.000Z', keyword: 'START' } as const;
    expect(await contacts.recordSmsOptOut('+33600000012', start)).toBe(true);
    expect(await contacts.recordSmsOptOut('+33600000012', stop)).toBe(false);

    // Assess
    expect(await contacts.smsOptOut('+33600000012')).toEqual(start);
    expect(await contacts.smsOptOut('+33600000013')).toBeUndefined();
  });
});
