// Ingest re-published every accepted event with source relance.ingest, and EventBridge bills each
// one ($1 a million), though only the types a relance rule matches reach anything: a page view
// (a shop's most frequent event) was published for no one. Now ingest publishes the types the
// template's rules match (PUBLISHED_EVENT_TYPES, read from the rules at synth) unless the
// deployment asks for every one (`publishAcceptedEvents: 'all'`, for rules of its own).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventId, type LocalSystem, startLocalSystem } from '../support/local-system.ts';

const accepted = (system: LocalSystem, type: string) =>
  system.runtime.bus.events.filter(
    (record) => record.event.source === 'relance.ingest' && record.event['detail-type'] === type,
  );

/** The marker ingest writes once it has applied an event (its type), read from the events table. */
async function processed(system: LocalSystem, id: string): Promise<unknown> {
  const documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: system.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  try {
    const { Item } = await documents.send(
      new GetCommand({ TableName: system.tables.events ?? '', Key: { pk: `EVENT#${id}`, sk: 'DEDUPE' } }),
    );
    return Item?.type;
  } finally {
    documents.destroy();
  }
}

const pageView = (system: LocalSystem, id: string, email: string) =>
  system.put('page.viewed', {
    eventId: id,
    occurredAt: new Date(system.runtime.clock.now()).toISOString(),
    source: 'shop.test',
    contact: { email },
    path: '/pricing',
  });

describe('accepted events re-published on the bus', () => {
  let system: LocalSystem;

  beforeAll(async () => {
    system = await startLocalSystem();
  });
  afterAll(async () => {
    await system.stop();
  });

  it('are the types a relance rule matches: a page view is stored, not published; a sign-up is published', async () => {
    // Act
    const viewId = eventId('page');
    await pageView(system, viewId, 'viewer@example.com');
    await system.put('contact.signed_up', {
      eventId: eventId('signup'),
      occurredAt: new Date(system.runtime.clock.now()).toISOString(),
      source: 'shop.test',
      contact: { email: 'viewer@example.com' },
    });
    await system.runtime.idle();

    // Assess: the page view was applied (ingest marked it processed), and only the sign-up went out.
    const ingest = system.runtime.app.functions.find((f) => f.entry === 'functions/ingest/bus-handler.ts');
    expect(ingest?.environment.PUBLISHED_EVENT_TYPES?.split(',')).toEqual(
      expect.arrayContaining(['cart.updated', 'contact.signed_up', 'lead.submitted', 'order.completed']),
    );
    expect(ingest?.environment.PUBLISHED_EVENT_TYPES).not.toContain('page.viewed');
    expect(await processed(system, viewId)).toBe('page.viewed');
    expect(accepted(system, 'page.viewed')).toHaveLength(0);
    expect(accepted(system, 'contact.signed_up')).toHaveLength(1);
  });
});

describe("accepted events with publishAcceptedEvents: 'all'", () => {
  let system: LocalSystem;

  beforeAll(async () => {
    system = await startLocalSystem({ context: { 'relance:publishAcceptedEvents': 'all' } });
  });
  afterAll(async () => {
    await system.stop();
  });

  it('are every type, for rules of the deployment’s own', async () => {
    // Act
    await pageView(system, eventId('page-all'), 'all@example.com');
    await system.runtime.idle();

    // Assess
    expect(accepted(system, 'page.viewed')).toHaveLength(1);
  });
});
