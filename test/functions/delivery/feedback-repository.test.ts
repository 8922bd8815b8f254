// The feedback repository against dynalite (the local DynamoDB): its condition and update
// expressions as DynamoDB evaluates them, not as a mock accepts them.
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newContact } from '../../../functions/contacts/profile-update.ts';
import type {
  FeedbackRepository as Repository,
  LedgerTagIndex as TagIndex,
} from '../../../functions/delivery/feedback-repository.ts';
import { ledgerTag } from '../../../functions/delivery/ledger.ts';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.ts';

const CONTACTS = 'contacts';
const LEDGER = 'ledger';
const KEY = 'welcome#contact:c-1#1#welcome-email#email';
const TAG = ledgerTag(KEY);
const NOW = '2026-03-02T10:00:05.000Z';

let dynamo: LocalDynamo;
let client: DynamoDBDocumentClient;
let repository: Repository;
let tags: TagIndex;

beforeAll(async () => {
  dynamo = await startDynalite();
  client = dynamo.documents;
  for (const name of [CONTACTS, LEDGER]) await dynamo.createTable(name, { sortKey: false });
  const { FeedbackRepository, LedgerTagIndex } = await import(
    '../../../functions/delivery/feedback-repository.ts'
  );
  repository = new FeedbackRepository({ contacts: CONTACTS, ledger: LEDGER });
  tags = new LedgerTagIndex(LEDGER);
});

afterAll(async () => {
  await dynamo?.stop();
});

async function givenEntry(status: string, changes: Record<string, unknown> = {}) {
  await client.send(
    new PutCommand({
      TableName: LEDGER,
      Item: {
        // Entries are stored under the digest of their key: the `ledger` tag of their message.
        pk: TAG,
        ledgerKey: KEY,
        contactId: 'c-1',
        journeyId: 'welcome',
        runKey: 'contact:c-1',
        gen: 1,
        stepId: 'welcome-email',
        channel: 'email',
        template: 'welcome',
        category: 'marketing',
        status,
        createdAt: '2026-03-02T10:00:00.000Z',
        updatedAt: '2026-03-02T10:00:00.000Z',
        ...changes,
      },
    }),
  );
}

async function entry() {
  return (await client.send(new GetCommand({ TableName: LEDGER, Key: { pk: TAG } }))).Item;
}

const evidence = (status: 'sent' | 'delivered' | 'opened', at: string) => ({
  tag: TAG,
  status,
  providerMessageId: 'ses-1',
  at,
});

describe('ledger evidence', () => {
  it('settles an entry in flight through its tag, then lists later events once', async () => {
    // Prepare
    await givenEntry('in_flight');

    // Act
    const settled = await repository.recordEvidence(evidence('sent', '2026-03-02T10:00:00.000Z'), NOW);
    const delivered = await repository.recordEvidence(evidence('delivered', '2026-03-02T10:00:01.000Z'), NOW);
    const again = await repository.recordEvidence(evidence('delivered', '2026-03-02T10:00:01.000Z'), NOW);

    // Assess
    expect([settled.outcome, delivered.outcome, again.outcome]).toEqual(['settled', 'appended', 'unchanged']);
    expect(await entry()).toMatchObject({
      status: 'sent',
      providerMessageId: 'ses-1',
      updatedAt: NOW,
      deliveryEvents: ['2026-03-02T10:00:01.000Z delivered'],
    });
  });

  it('settles a throttled failure as sent, dropping its reason, and lists the event that proved it', async () => {
    // Prepare
    await givenEntry('failed', { reason: 'throttled', detail: 'TimeoutError' });

    // Act
    const result = await repository.recordEvidence(evidence('opened', '2026-03-02T10:05:00.000Z'), NOW);

    // Assess
    expect(result.outcome).toBe('settled');
    const stored = await entry();
    expect(stored).toMatchObject({ status: 'sent', deliveryEvents: ['2026-03-02T10:05:00.000Z opened'] });
    expect(stored?.reason).toBeUndefined();
    expect(stored?.detail).toBeUndefined();
  });

  it('finds the entry of a message by the tag it carried, with no index item', async () => {
    // Prepare
    await givenEntry('sent');

    // Act
    const resolved = await tags.resolve(TAG);
    const stray = await tags.resolve('no-such-tag');

    // Assess
    expect(resolved).toBe(KEY);
    expect(stray).toBeUndefined();
  });
});

describe('contacts', () => {
  it('suppresses an address and records an SMS opt-out with optimistic concurrency', async () => {
    // Prepare
    const contact = {
      ...newContact('c-1', '2026-03-01T00:00:00.000Z'),
      email: 'ada@example.com',
      phone: '+14255550182',
    };
    await client.send(
      new PutCommand({ TableName: CONTACTS, Item: { pk: 'CONTACT#c-1', kind: 'contact', ...contact } }),
    );
    await client.send(
      new PutCommand({ TableName: CONTACTS, Item: { pk: 'EMAIL#ada@example.com', contactId: 'c-1' } }),
    );
    await client.send(
      new PutCommand({ TableName: CONTACTS, Item: { pk: 'PHONE#+14255550182', contactId: 'c-1' } }),
    );

    // Act
    const suppressed = await repository.suppress(
      {
        channel: 'email',
        addresses: ['ada@example.com'],
        reason: 'bounce',
        at: NOW,
        detail: 'Permanent/General',
      },
      NOW,
    );
    const consent = await repository.setSmsConsent(
      {
        channel: 'sms',
        address: '+14255550182',
        status: 'opted_out',
        keyword: 'STOP',
        at: NOW,
        reference: 'in-1',
      },
      NOW,
    );

    // Assess
    expect(suppressed).toEqual([{ outcome: 'updated', contactId: 'c-1' }]);
    expect(consent).toEqual({ outcome: 'updated', contactId: 'c-1' });
    const stored = (await client.send(new GetCommand({ TableName: CONTACTS, Key: { pk: 'CONTACT#c-1' } })))
      .Item;
    expect(stored).toMatchObject({
      version: 2,
      suppressed: { email: { reason: 'bounce', at: NOW, detail: 'Permanent/General' } },
      consent: {
        sms: { channel: { status: 'opted_out', proof: { kind: 'sms_keyword', reference: 'STOP:in-1' } } },
      },
    });
  });

  it('counts opens and clicks on the recipient profile aggregates, for segments', async () => {
    // Prepare
    const contact = { ...newContact('c-2', '2026-03-01T00:00:00.000Z'), email: 'grace@example.com' };
    await client.send(
      new PutCommand({ TableName: CONTACTS, Item: { pk: 'CONTACT#c-2', kind: 'contact', ...contact } }),
    );
    await client.send(
      new PutCommand({ TableName: CONTACTS, Item: { pk: 'EMAIL#grace@example.com', contactId: 'c-2' } }),
    );

    // Act
    await repository.recordEngagement({ addresses: ['grace@example.com'], kind: 'opened', at: NOW }, NOW);
    await repository.recordEngagement({ addresses: ['grace@example.com'], kind: 'clicked', at: NOW }, NOW);

    // Assess
    const { ContactsRepository } = await import('../../../functions/contacts/contacts-repository.ts');
    const stored = await new ContactsRepository(CONTACTS).get('c-2');
    const day = NOW.slice(0, 10);
    expect(stored?.aggregates).toMatchObject({
      counts: { 'email.opened': { [day]: 1 }, 'email.clicked': { [day]: 1 } },
      lastOpenedAt: new Date(NOW).toISOString(),
      lastClickedAt: new Date(NOW).toISOString(),
    });
  });
});
