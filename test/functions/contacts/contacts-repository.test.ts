// The contact update primitive against a real DynamoDB API (dynalite in process): the write is
// conditional on the version read, a conflict is retried from a fresh read, a missing contact is
// left missing (or created), and a contact that keeps changing ends in ContactConflictError.
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Contact } from '#catalogue/contact.ts';
import { dayKey, ProfileAggregates, utcDay } from '#catalogue/profile-aggregates.ts';
import type * as Repository from '../../../functions/contacts/contacts-repository.ts';
import { appliedEventKey, newContact } from '../../../functions/contacts/profile-update.ts';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.ts';

const TABLE = 'contacts-test';
const AT = '2026-11-23T10:00:00.000Z';

let dynamo: LocalDynamo;
let repo: typeof Repository;

/** A repository where someone else writes the contact right after each of our first `races` reads. */
function racingRepository(races: number) {
  let left = races;
  let reads = 0;
  const contacts = new repo.ContactsRepository(TABLE);
  const get = contacts.get.bind(contacts);
  contacts.get = async (contactId: string) => {
    reads++;
    const contact = await get(contactId);
    if (contact && left-- > 0) {
      await dynamo.documents.send(
        new UpdateCommand({
          TableName: TABLE,
          Key: { pk: `CONTACT#${contactId}` },
          // The whole map: a profile stores no empty one (the seed has no attributes).
          UpdateExpression: 'SET version = version + :one, attributes = :rival',
          ExpressionAttributeValues: { ':one': 1, ':rival': { rival: reads } },
        }),
      );
    }
    return contact;
  };
  return { contacts, reads: () => reads };
}

const tagged = (tag: string) => (contact: Contact) => ({ ...contact, tags: [...contact.tags, tag] });

async function seed(contactId: string): Promise<void> {
  await new repo.ContactsRepository(TABLE).save(newContact(contactId, AT), undefined);
}

beforeAll(async () => {
  dynamo = await startDynalite();
  await dynamo.createTable(TABLE, { sortKey: false });
  repo = await import('../../../functions/contacts/contacts-repository.ts');
});

afterAll(async () => {
  await dynamo?.stop();
});

describe('updateContact', () => {
  it('writes the change with the next version', async () => {
    // Prepare
    await seed('c-1');
    const contacts = new repo.ContactsRepository(TABLE);

    // Act
    const result = await repo.updateContact(contacts, 'c-1', tagged('vip'));

    // Assess
    expect(result).toMatchObject({ changed: true, contact: { tags: ['vip'], version: 2 } });
    expect(await contacts.get('c-1')).toMatchObject({ tags: ['vip'], version: 2 });
  });

  it('writes nothing when the change leaves the contact as it is', async () => {
    // Prepare
    await seed('c-2');
    const contacts = new repo.ContactsRepository(TABLE);

    // Act
    const untouched = await repo.updateContact(contacts, 'c-2', () => undefined);
    const same = await repo.updateContact(contacts, 'c-2', (contact) => contact);

    // Assess
    expect(untouched).toMatchObject({ changed: false, contact: { version: 1 } });
    expect(same).toMatchObject({ changed: false, contact: { version: 1 } });
    expect(await contacts.get('c-2')).toMatchObject({ version: 1 });
  });

  it('reapplies the change on a fresh read when someone wrote in between', async () => {
    // Prepare
    await seed('c-3');
    const { contacts, reads } = racingRepository(2);

    // Act
    const result = await repo.updateContact(contacts, 'c-3', tagged('vip'));

    // Assess: both rivals' writes kept, ours applied once on top of them.
    expect(reads()).toBe(3);
    expect(result).toMatchObject({ changed: true, contact: { tags: ['vip'], version: 4 } });
    expect(await contacts.get('c-3')).toMatchObject({ tags: ['vip'], attributes: { rival: 2 }, version: 4 });
  });

  it('leaves a missing contact missing, without calling the change', async () => {
    // Prepare
    const contacts = new repo.ContactsRepository(TABLE);
    let calls = 0;

    // Act
    const result = await repo.updateContact(contacts, 'nobody', (contact) => {
      calls++;
      return contact;
    });

    // Assess
    expect(result).toBeUndefined();
    expect(calls).toBe(0);
    expect(await contacts.get('nobody')).toBeUndefined();
  });

  it('creates a missing contact from `create`, even when the change leaves it as it is', async () => {
    // Prepare
    const contacts = new repo.ContactsRepository(TABLE);
    const seen: boolean[] = [];

    // Act
    const result = await repo.updateContact(
      contacts,
      'c-new',
      (_contact, isNew) => {
        seen.push(isNew);
        return undefined;
      },
      { create: () => newContact('c-new', AT) },
    );

    // Assess
    expect(seen).toEqual([true]);
    expect(result).toMatchObject({ changed: true, contact: { contactId: 'c-new', version: 1 } });
    expect(await contacts.get('c-new')).toMatchObject({ contactId: 'c-new', version: 1 });
  });

  it('writes a contact known to be missing without reading it, and reads one that exists after all', async () => {
    // Prepare: c-fresh has no profile; c-there has one the caller did not expect.
    await seed('c-there');
    const fresh = racingRepository(0);
    const there = racingRepository(0);

    // Act
    const created = await repo.updateContact(fresh.contacts, 'c-fresh', tagged('new'), {
      create: () => newContact('c-fresh', AT),
      knownMissing: true,
    });
    const updated = await repo.updateContact(there.contacts, 'c-there', tagged('new'), {
      create: () => newContact('c-there', AT),
      knownMissing: true,
    });

    // Assess: no read for the new one; the existing one kept, read after the refused write, tagged.
    expect(fresh.reads()).toBe(0);
    expect(created).toMatchObject({
      changed: true,
      contact: { contactId: 'c-fresh', tags: ['new'], version: 1 },
    });
    expect(there.reads()).toBe(1);
    expect(updated).toMatchObject({
      changed: true,
      contact: { contactId: 'c-there', tags: ['new'], version: 2 },
    });
  });

  it('throws ContactConflictError after the last attempt, having written nothing', async () => {
    // Prepare
    await seed('c-4');
    const { contacts, reads } = racingRepository(Number.POSITIVE_INFINITY);

    // Act
    const attempt = repo.updateContact(contacts, 'c-4', tagged('vip'), { attempts: 3 });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(repo.ContactConflictError);
    await expect(attempt).rejects.toThrow('contact c-4 kept changing; giving up after 3 attempts');
    expect(reads()).toBe(3);
    expect(await new repo.ContactsRepository(TABLE).get('c-4')).toMatchObject({ tags: [], version: 4 });
  });
});

/** A contact with carts and page views every day of the aggregates' window and an order every other day. */
function activeEveryDay(contactId: string): Contact {
  const today = utcDay(Date.parse(AT));
  const carts: Record<string, number> = {};
  const views: Record<string, number> = {};
  const orders: Record<string, number> = {};
  const orderTotals: Record<string, number> = {};
  for (let i = 0; i < 400; i++) {
    const day = dayKey(today - i);
    carts[day] = 20 + (i % 9);
    views[day] = 3 + (i % 4);
    if (i % 2 === 0) {
      orders[day] = 1;
      // Sums of amounts are kept rounded to the cent (profile-aggregates.ts).
      orderTotals[day] = Math.round((39.98 + i) * 100) / 100;
    }
  }
  return {
    ...newContact(contactId, AT),
    aggregates: ProfileAggregates.parse({
      counts: { 'cart.updated': carts, 'page.viewed': views, 'order.completed': orders },
      orderTotals,
      orderCount: 200,
      lastEventAt: AT,
    }),
  };
}

describe('profile items', () => {
  it('stores a contact active every day of the window in a few write units (17 as maps)', async () => {
    // Prepare
    const contact = activeEveryDay('c-active');
    // Two items: a write is billed by the larger of the item before and after it.
    const put = async (Item: Record<string, unknown>) =>
      (
        await dynamo.documents.send(
          new PutCommand({ TableName: TABLE, Item, ReturnConsumedCapacity: 'TOTAL' }),
        )
      ).ConsumedCapacity?.CapacityUnits;

    // Act
    const asMaps = await put({ pk: 'CONTACT#c-active', kind: 'contact', ...contact, version: 1 });
    const encoded = await put(repo.profileItem({ ...contact, contactId: 'c-active-2' }, 1));

    // Assess: DynamoDB bills a write by the item's size, per KB, whatever the write changes.
    expect(asMaps).toBeGreaterThanOrEqual(15);
    expect(encoded).toBeLessThanOrEqual(4);
  });

  it('reads back what it saved, the per-day aggregates stored as binary values', async () => {
    // Prepare
    const contact = activeEveryDay('c-saved');
    const contacts = new repo.ContactsRepository(TABLE);

    // Act
    await contacts.save(contact, undefined);

    // Assess
    expect(await contacts.get('c-saved')).toEqual({ ...contact, version: 1 });
    const { Item } = await dynamo.documents.send(
      new GetCommand({ TableName: TABLE, Key: { pk: 'CONTACT#c-saved' } }),
    );
    expect(Item?.aggregates.counts['cart.updated']).toBeInstanceOf(Uint8Array);
    expect(Item?.aggregates.orderTotals).toBeInstanceOf(Uint8Array);
  });

  it('stores no empty list or map the schema defaults, and reads the contact back whole', async () => {
    // Prepare: a new contact (every list and map empty but the applied event's key), and one tagged.
    const contacts = new repo.ContactsRepository(TABLE);
    const fresh = newContact('c-sparse', AT);
    const tagged = { ...newContact('c-tagged', AT), tags: ['vip'] };

    // Act
    await contacts.save(fresh, undefined);
    await contacts.save(tagged, undefined);

    // Assess: DynamoDB bills each attribute's name and value; the defaults come back when read.
    const stored = async (pk: string) =>
      (await dynamo.documents.send(new GetCommand({ TableName: TABLE, Key: { pk } }))).Item ?? {};
    const sparse = await stored('CONTACT#c-sparse');
    for (const field of [
      'attributes',
      'tags',
      'lockedFields',
      'consent',
      'suppressed',
      'segments',
      'segmentChanges',
      'identityConflicts',
      'mergedFrom',
    ])
      expect(sparse, field).not.toHaveProperty(field);
    expect(await contacts.get('c-sparse')).toEqual({ ...fresh, version: 1 });
    expect((await stored('CONTACT#c-tagged')).tags).toEqual(['vip']);
    expect(await contacts.get('c-tagged')).toEqual({ ...tagged, version: 1 });
  });

  it('reads the event ids a profile written before keys remembers as their keys', async () => {
    // Prepare: an item as profiles were stored when they kept the applied events' ids.
    const { appliedEventKeys: _keys, ...contact } = newContact('c-ids', AT);
    await dynamo.documents.send(
      new PutCommand({
        TableName: TABLE,
        Item: {
          pk: 'CONTACT#c-ids',
          kind: 'contact',
          ...contact,
          appliedEventIds: ['evt-1', 'evt-2'],
          version: 2,
        },
      }),
    );
    const contacts = new repo.ContactsRepository(TABLE);

    // Act
    const read = await contacts.get('c-ids');
    await repo.updateContact(contacts, 'c-ids', tagged('vip'));

    // Assess: a redelivery of evt-1 is still recognised; the rewritten item keeps the keys only.
    expect(read?.appliedEventKeys).toEqual([appliedEventKey('evt-1'), appliedEventKey('evt-2')]);
    const { Item } = await dynamo.documents.send(
      new GetCommand({ TableName: TABLE, Key: { pk: 'CONTACT#c-ids' } }),
    );
    expect(Item?.appliedEventKeys).toEqual([appliedEventKey('evt-1'), appliedEventKey('evt-2')]);
    expect(Item).not.toHaveProperty('appliedEventIds');
  });

  it('reads a profile written with maps, and encodes it on its next change', async () => {
    // Prepare: an item as profiles were stored before the encoding.
    const contact = activeEveryDay('c-legacy');
    await dynamo.documents.send(
      new PutCommand({
        TableName: TABLE,
        Item: { pk: 'CONTACT#c-legacy', kind: 'contact', ...contact, version: 3 },
      }),
    );
    const contacts = new repo.ContactsRepository(TABLE);

    // Act
    const read = await contacts.get('c-legacy');
    await repo.updateContact(contacts, 'c-legacy', tagged('vip'));

    // Assess
    expect(read).toEqual({ ...contact, version: 3 });
    expect(await contacts.get('c-legacy')).toEqual({ ...contact, tags: ['vip'], version: 4 });
    const { Item } = await dynamo.documents.send(
      new GetCommand({ TableName: TABLE, Key: { pk: 'CONTACT#c-legacy' } }),
    );
    expect(Item?.aggregates.orderTotals).toBeInstanceOf(Uint8Array);
  });
});
