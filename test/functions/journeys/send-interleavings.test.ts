import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ContactsRepository } from '../../../functions/contacts/contacts-repository.ts';
import { newContact } from '../../../functions/contacts/profile-update.ts';
import { CapsRepository } from '../../../functions/delivery/caps-repository.ts';
import { ledgerTag } from '../../../functions/delivery/ledger.ts';
import { LedgerRepository } from '../../../functions/delivery/ledger-repository.ts';
import type { JourneyDeps } from '../../../functions/journeys/context.ts';
import { RunsRepository } from '../../../functions/journeys/runs-repository.ts';
import { type MessageRequest, sendMessage } from '../../../functions/journeys/send-message.ts';
import { useClock } from '../../../functions/platform/clock.ts';
import { ProductsRepository } from '../../../functions/products/products-repository.ts';
import { findJourney } from '../../../workflows/journeys/index.ts';
import { templates } from '../../../workflows/templates/index.ts';

const ddbMock = mockClient(DynamoDBDocumentClient);
const sesMock = mockClient(SESv2Client);
const LEDGER = 'ledger';
const KEY = 'welcome#contact:c-1#1#welcome-email#email';
const NOW = Date.parse('2026-03-02T12:00:00Z');

const deps: JourneyDeps = {
  runs: new RunsRepository('state'),
  contacts: new ContactsRepository('contacts'),
  ledger: new LedgerRepository(LEDGER),
  caps: new CapsRepository(LEDGER),
  products: new ProductsRepository('products'),
  targets: {},
  sending: {
    fromAddress: 'shop@example.com',
    brand: { name: 'Shop', website: 'https://shop.example.com' },
    defaultTimezone: 'UTC',
    policy: {
      quietHours: { start: '21:00', end: '08:00' },
      frequencyCaps: {
        email: { max: 5, windowDays: 7 },
        sms: { max: 2, windowDays: 7 },
        voice: { max: 2, windowDays: 7 },
      },
      emailTopics: {},
      inFlightGraceSeconds: 300,
    },
  },
  findJourney,
  templates,
};

function request(category: 'marketing' | 'transactional'): MessageRequest {
  return {
    ledgerKey: KEY,
    journeyId: 'welcome',
    runKey: 'contact:c-1',
    gen: 1,
    stepId: 'welcome-email',
    channel: 'email',
    template: 'welcome',
    category,
    contact: { ...newContact('c-1', '2026-03-01T00:00:00Z'), email: 'c1@example.com' },
    trigger: {},
  };
}

/** The ledger entry a crashed attempt left behind, `minutesAgo` before now. */
function leftBehind(category: 'marketing' | 'transactional', status: string, minutesAgo: number) {
  const at = new Date(NOW - minutesAgo * 60_000).toISOString();
  ddbMock
    .on(PutCommand, { TableName: LEDGER, Item: { pk: ledgerTag(KEY) } })
    .rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
  ddbMock.on(GetCommand, { TableName: LEDGER, Key: { pk: ledgerTag(KEY) } }).resolves({
    Item: {
      pk: KEY,
      ledgerKey: KEY,
      contactId: 'c-1',
      journeyId: 'welcome',
      runKey: 'contact:c-1',
      gen: 1,
      stepId: 'welcome-email',
      channel: 'email',
      template: 'welcome',
      category,
      status,
      createdAt: at,
      updatedAt: at,
    },
  });
}

describe('a send retried after a crash around the provider call', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
    ddbMock.on(GetCommand).resolves({});
    ddbMock.on(PutCommand).resolves({});
    ddbMock.on(UpdateCommand).resolves({});
    ddbMock.on(TransactWriteCommand).resolves({});
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'ses-2' });
  });
  afterEach(() => {
    ddbMock.reset();
    sesMock.reset();
    vi.useRealTimers();
  });

  it('crash after the provider call, evidence arrived: the entry is sent and nothing is sent again', async () => {
    leftBehind('marketing', 'sent', 1);
    const outcome = await sendMessage(deps, request('marketing'));
    expect(outcome).toMatchObject({ status: 'sent' });
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('crash before or during the call, within the grace period: waits for evidence, sends nothing', async () => {
    leftBehind('transactional', 'in_flight', 1);
    const outcome = await sendMessage(deps, request('transactional'));
    expect(outcome).toMatchObject({ status: 'deferred', reason: 'awaiting_provider_evidence' });
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('no evidence after the grace period, marketing: at most once, recorded as skipped, not sent', async () => {
    leftBehind('marketing', 'in_flight', 10);
    const outcome = await sendMessage(deps, request('marketing'));
    expect(outcome).toEqual({ status: 'skipped', reason: 'outcome_unknown_at_most_once' });
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('no evidence after the grace period, transactional: at least once, sent again', async () => {
    leftBehind('transactional', 'in_flight', 10);
    const outcome = await sendMessage(deps, request('transactional'));
    expect(outcome).toMatchObject({ status: 'sent', providerMessageId: 'ses-2' });
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(1);
  });

  it('under --time-scale 720, an attempt 10 journey minutes (0.8 real s) old is still awaited: the grace is real time', async () => {
    // Prepare: the clock relance dev installs, 720 journey ms per real ms.
    const restore = useClock({ now: () => Date.now(), scale: 720 });
    leftBehind('marketing', 'in_flight', 10);

    // Act
    const outcome = await sendMessage(deps, request('marketing')).finally(restore);

    // Assess: 300 real seconds of grace is 60 journey hours at that scale.
    expect(outcome).toEqual({
      status: 'deferred',
      reason: 'awaiting_provider_evidence',
      deferredUntil: new Date(NOW - 10 * 60_000 + 300_000 * 720).toISOString(),
    });
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('a deferred entry (quiet hours) is put back in flight before it is sent', async () => {
    leftBehind('marketing', 'deferred', 60);
    let reopenedBeforeSend = false;
    sesMock.on(SendEmailCommand).callsFake(() => {
      // Reopened with the deferral taken off the journey's counters, in one transaction.
      reopenedBeforeSend = ddbMock.commandCalls(TransactWriteCommand).some((call) => {
        const [entry, counters] = call.args[0].input.TransactItems ?? [];
        return (
          entry?.Update?.ExpressionAttributeValues?.[':status'] === 'in_flight' &&
          entry.Update.ExpressionAttributeValues[':readStatus'] === 'deferred' &&
          Object.values(counters?.Update?.ExpressionAttributeValues ?? {}).includes(-1)
        );
      });
      return { MessageId: 'ses-3' };
    });
    const outcome = await sendMessage(deps, request('marketing'));
    expect(outcome).toMatchObject({ status: 'sent' });
    expect(reopenedBeforeSend).toBe(true);
  });
});
