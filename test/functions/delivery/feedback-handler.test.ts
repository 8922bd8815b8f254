import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { logger } from '#platform/logger.ts';
import { ledgerTag } from '../../../functions/delivery/ledger.ts';
import { counterChanges, transactionConditionFailed, updatesOf } from '../../support/dynamo-transactions.ts';
import { lambdaContext } from '../lambda-context.ts';

const CONTACTS = 'contacts-table';
const LEDGER = 'ledger-table';
const CONFIGURATION_SET = 'relance-events';
const DEAD_LETTERS = 'https://sqs.us-east-1.amazonaws.com/123456789012/feedback-dead-letters';
const LEDGER_KEY = 'welcome#contact:c-42#1#welcome-email#email';
const TAG = ledgerTag(LEDGER_KEY);
const MESSAGE_ID = '0100018f-5b2a-4d0c-9d1e-2a3b4c5d6e7f-000000';
const ADDRESS = 'ada@example.com';

const ddbMock = mockClient(DynamoDBDocumentClient);
const sqsMock = mockClient(SQSClient);

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;
let handler: Handler;

beforeAll(async () => {
  process.env.CONTACTS_TABLE = CONTACTS;
  process.env.LEDGER_TABLE = LEDGER;
  process.env.SES_CONFIGURATION_SET = CONFIGURATION_SET;
  process.env.FEEDBACK_DEAD_LETTERS_QUEUE_URL = DEAD_LETTERS;
  ({ handler } = await import('../../../functions/delivery/feedback-handler.ts'));
});

/** A stored contact profile as the contacts table holds it. */
function storedContact(version: number, changes: Record<string, unknown> = {}) {
  return {
    pk: 'CONTACT#c-42',
    kind: 'contact',
    contactId: 'c-42',
    email: ADDRESS,
    attributes: {},
    tags: [],
    lockedFields: [],
    consent: {},
    suppressed: {},
    stats: { orderCount: 0, totalSpent: 0 },
    appliedEventKeys: [],
    version,
    createdAt: '2024-04-01T00:00:00.000Z',
    updatedAt: '2024-04-01T00:00:00.000Z',
    ...changes,
  };
}

function ledgerEntry(status: string, changes: Record<string, unknown> = {}) {
  return {
    pk: TAG,
    ledgerKey: LEDGER_KEY,
    contactId: 'c-42',
    journeyId: 'welcome',
    runKey: 'contact:c-42',
    gen: 1,
    stepId: 'welcome-email',
    channel: 'email',
    template: 'welcome',
    category: 'marketing',
    status,
    createdAt: '2024-05-01T12:00:00.000Z',
    updatedAt: '2024-05-01T12:00:00.000Z',
    ...changes,
  };
}

function sesEvent(eventType: string, detailType: string, body: Record<string, unknown>, tags = true) {
  return {
    version: '0',
    id: 'e7c0e2b4-1111-2222-3333-444455556666',
    'detail-type': detailType,
    source: 'aws.ses',
    account: '123456789012',
    time: '2024-05-01T12:00:02Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      eventType,
      mail: {
        timestamp: '2024-05-01T12:00:00.000Z',
        source: 'hello@shop.test',
        messageId: MESSAGE_ID,
        destination: [ADDRESS],
        tags: {
          'ses:configuration-set': [CONFIGURATION_SET],
          ...(tags ? { journey: ['welcome'], step: ['welcome-email'], ledger: [TAG] } : {}),
        },
      },
      ...body,
    },
  };
}

const bounce = (bounceType: string) => ({
  bounce: {
    bounceType,
    bounceSubType: bounceType === 'Permanent' ? 'General' : 'MailboxFull',
    bouncedRecipients: [{ emailAddress: 'Ada@Example.com', action: 'failed', status: '5.1.1' }],
    timestamp: '2024-05-01T12:00:02.000Z',
  },
});

const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

/** The contact, its e-mail identity, the tag item and the ledger entry in the given state. */
function given(entryStatus = 'sent', contact = storedContact(3)) {
  ddbMock.on(GetCommand, { TableName: CONTACTS, Key: { pk: `EMAIL#${ADDRESS}` } }).resolves({
    Item: { pk: `EMAIL#${ADDRESS}`, kind: 'identity', contactId: 'c-42' },
  });
  ddbMock.on(GetCommand, { TableName: CONTACTS, Key: { pk: 'CONTACT#c-42' } }).resolves({ Item: contact });
  ddbMock.on(GetCommand, { TableName: LEDGER, Key: { pk: TAG } }).resolves({
    Item: ledgerEntry(entryStatus),
  });
}

const contactPuts = () =>
  ddbMock.commandCalls(PutCommand).filter((call) => call.args[0].input.TableName === CONTACTS);
/** The ledger entry's updates, alone or in a transaction with the journey's counters. */
const ledgerUpdates = () => updatesOf(ddbMock, LEDGER, TAG);

beforeEach(() => {
  ddbMock.on(GetCommand).resolves({});
  ddbMock.on(PutCommand).resolves({});
  ddbMock.on(UpdateCommand).resolves({});
  ddbMock.on(TransactWriteCommand).resolves({});
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
});

afterEach(() => {
  ddbMock.reset();
  sqsMock.reset();
  vi.restoreAllMocks();
});

describe('delivery feedback', () => {
  it('suppresses a permanently bounced address with a conditional save, and lists the bounce on the entry', async () => {
    // Prepare
    given('sent');

    // Act
    const result = await handler(sesEvent('Bounce', 'Email Bounced', bounce('Permanent')), lambdaContext());

    // Assess
    expect(result).toMatchObject({ status: 'recorded', eventType: 'Bounce' });
    const [save] = contactPuts();
    expect(save?.args[0].input.ConditionExpression).toBe('version = :version');
    expect(save?.args[0].input.ExpressionAttributeValues).toEqual({ ':version': 3 });
    expect(save?.args[0].input.Item).toMatchObject({
      version: 4,
      suppressed: {
        email: { reason: 'bounce', at: '2024-05-01T12:00:02.000Z', detail: 'Permanent/General 5.1.1' },
      },
    });
    const [update] = ledgerUpdates();
    expect(update?.Key).toEqual({ pk: TAG });
    expect(update?.UpdateExpression).toContain('list_append');
    // Appended only to the events as read (a concurrent one makes it read again), and counted with them.
    expect(update?.ConditionExpression).toBe('attribute_exists(pk) AND attribute_not_exists(#events)');
    expect(update?.ExpressionAttributeValues?.[':event']).toEqual([
      '2024-05-01T12:00:02.000Z bounced Permanent/General',
    ]);
    expect(counterChanges(ddbMock)).toEqual([{ 'unversioned|welcome-email|bounced': 1 }]);
  });

  it('reads the contact again and reapplies when someone saved it in between', async () => {
    // Prepare
    given('sent');
    ddbMock.on(PutCommand, { TableName: CONTACTS }).rejectsOnce(conditionFailed()).resolves({});

    // Act
    await handler(sesEvent('Bounce', 'Email Bounced', bounce('Permanent')), lambdaContext());

    // Assess
    expect(contactPuts()).toHaveLength(2);
  });

  it('does not suppress on a transient bounce, but lists it', async () => {
    // Prepare
    given('sent');

    // Act
    await handler(sesEvent('Bounce', 'Email Bounced', bounce('Transient')), lambdaContext());

    // Assess
    expect(contactPuts()).toHaveLength(0);
    expect(ledgerUpdates()[0]?.ExpressionAttributeValues?.[':event']).toEqual([
      '2024-05-01T12:00:02.000Z bounced Transient/MailboxFull',
    ]);
  });

  it('suppresses the address on a complaint', async () => {
    // Prepare
    given('sent');
    const complaint = {
      complaint: {
        complainedRecipients: [{ emailAddress: ADDRESS }],
        timestamp: '2024-05-01T14:00:00.000Z',
        complaintFeedbackType: 'abuse',
      },
    };

    // Act
    await handler(sesEvent('Complaint', 'Email Complaint Received', complaint), lambdaContext());

    // Assess
    expect(contactPuts()[0]?.args[0].input.Item).toMatchObject({
      suppressed: { email: { reason: 'complaint', detail: 'abuse' } },
    });
  });

  it('leaves a contact alone when its address changed since the send', async () => {
    // Prepare
    given('sent', storedContact(3, { email: 'ada@new.example' }));

    // Act
    const result = await handler(sesEvent('Bounce', 'Email Bounced', bounce('Permanent')), lambdaContext());

    // Assess
    expect(contactPuts()).toHaveLength(0);
    expect(result).toMatchObject({ applied: { suppressed: [{ outcome: 'unchanged', contactId: 'c-42' }] } });
  });

  it('settles an entry still in flight as sent on the Sent event, with the SES message id', async () => {
    // Prepare
    given('in_flight');

    // Act
    const result = await handler(sesEvent('Send', 'Email Sent', { send: {} }), lambdaContext());

    // Assess
    expect(result).toMatchObject({ applied: { ledger: { outcome: 'settled', ledgerKey: LEDGER_KEY } } });
    const [update] = ledgerUpdates();
    expect(update?.ConditionExpression).toBe(
      '#status = :inFlight OR (#status = :failed AND #reason = :throttled)',
    );
    expect(update?.UpdateExpression).not.toContain('list_append');
    expect(update?.ExpressionAttributeValues).toMatchObject({
      ':sent': 'sent',
      ':messageId': MESSAGE_ID,
      ':inFlight': 'in_flight',
    });
    expect(counterChanges(ddbMock)).toEqual([{ 'unversioned|welcome-email|sent': 1 }]);
  });

  it('appends instead when another attempt settled the entry first', async () => {
    // Prepare
    given('in_flight');
    ddbMock
      .on(GetCommand, { TableName: LEDGER, Key: { pk: TAG } })
      .resolvesOnce({ Item: ledgerEntry('in_flight') })
      .resolves({ Item: ledgerEntry('sent', { providerMessageId: MESSAGE_ID }) });
    ddbMock.on(TransactWriteCommand).rejectsOnce(transactionConditionFailed()).resolves({});
    const delivery = { delivery: { timestamp: '2024-05-01T12:00:01.000Z', recipients: [ADDRESS] } };

    // Act
    const result = await handler(sesEvent('Delivery', 'Email Delivered', delivery), lambdaContext());

    // Assess
    expect(result).toMatchObject({ applied: { ledger: { outcome: 'appended' } } });
    expect(ledgerUpdates().map((u) => u.ConditionExpression)).toEqual([
      '#status = :inFlight OR (#status = :failed AND #reason = :throttled)',
      'attribute_exists(pk) AND attribute_not_exists(#events)',
    ]);
    // The cancelled settle counted nothing; the delivery is counted once, with the append.
    const [, appended] = ddbMock.commandCalls(TransactWriteCommand).map((call) => call.args[0].input);
    expect(appended?.TransactItems?.[1]?.Update?.ExpressionAttributeNames).toEqual({
      '#c0': 'unversioned|welcome-email|delivered',
    });
  });

  it('writes nothing for the Sent event of an entry that is already sent', async () => {
    // Prepare
    given('sent');

    // Act
    const result = await handler(sesEvent('Send', 'Email Sent', { send: {} }), lambdaContext());

    // Assess
    expect(result).toMatchObject({
      applied: { ledger: { outcome: 'unchanged', reason: 'nothing_to_record' } },
    });
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('ignores an event without relance tags without touching any table', async () => {
    // Prepare
    const delivery = { delivery: { timestamp: '2024-05-01T12:00:01.000Z', recipients: [ADDRESS] } };

    // Act
    const result = await handler(sesEvent('Delivery', 'Email Delivered', delivery, false), lambdaContext());

    // Assess
    expect(result).toEqual({ status: 'ignored', reason: 'no relance ledger tag' });
    expect(ddbMock.calls()).toHaveLength(0);
    expect(sqsMock.calls()).toHaveLength(0);
  });

  it('records nothing when the tag points to no entry (sent before feedback existed)', async () => {
    // Prepare: nothing stored under the tag.
    const delivery = { delivery: { timestamp: '2024-05-01T12:00:01.000Z', recipients: [ADDRESS] } };

    // Act
    const result = await handler(sesEvent('Delivery', 'Email Delivered', delivery), lambdaContext());

    // Assess
    expect(result).toMatchObject({ applied: { ledger: { outcome: 'no_entry' } } });
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('sends a malformed event to the dead letters once instead of throwing into the retries', async () => {
    // Prepare
    const broken = sesEvent('Bounce', 'Email Bounced', { bounce: { bounceType: 'Permanent' } });

    // Act
    const result = await handler(broken, lambdaContext());

    // Assess
    expect(result).toMatchObject({ status: 'dead_lettered' });
    const sends = sqsMock.commandCalls(SendMessageCommand);
    expect(sends).toHaveLength(1);
    expect(sends[0]?.args[0].input.QueueUrl).toBe(DEAD_LETTERS);
    const body = JSON.parse(sends[0]?.args[0].input.MessageBody ?? '{}');
    expect(body.reason).toBe('malformed');
    expect(body.issues.some((issue: string) => issue.startsWith('detail.bounce'))).toBe(true);
    expect(ddbMock.calls()).toHaveLength(0);
  });

  it('throws on a DynamoDB fault so Lambda retries the event', async () => {
    // Prepare
    given('sent');
    ddbMock.on(UpdateCommand).rejects(new Error('ProvisionedThroughputExceededException'));
    ddbMock.on(TransactWriteCommand).rejects(new Error('ProvisionedThroughputExceededException'));
    const delivery = { delivery: { timestamp: '2024-05-01T12:00:01.000Z', recipients: [ADDRESS] } };

    // Act / Assess
    await expect(handler(sesEvent('Delivery', 'Email Delivered', delivery), lambdaContext())).rejects.toThrow(
      'ProvisionedThroughputExceededException',
    );
  });

  it('suppresses a number that End User Messaging reports invalid', async () => {
    // Prepare
    ddbMock.on(GetCommand, { TableName: CONTACTS, Key: { pk: 'PHONE#+14255550156' } }).resolves({
      Item: { contactId: 'c-42' },
    });
    ddbMock.on(GetCommand, { TableName: CONTACTS, Key: { pk: 'CONTACT#c-42' } }).resolves({
      Item: storedContact(1, { phone: '+14255550156' }),
    });
    const event = {
      'detail-type': 'Text Message Delivery Status Updated',
      source: 'aws.sms-voice',
      time: '2024-05-01T12:00:03Z',
      detail: {
        eventType: 'TEXT_INVALID',
        eventTimestamp: Date.parse('2024-05-01T12:00:02Z'),
        destinationPhoneNumber: '+14255550156',
        messageId: 'sms-1',
        isFinal: true,
      },
    };

    // Act
    await handler(event, lambdaContext());

    // Assess
    expect(contactPuts()[0]?.args[0].input.Item).toMatchObject({
      suppressed: { sms: { reason: 'invalid_number' } },
    });
  });

  it("records a call receipt from the configuration set's SNS destination on the ledger entry", async () => {
    // Prepare: the call's entry, already sent; End User Messaging reports it answered and played.
    given('sent');
    const receipt = {
      eventType: 'VOICE_COMPLETED',
      eventVersion: '1.0',
      eventTimestamp: Date.parse('2024-05-01T12:00:09Z'),
      isFinal: true,
      originationPhoneNumber: '+12065550100',
      destinationPhoneNumber: '+33612345678',
      messageId: 'call-1',
      messageStatus: 'COMPLETED',
      context: { journey: 'appointment', step: 'confirmation-call', ledger: TAG },
    };
    const delivery = {
      Records: [
        {
          EventSource: 'aws:sns',
          Sns: {
            Type: 'Notification',
            TopicArn: 'arn:aws:sns:us-east-1:123456789012:receipts',
            Message: JSON.stringify(receipt),
            Timestamp: '2024-05-01T12:00:10.000Z',
          },
        },
      ],
    };

    // Act
    const result = await handler(delivery, lambdaContext());

    // Assess
    expect(result).toMatchObject([{ status: 'recorded', eventType: 'VOICE_COMPLETED' }]);
    const [update] = ledgerUpdates();
    expect(JSON.stringify(update?.ExpressionAttributeValues)).toContain('2024-05-01T12:00:09.000Z delivered');
  });

  it('dead-letters a destination message that is not an event record', async () => {
    const delivery = { Records: [{ Sns: { Message: 'not json', Timestamp: '2024-05-01T12:00:10.000Z' } }] };

    const result = await handler(delivery, lambdaContext());

    expect(result).toMatchObject([{ status: 'dead_lettered' }]);
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(1);
    expect(ddbMock.calls()).toHaveLength(0);
  });

  it('never logs an address', async () => {
    // Prepare
    given('sent');
    const info = vi.spyOn(logger, 'info');
    const warn = vi.spyOn(logger, 'warn');

    // Act
    await handler(sesEvent('Bounce', 'Email Bounced', bounce('Permanent')), lambdaContext());
    await handler(sesEvent('Bounce', 'Email Bounced', { bounce: {} }), lambdaContext());

    // Assess
    const logged = JSON.stringify([...info.mock.calls, ...warn.mock.calls]);
    expect(info).toHaveBeenCalled();
    expect(logged.toLowerCase()).not.toContain(ADDRESS);
  });
});
