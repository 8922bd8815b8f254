import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useClock } from '#platform/clock.ts';
import { RoundTrips } from '../../support/round-trips.ts';
import { examples } from '../../workflows/catalogue/examples.ts';
import { lambdaContext } from '../lambda-context.ts';

const BUS = 'relance-test-bus';
const REJECTED_QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/rejected-events';
const CONTACTS = 'contacts-table';
const EVENTS = 'events-table';
const PRODUCTS = 'products-table';

const ddbMock = mockClient(DynamoDBDocumentClient);
const eventBridgeMock = mockClient(EventBridgeClient);
const sqsMock = mockClient(SQSClient);

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;
let handler: Handler;

beforeAll(async () => {
  process.env.EVENT_BUS_NAME = BUS;
  process.env.REJECTED_EVENTS_QUEUE_URL = REJECTED_QUEUE;
  process.env.CONTACTS_TABLE = CONTACTS;
  process.env.EVENTS_TABLE = EVENTS;
  process.env.PRODUCTS_TABLE = PRODUCTS;
  // As the template sets them: orders (the journeys' goal) kept 400 days, other events 90.
  process.env.HISTORY_RETENTION_DAYS = '400';
  process.env.RECENT_HISTORY_RETENTION_DAYS = '90';
  process.env.FULL_HISTORY_EVENT_TYPES = 'order.completed';
  ({ handler } = await import('../../../functions/ingest/bus-handler.ts'));
});

beforeEach(() => {
  // Nothing known yet: no dedupe marker, no identity, no profile.
  ddbMock.on(GetCommand).resolves({});
  ddbMock.on(PutCommand).resolves({});
  ddbMock.on(UpdateCommand).resolves({});
  eventBridgeMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'eb-1' }] });
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'sqs-1' });
});

afterEach(() => {
  ddbMock.reset();
  eventBridgeMock.reset();
  sqsMock.reset();
});

/** An EventBridge event as a producer puts it on the bus. */
function busEvent(detailType: string, detail: unknown) {
  return {
    version: '0',
    id: 'a1b2c3d4-0000-0000-0000-000000000001',
    'detail-type': detailType,
    source: 'shop.example.com',
    account: '123456789012',
    time: '2024-05-01T12:00:01Z',
    region: 'us-east-1',
    resources: [],
    detail,
  };
}

function conditionFailed(): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
}

/** A stored contact profile as the contacts table holds it (valid for `Contact.parse`). */
function storedContact(contactId: string, version: number) {
  return {
    pk: `CONTACT#${contactId}`,
    kind: 'contact',
    contactId,
    email: 'ada@example.com',
    attributes: {},
    tags: ['prospect'],
    lockedFields: [],
    consent: {},
    suppressed: {},
    stats: { orderCount: 0, totalSpent: 0 },
    appliedEventKeys: [],
    version,
    createdAt: '2024-04-01T00:00:00.000Z',
    updatedAt: '2024-04-01T00:00:00.000Z',
  };
}

function putItems(): Array<Record<string, unknown>> {
  return ddbMock.commandCalls(PutCommand).map((call) => call.args[0].input.Item ?? {});
}

function putEventsDetails(): Array<Record<string, unknown>> {
  return eventBridgeMock
    .commandCalls(PutEventsCommand)
    .flatMap((call) => call.args[0].input.Entries ?? [])
    .map((entry) => JSON.parse(entry.Detail ?? '{}'));
}

function noDynamoWrites() {
  expect(ddbMock.commandCalls(PutCommand)).toHaveLength(0);
  expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
}

describe('ingest from the bus', () => {
  it('sends an invalid event to the rejected-events queue naming the failing field, and writes nothing', async () => {
    // Prepare
    const cart = examples['cart.updated'];
    const items = cart.items as Array<Record<string, unknown>>;
    const detail = { ...cart, items: items.map((item) => ({ ...item, qty: '2' })) };

    // Act
    const result = await handler(busEvent('cart.updated', detail), lambdaContext('ingest-bus'));

    // Assess
    expect(result).toMatchObject({ status: 'rejected' });
    const sends = sqsMock.commandCalls(SendMessageCommand);
    expect(sends).toHaveLength(1);
    const input = sends[0]?.args[0].input;
    expect(input?.QueueUrl).toBe(REJECTED_QUEUE);
    const body = JSON.parse(input?.MessageBody ?? '{}');
    expect(body.detailType).toBe('cart.updated');
    expect(body.errors.map((e: { field: string }) => e.field)).toContain('detail.items.0.qty');
    expect(input?.MessageAttributes?.firstError?.StringValue).toBe('detail.items.0.qty');
    noDynamoWrites();
    expect(eventBridgeMock.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it.each(['constructor', '__proto__'])(
    'records a producer event with an attribute called %s in the rejected-events queue, naming it, and writes nothing',
    async (name) => {
      // Prepare: the bus hands ingest the detail JSON.parse made, where `__proto__` is an own key.
      const detail = JSON.parse(
        JSON.stringify({ ...examples['contact.signed_up'], attributes: {} }).replace(
          '"attributes":{}',
          `"attributes":{"${name}":"x"}`,
        ),
      );

      // Act
      const result = await handler(busEvent('contact.signed_up', detail), lambdaContext('ingest-bus'));

      // Assess
      expect(result).toMatchObject({ status: 'rejected' });
      const input = sqsMock.commandCalls(SendMessageCommand)[0]?.args[0].input;
      expect(input?.QueueUrl).toBe(REJECTED_QUEUE);
      expect(JSON.parse(input?.MessageBody ?? '{}').errors).toEqual([
        {
          field: `detail.attributes.${name}`,
          message: expect.stringContaining('JavaScript objects reserve'),
        },
      ]);
      expect(input?.MessageAttributes?.firstError?.StringValue).toBe(`detail.attributes.${name}`);
      noDynamoWrites();
      expect(eventBridgeMock.commandCalls(PutEventsCommand)).toHaveLength(0);
    },
  );

  it('rejects an unknown detail-type the same way', async () => {
    // Act
    const result = await handler(busEvent('cart.exploded', examples['cart.updated']), lambdaContext());

    // Assess
    expect(result).toMatchObject({ status: 'rejected' });
    const body = JSON.parse(sqsMock.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageBody ?? '{}');
    expect(body.errors.map((e: { field: string }) => e.field)).toEqual(['detail-type']);
    noDynamoWrites();
    expect(eventBridgeMock.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('ingests a new sign-up: identity claims, profile, history, accepted event, then the dedupe marker', async () => {
    // Prepare
    const detail = examples['contact.signed_up'];

    // Act
    const result = await handler(busEvent('contact.signed_up', detail), lambdaContext());

    // Assess
    const items = putItems();
    expect(items.map((item) => item.pk)).toEqual([
      'EMAIL#ada@example.com',
      expect.stringMatching(/^CONTACT#/),
      expect.stringMatching(/^CONTACT#/),
      'EVENT#evt-signup-1',
    ]);
    const [emailClaim, profile, history, marker] = items;
    const contactId = String(profile?.contactId);
    expect(result).toEqual({ status: 'accepted', eventId: 'evt-signup-1', contactId });
    // The contact was made for this event: its profile is written without being read first.
    expect(
      ddbMock.commandCalls(GetCommand, { TableName: CONTACTS, Key: { pk: `CONTACT#${contactId}` } }),
    ).toHaveLength(0);

    const puts = ddbMock.commandCalls(PutCommand).map((call) => call.args[0].input);
    expect(puts[0]).toMatchObject({
      TableName: CONTACTS,
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: { kind: 'identity', contactId },
    });
    expect(emailClaim?.contactId).toBe(contactId);
    expect(puts[1]).toMatchObject({ TableName: CONTACTS, ConditionExpression: 'attribute_not_exists(pk)' });
    // The phone number describes: the contact is listed among those who give it, nothing claimed.
    const phoneUpdates = ddbMock
      .commandCalls(UpdateCommand)
      .map((call) => call.args[0].input)
      .filter((input) => input.Key?.pk === 'PHONE#+33612345678');
    expect(phoneUpdates).toEqual([
      expect.objectContaining({
        UpdateExpression: expect.stringContaining('ADD contactIds :ids'),
        ExpressionAttributeValues: expect.objectContaining({ ':ids': new Set([contactId]) }),
      }),
    ]);
    expect(profile).toMatchObject({
      pk: `CONTACT#${contactId}`,
      kind: 'contact',
      email: 'ada@example.com',
      phone: '+33612345678',
      firstName: 'Ada',
      version: 1,
    });
    expect(puts[2]?.TableName).toBe(EVENTS);
    expect(history).toMatchObject({ pk: `CONTACT#${contactId}`, sk: expect.stringMatching(/^AT#/) });
    expect(puts[3]?.TableName).toBe(EVENTS);
    expect(marker).toMatchObject({ sk: 'DEDUPE', type: 'contact.signed_up' });

    const entries = eventBridgeMock
      .commandCalls(PutEventsCommand)
      .flatMap((c) => c.args[0].input.Entries ?? []);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      EventBusName: BUS,
      Source: 'relance.ingest',
      DetailType: 'contact.signed_up',
    });
    expect(putEventsDetails()[0]).toMatchObject({ eventId: 'evt-signup-1', contact: { contactId } });
  });

  it('reaches the accepted event of a new contact in four DynamoDB round trips: independent reads and writes go together', async () => {
    // Prepare: every DynamoDB call waits until the test answers the round trip it belongs to.
    const trips = new RoundTrips();
    ddbMock.on(GetCommand).callsFake(() => trips.answer({}));
    ddbMock.on(PutCommand).callsFake(() => trips.answer({}));
    ddbMock.on(UpdateCommand).callsFake(() => trips.answer({}));
    let tripsBeforePublish: number | undefined;
    eventBridgeMock.on(PutEventsCommand).callsFake(() => {
      tripsBeforePublish ??= trips.count;
      return { FailedEntryCount: 0, Entries: [{ EventId: 'eb-1' }] };
    });

    // Act: answer all the calls in flight at once, as one round trip, until ingest ends.
    const ingested = await trips.drive(
      handler(busEvent('contact.signed_up', examples['contact.signed_up']), lambdaContext()),
    );

    // Assess: the dedupe marker with the e-mail and phone items; the e-mail's claim; the profile;
    // the phone's holders with the history (and the zone registry, the first time this container
    // sees the zone). Then the accepted event, then the dedupe marker.
    expect(ingested).toMatchObject({ status: 'accepted' });
    expect(tripsBeforePublish).toBe(4);
    expect(trips.callsPerTrip.slice(0, 3)).toEqual([3, 1, 1]);
    expect(trips.callsPerTrip[3]).toBeGreaterThanOrEqual(2);
    expect(putItems().map((item) => item.pk)).toEqual([
      'EMAIL#ada@example.com',
      expect.stringMatching(/^CONTACT#/),
      expect.stringMatching(/^CONTACT#/),
      'EVENT#evt-signup-1',
    ]);
  });

  it('notes a cart’s interest in each SKU once, however many lines name it', async () => {
    // Prepare
    const cart = examples['cart.updated'];
    const [line] = cart.items as Array<{ sku: string }>;
    const detail = {
      ...cart,
      items: [line, { ...line, qty: 3 }, { ...line, sku: 'SKU-OTHER', name: 'Other' }],
    };

    // Act
    await handler(busEvent('cart.updated', detail), lambdaContext());

    // Assess
    const interests = putItems()
      .filter((item) => String(item.sk).startsWith('INTEREST#'))
      .map((item) => item.pk);
    expect(interests.sort()).toEqual([`SKU#${line?.sku}`, 'SKU#SKU-OTHER'].sort());
  });

  it('keeps a goal event (an order) in the history for the full retention, any other event (a cart) for the recent one', async () => {
    // Prepare
    const nowMs = Date.parse('2026-03-02T10:00:00.000Z');
    const restoreClock = useClock({ now: () => nowMs, scale: 0 });

    // Act
    try {
      await handler(busEvent('cart.updated', examples['cart.updated']), lambdaContext());
      await handler(busEvent('order.completed', examples['order.completed']), lambdaContext());
    } finally {
      restoreClock();
    }

    // Assess
    const history = ddbMock
      .commandCalls(PutCommand, { TableName: EVENTS })
      .map((call) => call.args[0].input.Item ?? {})
      .filter((item) => String(item.sk).startsWith('AT#'));
    expect(history.map((item) => [item.type, item.expiresAt])).toEqual([
      ['cart.updated', nowMs / 1000 + 90 * 86_400],
      ['order.completed', nowMs / 1000 + 400 * 86_400],
    ]);
  });

  it('publishes before writing the dedupe marker', async () => {
    // Prepare
    let putsWhenPublished = -1;
    eventBridgeMock.on(PutEventsCommand).callsFake(() => {
      putsWhenPublished = putItems().length;
      return { FailedEntryCount: 0, Entries: [{ EventId: 'eb-1' }] };
    });

    // Act
    await handler(busEvent('contact.signed_up', examples['contact.signed_up']), lambdaContext());

    // Assess
    const items = putItems();
    expect(putsWhenPublished).toBe(items.length - 1);
    expect(items.at(-1)?.pk).toBe('EVENT#evt-signup-1');
  });

  it('drops a redelivered event whose dedupe marker exists: no writes, no publish', async () => {
    // Prepare
    ddbMock
      .on(GetCommand, { TableName: EVENTS, Key: { pk: 'EVENT#evt-signup-1', sk: 'DEDUPE' } })
      .resolves({ Item: { pk: 'EVENT#evt-signup-1', sk: 'DEDUPE', type: 'contact.signed_up' } });

    // Act
    const result = await handler(
      busEvent('contact.signed_up', examples['contact.signed_up']),
      lambdaContext(),
    );

    // Assess
    expect(result).toEqual({ status: 'duplicate', eventId: 'evt-signup-1' });
    noDynamoWrites();
    expect(eventBridgeMock.commandCalls(PutEventsCommand)).toHaveLength(0);
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('retries a profile write that lost a race by reading again (optimistic concurrency)', async () => {
    // Prepare: someone creates the profile between our read and our write.
    const profileKey = { pk: 'CONTACT#c-42' };
    ddbMock
      .on(GetCommand, { TableName: CONTACTS, Key: profileKey })
      .resolvesOnce({})
      .resolves({ Item: storedContact('c-42', 1) });
    ddbMock
      .on(PutCommand, { TableName: CONTACTS, Item: profileKey })
      .rejectsOnce(conditionFailed())
      .resolves({});

    // Act
    const result = await handler(busEvent('contact.updated', examples['contact.updated']), lambdaContext());

    // Assess
    expect(result).toEqual({ status: 'accepted', eventId: 'evt-update-1', contactId: 'c-42' });
    const profileGets = ddbMock.commandCalls(GetCommand, { TableName: CONTACTS, Key: profileKey });
    expect(profileGets).toHaveLength(2);
    const profilePuts = ddbMock
      .commandCalls(PutCommand, { TableName: CONTACTS, Item: profileKey })
      .map((call) => call.args[0].input);
    expect(profilePuts).toHaveLength(2);
    expect(profilePuts[0]?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(profilePuts[1]).toMatchObject({
      ConditionExpression: 'version = :version',
      ExpressionAttributeValues: { ':version': 1 },
      Item: { version: 2, lastName: 'King', tags: ['vip'] },
    });
    expect(eventBridgeMock.commandCalls(PutEventsCommand)).toHaveLength(1);
    expect(putItems().at(-1)?.pk).toBe('EVENT#evt-update-1');
  });

  it('throws when PutEvents reports a failed entry, and leaves no dedupe marker', async () => {
    // Prepare
    eventBridgeMock.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }],
    });

    // Act
    const act = handler(busEvent('contact.signed_up', examples['contact.signed_up']), lambdaContext());

    // Assess
    await expect(act).rejects.toThrow(/PutEvents failed/);
    expect(putItems().map((item) => item.pk)).not.toContain('EVENT#evt-signup-1');
    expect(ddbMock.commandCalls(PutCommand, { Item: { sk: 'DEDUPE' } })).toHaveLength(0);
  });

  it('throws when PutEvents throws, and leaves no dedupe marker', async () => {
    // Prepare
    const error = new Error('Rate exceeded');
    error.name = 'ThrottlingException';
    eventBridgeMock.on(PutEventsCommand).rejects(error);

    // Act
    const act = handler(busEvent('contact.signed_up', examples['contact.signed_up']), lambdaContext());

    // Assess
    await expect(act).rejects.toThrow('Rate exceeded');
    expect(ddbMock.commandCalls(PutCommand, { Item: { sk: 'DEDUPE' } })).toHaveLength(0);
  });
});
