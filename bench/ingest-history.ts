/**
 * Ingest's read and write units per event by the contact's history: one contact with 10 events and
 * one with 10,000 spread over the aggregates' 400-day window (carts, orders, page views), both
 * built through the ingest use case itself (functions/ingest/ingest-event.ts) on a virtual clock,
 * then one more cart event each, metered by the local DynamoDB as DynamoDB bills it on demand, in
 * the tables the template declares (keys, indexes and TTL) and with the ingest function's settings.
 * Issue 18.3's target: the same units for both.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { useClock } from '#platform/clock.ts';
import { ENV } from '#platform/env-names.ts';
import { LocalDynamo, storedItemBytes } from '../local/aws/dynamodb.ts';
import { serveAws } from '../local/aws/http-adapter.ts';
import { loadLocalApp } from '../local/aws/template.ts';
import { synthesizeForLocal } from '../local/dev/synth.ts';
import { count, type Table, verdict } from './report.ts';

const DAY_MS = 86_400_000;
const INGEST_ENTRY = 'functions/ingest/bus-handler.ts';

export interface IngestHistoryBenchOptions {
  /** Events of history of the light and the heavy contact. */
  readonly histories: readonly number[];
  /** The instant the measured event arrives. */
  readonly nowMs: number;
}

/** The detail of the `i`th history event of a contact: mostly carts, one order in five, some page views. */
function historyEvent(email: string, i: number, occurredAt: string): { type: string; detail: object } {
  const base = { eventId: `${email}-${i}`, occurredAt, source: 'shop.example.com', contact: { email } };
  const item = { sku: `SKU-${i % 40}`, name: 'Blue T-shirt (M)', qty: 1 + (i % 3), price: 19.99 };
  if (i % 5 === 4)
    return {
      type: 'order.completed',
      detail: { ...base, orderId: `order-${i}`, items: [item], total: 19.99 * item.qty, currency: 'EUR' },
    };
  if (i % 7 === 3)
    return {
      type: 'page.viewed',
      detail: { ...base, path: '/pricing', url: 'https://shop.example.com/pricing', title: 'Pricing' },
    };
  return {
    type: 'cart.updated',
    detail: { ...base, cartId: `cart-${email}`, items: [item], value: 19.99 * item.qty, currency: 'EUR' },
  };
}

interface Measured {
  readonly history: number;
  readonly read: number;
  readonly write: number;
  readonly profileBytes: number;
}

export async function benchIngestHistory(options: IngestHistoryBenchOptions): Promise<Table[]> {
  const dynamo = new LocalDynamo();
  await dynamo.start();
  const served = await serveAws((req) => dynamo.handle(req), { host: '127.0.0.1', port: 0 });
  // The shared SDK clients read the endpoint when their module loads: set it before importing ingest.
  process.env.AWS_ENDPOINT_URL = served.url;
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'bench';
  process.env.AWS_SECRET_ACCESS_KEY = 'bench';
  const client = new DynamoDBClient({
    endpoint: served.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  let clock = options.nowMs;
  const restoreClock = useClock({ now: () => clock, scale: 0 });
  const cdkOut = mkdtempSync(join(tmpdir(), 'relance-bench-ingest-'));
  try {
    const app = loadLocalApp(synthesizeForLocal(cdkOut), served.url);
    await dynamo.createTables(served.url, app.tables);
    const ingestFunction = app.functions.find((fn) => fn.entry === INGEST_ENTRY);
    if (!ingestFunction) throw new Error(`the template has no function for ${INGEST_ENTRY}`);
    const setting = (name: string) => {
      const value = ingestFunction.environment[name];
      if (value === undefined) throw new Error(`the ingest function has no ${name}`);
      return value;
    };
    const contactsTable = app.tables.find((table) => table.name === setting(ENV.contactsTable));
    if (!contactsTable) throw new Error('the template has no contacts table');
    const { ingestEvent } = await import('../functions/ingest/ingest-event.ts');
    const { ContactsRepository } = await import('../functions/contacts/contacts-repository.ts');
    const { EventsRepository } = await import('../functions/contacts/events-repository.ts');
    const { ProductsRepository } = await import('../functions/products/products-repository.ts');
    const { segments } = await import('../workflows/segments/index.ts');
    const contacts = new ContactsRepository(contactsTable.name);
    let ids = 0;
    const deps = {
      contacts,
      events: new EventsRepository(setting(ENV.eventsTable)),
      products: new ProductsRepository(setting(ENV.productsTable)),
      publish: async () => undefined,
      reject: async (rejection: { errors: unknown }) => {
        throw new Error(`the benchmark's event was rejected: ${JSON.stringify(rejection.errors)}`);
      },
      newContactId: () => `bench-contact-${++ids}`,
      historyRetention: {
        fullDays: Number(setting(ENV.historyRetentionDays)),
        recentDays: Number(setting(ENV.recentHistoryRetentionDays)),
        fullTypes: new Set(setting(ENV.fullHistoryEventTypes).split(',')),
      },
      segments,
      defaultTimezone: 'UTC',
    };
    const ingest = async (type: string, detail: object) => {
      const result = await ingestEvent(deps, { detailType: type, source: 'shop.example.com', detail });
      if (result.status !== 'accepted') throw new Error(`event not accepted: ${JSON.stringify(result)}`);
      return result;
    };

    const measured: Measured[] = [];
    for (const history of options.histories) {
      const email = `history-${history}@example.test`;
      // Spread over the 400 days before now, oldest first, each ingested at its own time.
      const spanMs = 399 * DAY_MS;
      let contactId = '';
      for (let i = 0; i < history; i++) {
        const at = options.nowMs - spanMs + Math.floor((spanMs * i) / Math.max(1, history - 1)) - DAY_MS;
        clock = at;
        const event = historyEvent(email, i, new Date(at).toISOString());
        contactId = (await ingest(event.type, event.detail)).contactId ?? contactId;
      }
      clock = options.nowMs;
      const { Item: profile } = await client.send(
        new GetItemCommand({ TableName: contactsTable.name, Key: { pk: { S: `CONTACT#${contactId}` } } }),
      );
      if (!profile) throw new Error(`no profile for ${contactId}`);
      const before = { ...dynamo.units };
      const next = historyEvent(email, history, new Date(options.nowMs).toISOString());
      await ingest('cart.updated', {
        ...next.detail,
        cartId: `cart-${email}`,
        items: [{ sku: 'SKU-1', name: 'Blue T-shirt (M)', qty: 1, price: 19.99 }],
        value: 19.99,
        currency: 'EUR',
      });
      measured.push({
        history,
        read: dynamo.units.read - before.read,
        write: dynamo.units.write - before.write,
        profileBytes: storedItemBytes(contactsTable, profile) - 100,
      });
    }
    const [light, heavy] = [measured[0], measured[measured.length - 1]];
    const same =
      light !== undefined && heavy !== undefined && light.read === heavy.read && light.write === heavy.write;
    return [
      {
        title: 'Ingest units per event by history (one cart event, after N events over 400 days)',
        columns: ['events of history', 'read units', 'write units', 'profile item', 'target', 'verdict'],
        rows: measured.map((m, i) => [
          count(m.history),
          String(m.read),
          String(m.write),
          `${(m.profileBytes / 1024).toFixed(1)} KB`,
          i === 0 ? 'reference' : 'same as the first',
          i === 0 ? '' : verdict(m.read === light?.read && m.write === light?.write),
        ]),
        notes: [
          'profile item: its size as DynamoDB counts it before the measured event',
          'units as DynamoDB bills them on demand (dynalite\u2019s ConsumedCapacity: writes per 1 KB of the larger of the item before and after, strongly consistent reads per 4 KB), every table ingest touches',
          `history built through ingest itself on a virtual clock: carts, an order in five, page views; ${same ? 'met' : 'not met'}`,
        ],
      },
    ];
  } finally {
    restoreClock();
    rmSync(cdkOut, { recursive: true, force: true });
    client.destroy();
    await served.close();
    await dynamo.close();
  }
}
