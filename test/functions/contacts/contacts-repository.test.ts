// The contact update primitive against a real DynamoDB API (dynalite in process): the write is
// conditional on the version read, a conflict is retried from a fresh read, a missing contact is
// left missing (or created), and a contact that keeps changing ends in ContactConflictError.
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Contact } from '#catalogue/contact.ts';
import type * as Repository from '../../../functions/contacts/contacts-repository.ts';
import { newContact } from '../../../functions/contacts/profile-update.ts';
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
          UpdateExpression: 'SET version = version + :one, attributes.rival = :reads',
          ExpressionAttributeValues: { ':one': 1, ':reads': reads },
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
