// The ledger's by-contact index holds keys only: an entry's status changes (settled, then each
// delivery event) wrote the whole entry into the index again under the former ALL projection, and
// write nothing there now. "Why" still reads every entry of a contact, whole and in creation order,
// from the table by key. Against the local DynamoDB, with index writes billed as DynamoDB bills them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeedbackRepository as Feedback } from '../../../functions/delivery/feedback-repository.ts';
import { type LedgerEntry, ledgerTag } from '../../../functions/delivery/ledger.ts';
import type { LedgerRepository as Ledger } from '../../../functions/delivery/ledger-repository.ts';
import type { LocalDynamo } from '../../../local/aws/dynamodb.ts';
import type { LocalTable } from '../../../local/aws/template.ts';
import { startBilledDynamo } from '../../support/dynalite.ts';

const NOW_MS = Date.parse('2026-03-02T10:00:00.000Z');

/** The ledger as RelanceTables declares it, with the index projected `projection`. */
function ledgerTable(name: string, projection: 'KEYS_ONLY' | 'ALL'): LocalTable {
  return {
    logicalId: name,
    name,
    keySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    attributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'contactId', AttributeType: 'S' },
      { AttributeName: 'createdAt', AttributeType: 'S' },
    ],
    globalSecondaryIndexes: [
      {
        IndexName: projection === 'KEYS_ONLY' ? 'byContactKeys' : 'byContact',
        KeySchema: [
          { AttributeName: 'contactId', KeyType: 'HASH' },
          { AttributeName: 'createdAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: projection },
      },
    ],
    ttlAttribute: 'expiresAt',
  };
}

let dynamo: LocalDynamo;
let close: () => Promise<void>;
let repository: new (table: string) => Ledger;
let feedbackRepository: new (tables: { contacts: string; ledger: string }) => Feedback;

beforeAll(async () => {
  const started = await startBilledDynamo([
    ledgerTable('ledger', 'KEYS_ONLY'),
    ledgerTable('ledger-all', 'ALL'),
  ]);
  ({ dynamo, stop: close } = started);
  // The shared SDK client reads the endpoint when its module first loads.
  process.env.AWS_ENDPOINT_URL = started.endpoint;
  ({ LedgerRepository: repository } = await import('../../../functions/delivery/ledger-repository.ts'));
  ({ FeedbackRepository: feedbackRepository } = await import(
    '../../../functions/delivery/feedback-repository.ts'
  ));
});

afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL;
  await close?.();
});

function entry(contactId: string, n: number): LedgerEntry {
  const createdAt = new Date(NOW_MS + n * 1000).toISOString();
  return {
    ledgerKey: `welcome#contact:${contactId}#1#step-${n}#email`,
    contactId,
    journeyId: 'welcome',
    runKey: `contact:${contactId}`,
    gen: 1,
    stepId: `step-${n}`,
    channel: 'email',
    template: 'welcome',
    category: 'marketing',
    status: 'in_flight',
    createdAt,
    updatedAt: createdAt,
  };
}

/** Index write units billed while `work` runs. */
async function indexWritesOf(work: () => Promise<unknown>): Promise<number> {
  const before = dynamo.units.indexWrite;
  await work();
  return dynamo.units.indexWrite - before;
}

describe('the by-contact index', () => {
  it.each([
    ['keys only (byContactKeys)', 'ledger', 1, 0],
    ['every attribute (the former byContact)', 'ledger-all', 1, 3],
  ] as const)(
    'projected %s: a send writes %i time there, its outcome and two delivery events %i',
    async (_name, table, onBegin, afterBegin) => {
      // Prepare
      const ledger = new repository(table);
      const sent = entry('c-units', 1);

      // Act
      const begun = await indexWritesOf(() => ledger.begin(sent, NOW_MS));
      const changes = await indexWritesOf(async () => {
        await ledger.settle(sent.ledgerKey, { status: 'sent', providerMessageId: 'ses-1' }, sent.createdAt);
        // Delivery events, as provider feedback records them on the entry.
        const feedback = new feedbackRepository({ contacts: 'contacts', ledger: table });
        const tag = ledgerTag(sent.ledgerKey);
        for (const [status, at] of [
          ['delivered', '2026-03-02T10:00:02.000Z'],
          ['opened', '2026-03-02T10:05:00.000Z'],
        ] as const) {
          const recorded = await feedback.recordEvidence({ tag, status, providerMessageId: 'ses-1', at }, at);
          expect(recorded.outcome).toBe('appended');
        }
      });

      // Assess
      expect(begun).toBe(onBegin);
      expect(changes).toBe(afterBegin);
      expect(await ledger.get(sent.ledgerKey)).toMatchObject({
        status: 'sent',
        deliveryEvents: ['2026-03-02T10:00:02.000Z delivered', '2026-03-02T10:05:00.000Z opened'],
      });
    },
  );
});

describe('forContact over the keys-only index', () => {
  it("reads every entry of the contact whole, oldest first, across BatchGetItem's 100 keys", async () => {
    // Prepare: 130 entries written newest first, and another contact's.
    const ledger = new repository('ledger');
    const mine = Array.from({ length: 130 }, (_, n) => entry('c-many', n));
    for (const e of [...mine].reverse()) await ledger.begin(e, NOW_MS);
    await ledger.begin(entry('c-other', 1), NOW_MS);
    const last = mine.at(-1) as LedgerEntry;
    await ledger.settle(last.ledgerKey, { status: 'sent', subject: 'Welcome!' }, last.createdAt);

    // Act
    const read = await ledger.forContact('c-many');

    // Assess
    expect(read.map((e) => e.stepId)).toEqual(mine.map((e) => e.stepId));
    expect(read.at(-1)).toMatchObject({ status: 'sent', subject: 'Welcome!', template: 'welcome' });
    expect(read.every((e) => e.contactId === 'c-many')).toBe(true);
  });

  it('answers an empty list for a contact with no entry', async () => {
    expect(await new repository('ledger').forContact('c-none')).toEqual([]);
  });
});
