import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { logger } from '#platform/logger.ts';
import { inboundSmsNotification } from '../../../local/dev/sms-feedback.ts';
import { lambdaContext } from '../lambda-context.ts';

const CONTACTS = 'contacts-table';
const DEAD_LETTERS = 'https://sqs.us-east-1.amazonaws.com/123456789012/feedback-dead-letters';
const PHONE = '+14255550182';
const AT = Date.parse('2024-05-01T18:30:00.000Z');

const ddbMock = mockClient(DynamoDBDocumentClient);
const sqsMock = mockClient(SQSClient);

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;
let handler: Handler;

beforeAll(async () => {
  process.env.CONTACTS_TABLE = CONTACTS;
  process.env.FEEDBACK_DEAD_LETTERS_QUEUE_URL = DEAD_LETTERS;
  ({ handler } = await import('../../../functions/delivery/sms-inbound-handler.ts'));
});

function storedContact(version: number, changes: Record<string, unknown> = {}) {
  return {
    pk: 'CONTACT#c-7',
    kind: 'contact',
    contactId: 'c-7',
    phone: PHONE,
    attributes: {},
    tags: [],
    lockedFields: [],
    consent: {
      sms: {
        channel: {
          status: 'opted_in',
          at: '2024-04-01T00:00:00.000Z',
          source: 'shop.test',
          proof: { kind: 'checkout_checkbox' },
        },
        topics: {},
      },
    },
    suppressed: {},
    stats: { orderCount: 0, totalSpent: 0 },
    appliedEventKeys: [],
    version,
    createdAt: '2024-04-01T00:00:00.000Z',
    updatedAt: '2024-04-01T00:00:00.000Z',
    ...changes,
  };
}

function givenContact(contact = storedContact(5)) {
  ddbMock.on(GetCommand, { TableName: CONTACTS, Key: { pk: `PHONE#${PHONE}` } }).resolves({
    Item: { pk: `PHONE#${PHONE}`, kind: 'identity', contactId: 'c-7' },
  });
  ddbMock.on(GetCommand, { TableName: CONTACTS, Key: { pk: 'CONTACT#c-7' } }).resolves({ Item: contact });
}

const puts = () => ddbMock.commandCalls(PutCommand).map((call) => call.args[0].input);
/** The profiles written. */
const saved = () => puts().filter((put) => String(put.Item?.pk).startsWith('CONTACT#'));
/** The number's opt-out state written. */
const numberStates = () => puts().filter((put) => put.Item?.pk === `SMSOPTOUT#${PHONE}`);

beforeEach(() => {
  ddbMock.on(GetCommand).resolves({});
  ddbMock.on(PutCommand).resolves({});
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
});

afterEach(() => {
  ddbMock.reset();
  sqsMock.reset();
  vi.restoreAllMocks();
});

describe('incoming SMS', () => {
  it('opts the number out of SMS on STOP, conditioned on the profile version', async () => {
    // Prepare
    givenContact();

    // Act
    const result = await handler(
      inboundSmsNotification({ from: PHONE, body: 'Stop', at: AT }),
      lambdaContext(),
    );

    // Assess
    expect(result).toMatchObject([{ status: 'recorded', eventType: 'sms_opt_out' }]);
    const [put] = saved();
    expect(put?.ConditionExpression).toBe('version = :version');
    expect(put?.ExpressionAttributeValues).toEqual({ ':version': 5 });
    expect(put?.Item?.consent.sms.channel).toMatchObject({
      status: 'opted_out',
      at: '2024-05-01T18:30:00.000Z',
      source: 'sms-reply',
      proof: { kind: 'sms_keyword' },
    });
    expect(put?.Item?.consent.sms.channel.proof.reference).toMatch(/^STOP:/);
    // The number itself is opted out, whoever gives it, unless a later keyword is recorded
    expect(numberStates()).toEqual([
      expect.objectContaining({
        Item: expect.objectContaining({
          status: 'opted_out',
          keyword: 'STOP',
          at: '2024-05-01T18:30:00.000Z',
        }),
        ConditionExpression: 'attribute_not_exists(pk) OR #at <= :at',
      }),
    ]);
  });

  it('opts the number back in on START', async () => {
    // Prepare
    givenContact(
      storedContact(6, {
        consent: {
          sms: {
            channel: {
              status: 'opted_out',
              at: '2024-04-20T00:00:00.000Z',
              source: 'sms-reply',
              proof: { kind: 'sms_keyword', reference: 'STOP:in-0' },
            },
            topics: {},
          },
        },
      }),
    );

    // Act
    await handler(inboundSmsNotification({ from: PHONE, body: 'START', at: AT }), lambdaContext());

    // Assess
    expect(saved()[0]?.Item?.consent.sms.channel.status).toBe('opted_in');
  });

  it('records the STOP of a number no contact has on the number only', async () => {
    // Act
    const result = await handler(
      inboundSmsNotification({ from: PHONE, body: 'STOP', at: AT }),
      lambdaContext(),
    );

    // Assess
    expect(result).toMatchObject([{ status: 'recorded', applied: { consent: { outcome: 'no_contact' } } }]);
    expect(saved()).toHaveLength(0);
    expect(numberStates()).toHaveLength(1);
  });

  it('ignores a reply that is not a keyword without reading any table', async () => {
    // Act
    const result = await handler(
      inboundSmsNotification({ from: PHONE, body: 'Thanks, see you soon', at: AT }),
      lambdaContext(),
    );

    // Assess
    expect(result).toEqual([{ status: 'ignored', reason: 'not an opt-out or opt-in keyword' }]);
    expect(ddbMock.calls()).toHaveLength(0);
  });

  it('dead-letters a notification whose message is not the two-way SMS JSON, without throwing', async () => {
    // Prepare
    const event = inboundSmsNotification({ from: PHONE, body: 'STOP', at: AT });
    const [record] = event.Records;
    if (!record) throw new Error('no record');
    record.Sns.Message = 'STOP';

    // Act
    const result = await handler(event, lambdaContext());

    // Assess
    expect(result).toMatchObject([{ status: 'dead_lettered', issues: ['Sns.Message: is not JSON'] }]);
    expect(sqsMock.commandCalls(SendMessageCommand)[0]?.args[0].input.QueueUrl).toBe(DEAD_LETTERS);
    expect(ddbMock.calls()).toHaveLength(0);
  });

  it('never logs the phone number', async () => {
    // Prepare
    givenContact();
    const info = vi.spyOn(logger, 'info');

    // Act
    await handler(inboundSmsNotification({ from: PHONE, body: 'STOP', at: AT }), lambdaContext());
    await handler(inboundSmsNotification({ from: PHONE, body: 'hello', at: AT }), lambdaContext());

    // Assess
    expect(info).toHaveBeenCalledTimes(2);
    expect(JSON.stringify(info.mock.calls)).not.toContain(PHONE.slice(1));
  });
});
