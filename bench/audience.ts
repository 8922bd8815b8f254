/**
 * Audience build rate over a local DynamoDB API: dynalite in this process on 127.0.0.1, a table
 * shaped like Contacts (`pk` key, profiles written as ContactsRepository.save writes them), loaded
 * with BatchWriteItem, then the `lapsed-90` audience built the way an audience pass reads it: a
 * parallel scan, every segment of it at once, page by bounded page (`scanPage`), each contact
 * evaluated against the deployed segments.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { evaluateAll } from '../functions/segments/membership.ts';
import { segments } from '../workflows/segments/index.ts';
import { syntheticContacts } from './contacts.ts';
import { count, megabytes, rate, seconds, type Table, verdict } from './report.ts';

/** Issue 18's target: contacts read and evaluated per second while building an audience, at 100,000 contacts. */
const TARGET_PER_SECOND = 5_000;

export interface AudienceBenchOptions {
  readonly contacts: number;
  readonly seed: number;
  readonly nowMs: number;
  /** Segments of the parallel scan, all read at once. */
  readonly scanSegments: number;
  /** Items per scan page. */
  readonly pageSize: number;
  readonly segment: string;
}

const TABLE = 'bench-contacts';
/** BatchWriteItem's maximum. */
const BATCH = 25;
/** Batches in flight while loading. */
const LOAD_CONCURRENCY = 4;

async function startDynalite(): Promise<{ server: Server; endpoint: string }> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Keeps the largest heap size seen while work runs (sampled, and on demand). */
class HeapWatch {
  peak = 0;
  private readonly timer = setInterval(() => this.sample(), 20);

  sample(): void {
    this.peak = Math.max(this.peak, process.memoryUsage().heapUsed);
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }
}

export async function benchAudience(options: AudienceBenchOptions): Promise<Table[]> {
  const { server, endpoint } = await startDynalite();
  const admin = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  try {
    await admin.send(
      new CreateTableCommand({
        TableName: TABLE,
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    // The shared SDK clients are built on first use: point them at dynalite first.
    process.env.AWS_ENDPOINT_URL = endpoint;
    process.env.AWS_REGION = 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID = 'bench';
    process.env.AWS_SECRET_ACCESS_KEY = 'bench';
    const loader = DynamoDBDocumentClient.from(admin, { marshallOptions: { removeUndefinedValues: true } });
    const { ContactsRepository, profileItem } = await import('../functions/contacts/contacts-repository.ts');

    // Load: profiles as ContactsRepository.save writes them, 25 per BatchWriteItem.
    let expected = 0;
    const source = syntheticContacts(options.contacts, options.seed, options.nowMs);
    const nextBatch = () => {
      const items: Array<Record<string, unknown>> = [];
      for (let next = source.next(); !next.done; next = source.next()) {
        const contact = next.value;
        if (evaluateAll(segments, contact, contact.aggregates, options.nowMs).has(options.segment))
          expected++;
        items.push(profileItem(contact, 1));
        if (items.length === BATCH) break;
      }
      return items;
    };
    const loadStart = performance.now();
    await Promise.all(
      Array.from({ length: LOAD_CONCURRENCY }, async () => {
        for (let items = nextBatch(); items.length > 0; items = nextBatch()) {
          let requests: Record<string, unknown>[] | undefined = items.map((Item) => ({
            PutRequest: { Item },
          }));
          while (requests && requests.length > 0) {
            const answer = await loader.send(new BatchWriteCommand({ RequestItems: { [TABLE]: requests } }));
            requests = answer.UnprocessedItems?.[TABLE] as Record<string, unknown>[] | undefined;
          }
        }
      }),
    );
    const load = performance.now() - loadStart;

    // Build: every segment of the parallel scan at once, one bounded page at a time.
    const repository = new ContactsRepository(TABLE);
    globalThis.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const heap = new HeapWatch();
    let scanned = 0;
    let members = 0;
    let pages = 0;
    const buildStart = performance.now();
    await Promise.all(
      Array.from({ length: options.scanSegments }, async (_, segment) => {
        let startKey: Record<string, unknown> | undefined;
        do {
          const page = await repository.scanPage({
            segment,
            totalSegments: options.scanSegments,
            startKey,
            limit: options.pageSize,
          });
          pages++;
          for (const { contact } of page.contacts) {
            scanned++;
            if (evaluateAll(segments, contact, contact.aggregates, options.nowMs).has(options.segment))
              members++;
          }
          heap.sample();
          startKey = page.nextKey;
        } while (startKey);
      }),
    );
    const build = performance.now() - buildStart;
    heap.stop();

    return [
      {
        title: `Audience build over local DynamoDB (dynalite in process, ${count(options.contacts)} contacts)`,
        columns: ['phase', 'time', 'contacts/s', 'target', 'verdict', 'detail'],
        align: ['left', 'right', 'right', 'right', 'left', 'left'],
        rows: [
          [
            'load (BatchWriteItem)',
            seconds(load),
            rate(options.contacts, load),
            '',
            '',
            `${LOAD_CONCURRENCY} batches of ${BATCH} in flight`,
          ],
          [
            `build ${options.segment} (parallel scan)`,
            seconds(build),
            rate(scanned, build),
            `>= ${count(TARGET_PER_SECOND)}`,
            // Every contact read and the members as counted in memory: a fast wrong build fails.
            verdict(
              scanned / (build / 1000) >= TARGET_PER_SECOND &&
                scanned === options.contacts &&
                members === expected,
            ),
            `${count(scanned)} scanned, ${count(members)} members (expected ${count(expected)}), ${count(pages)} pages`,
          ],
          [
            'heap used',
            '',
            '',
            '',
            '',
            `${megabytes(heapBefore)} before the build, peak ${megabytes(heap.peak)} during it`,
          ],
        ],
        notes: [
          `${options.scanSegments} scan segments read concurrently (more only adds pages in flight: the reader and dynalite share one thread), pages of ${options.pageSize} (ContactsRepository.scanPage: Contact.parse per item), evaluateAll per contact`,
          'the load time includes generating the contacts and counting the expected members in memory',
          'heap: V8 heap used by this process, which also runs dynalite; the rise during the build is the build (pages in flight)',
        ],
      },
    ];
  } finally {
    admin.destroy();
    server.closeAllConnections?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
