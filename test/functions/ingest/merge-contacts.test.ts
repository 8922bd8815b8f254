// The contact.merged use case against a real DynamoDB API (dynalite in process): both contacts must
// exist; the merge is idempotent by event id, including a retry after a crash half-way.
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ContactMerged } from '#catalogue/contact-merged.ts';
import { useClock } from '#platform/clock.ts';
import type * as Repository from '../../../functions/contacts/contacts-repository.ts';
import type * as Events from '../../../functions/contacts/events-repository.ts';
import { newContact } from '../../../functions/contacts/profile-update.ts';
import type * as Merge from '../../../functions/ingest/merge-contacts.ts';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.ts';

const CONTACTS = 'merge-contacts';
const EVENTS = 'merge-events';
const AT = '2026-03-02T10:00:00.000Z';

let dynamo: LocalDynamo;
let merge: typeof Merge;
let deps: Merge.MergeDeps;
let contacts: Repository.ContactsRepository;
let events: Events.EventsRepository;
let run = 0;

beforeAll(async () => {
  dynamo = await startDynalite();
  await dynamo.createTable(CONTACTS, { sortKey: false });
  await dynamo.createTable(EVENTS);
  const repo = await import('../../../functions/contacts/contacts-repository.ts');
  const eventsModule = await import('../../../functions/contacts/events-repository.ts');
  merge = await import('../../../functions/ingest/merge-contacts.ts');
  contacts = new repo.ContactsRepository(CONTACTS);
  events = new eventsModule.EventsRepository(EVENTS);
  deps = {
    contacts,
    events,
    segments: [],
    defaultTimezone: 'UTC',
    historyRetention: { fullDays: 400, recentDays: 30, fullTypes: new Set(['order.completed']) },
  };
});

afterAll(async () => {
  await dynamo?.stop();
});

let survivorId: string;
let absorbedId: string;

beforeEach(async () => {
  run++;
  survivorId = `keep-${run}`;
  absorbedId = `dup-${run}`;
  await contacts.save(
    { ...newContact(survivorId, AT), email: `keep-${run}@ex.com`, stats: { orderCount: 1, totalSpent: 10 } },
    undefined,
  );
  await contacts.save(
    {
      ...newContact(absorbedId, AT),
      email: `dup-${run}@ex.com`,
      phone: '+33600000099',
      stats: { orderCount: 2, totalSpent: 5 },
    },
    undefined,
  );
  await contacts.claimIdentity('EMAIL', `keep-${run}@ex.com`, survivorId);
  await contacts.claimIdentity('EMAIL', `dup-${run}@ex.com`, absorbedId);
  await contacts.addPhoneHolder('+33600000099', absorbedId);
  await events.append(
    absorbedId,
    { type: 'order.completed', eventId: `order-${run}`, occurredAt: AT, detail: {} },
    30,
    Date.parse(AT),
  );
});

const mergeEvent = (absorbed: ContactMerged['absorbed']): ContactMerged => ({
  eventId: `merge-${run}`,
  occurredAt: AT,
  source: 'crm.test',
  contact: { contactId: survivorId },
  absorbed,
  reason: 'same person',
});

describe('mergeContacts', () => {
  it('combines the absorbed contact into the survivor, marks it, copies its history and re-points its identities', async () => {
    // Act
    const result = await merge.mergeContacts(deps, mergeEvent({ email: `dup-${run}@ex.com` }));

    // Assess
    expect(result).toMatchObject({ ok: true, absorbedId, survivor: { contactId: survivorId } });
    expect((await contacts.get(survivorId))?.stats).toMatchObject({ orderCount: 3, totalSpent: 15 });
    expect(await contacts.get(absorbedId)).toMatchObject({ mergedInto: survivorId });
    expect(await contacts.findByIdentity('EMAIL', `dup-${run}@ex.com`)).toBe(survivorId);
    expect(await contacts.phoneHolders('+33600000099')).toEqual([survivorId]);
    expect((await events.recent(survivorId, 10)).map((e) => e.eventId)).toEqual([`order-${run}`]);
  });

  it('keeps each moved event as long as its type is kept: a goal event the full retention, any other the recent one', async () => {
    // Prepare: the absorbed contact also put a cart together (its order is there from beforeEach).
    await events.append(
      absorbedId,
      { type: 'cart.updated', eventId: `cart-${run}`, occurredAt: AT, detail: {} },
      30,
      Date.parse(AT),
    );
    const restoreClock = useClock({ now: () => Date.parse(AT), scale: 0 });

    // Act
    try {
      await merge.mergeContacts(deps, mergeEvent({ email: `dup-${run}@ex.com` }));
    } finally {
      restoreClock();
    }

    // Assess
    const { Items = [] } = await dynamo.documents.send(
      new QueryCommand({
        TableName: EVENTS,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `CONTACT#${survivorId}` },
      }),
    );
    const expiry = Object.fromEntries(Items.map((item) => [item.type, item.expiresAt]));
    const atSeconds = Date.parse(AT) / 1000;
    expect(expiry).toEqual({
      'order.completed': atSeconds + 400 * 86_400,
      'cart.updated': atSeconds + 30 * 86_400,
    });
  });

  it('merges once when the event is applied again, even after the absorbed e-mail was re-pointed', async () => {
    // Act
    const event = mergeEvent({ email: `dup-${run}@ex.com` });
    await merge.mergeContacts(deps, event);
    const again = await merge.mergeContacts(deps, event);

    // Assess
    expect(again).toMatchObject({ ok: true, absorbedId });
    const survivor = await contacts.get(survivorId);
    expect(survivor?.stats.orderCount).toBe(3);
    expect(survivor?.mergedFrom).toHaveLength(1);
  });

  it('finishes a merge that stopped after marking the absorbed contact', async () => {
    // Prepare: a first attempt died right after step 1
    const { markAbsorbed } = await import('../../../functions/contacts/profile-merge.ts');
    const { updateContact } = await import('../../../functions/contacts/contacts-repository.ts');
    const event = mergeEvent({ contactId: absorbedId });
    await updateContact(contacts, absorbedId, (c) =>
      markAbsorbed(c, { contactId: survivorId, eventId: event.eventId, at: AT, reason: 'same person' }, AT),
    );

    // Act
    const result = await merge.mergeContacts(deps, event);

    // Assess
    expect(result.ok).toBe(true);
    expect((await contacts.get(survivorId))?.stats.orderCount).toBe(3);
    expect(await contacts.findByIdentity('EMAIL', `dup-${run}@ex.com`)).toBe(survivorId);
  });

  it('refuses an absorbed contact that does not exist, or that is the survivor, changing nothing', async () => {
    // Act
    const unknown = await merge.mergeContacts(deps, mergeEvent({ email: 'nobody@ex.com' }));
    const same = await merge.mergeContacts(deps, mergeEvent({ contactId: survivorId }));

    // Assess
    expect(unknown).toEqual({
      ok: false,
      errors: [{ field: 'detail.absorbed', message: 'names no contact' }],
    });
    expect(same).toEqual({
      ok: false,
      errors: [{ field: 'detail.absorbed', message: 'names the same contact as contact' }],
    });
    expect((await contacts.get(survivorId))?.stats.orderCount).toBe(1);
    expect((await contacts.get(absorbedId))?.mergedInto).toBeUndefined();
  });
});
