/**
 * Audience build rate over the local runtime's DynamoDB: its stand-in (local/aws/dynamodb.ts,
 * dynalite in this process), a table shaped like Contacts (`pk` key, profiles written as
 * ContactsRepository.save writes them), loaded with BatchWriteItem, then the `lapsed-90` audience
 * built the way an audience pass reads it, from where the local runtime runs that function: a
 * worker thread whose SDK calls reach the stand-in over a MessagePort (./audience-reader.ts). A
 * parallel scan, every segment of it at once, page by bounded page (`scanPage`), each contact
 * evaluated against the deployed segments.
 */
import { MessageChannel, Worker } from 'node:worker_threads';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { evaluateAll } from '../functions/segments/membership.ts';
import { LocalDynamo } from '../local/aws/dynamodb.ts';
import { serveAws } from '../local/aws/http-adapter.ts';
import { serveAwsOverPort } from '../local/aws/in-process-http.ts';
import { segments } from '../workflows/segments/index.ts';
import type { AudienceReaderData, AudienceReaderResult } from './audience-reader.ts';
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

/** Runs the reader in a worker thread, its SDK calls answered by `dynamo`; what it read. */
function readInWorker(
  dynamo: LocalDynamo,
  endpoint: string,
  options: AudienceBenchOptions,
): Promise<AudienceReaderResult> {
  const channel = new MessageChannel();
  serveAwsOverPort(channel.port1, (req) => dynamo.handle(req));
  const workerData: AudienceReaderData = {
    aws: { port: channel.port2, endpoint },
    table: TABLE,
    nowMs: options.nowMs,
    scanSegments: options.scanSegments,
    pageSize: options.pageSize,
    segment: options.segment,
  };
  // A worker does not inherit tsx's loader on Node 20: it registers it, then loads the reader.
  const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ register }) => {
    register();
    return import(${JSON.stringify(new URL('./audience-reader.ts', import.meta.url).href)});
  });`;
  const worker = new Worker(boot, {
    eval: true,
    workerData,
    // As the local runtime gives a function: the endpoint its clients are built for, a region and keys.
    env: {
      ...process.env,
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
    },
    transferList: [channel.port2],
  });
  return new Promise((resolve, reject) => {
    worker.once('message', (result: AudienceReaderResult) => {
      resolve(result);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) =>
      reject(new Error(`the audience reader stopped (exit ${code}) before answering`)),
    );
  });
}

export async function benchAudience(options: AudienceBenchOptions): Promise<Table[]> {
  const dynamo = new LocalDynamo();
  await dynamo.start();
  const served = await serveAws((req) => dynamo.handle(req), { host: '127.0.0.1', port: 0 });
  const endpoint = served.url;
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
    const loader = DynamoDBDocumentClient.from(admin, { marshallOptions: { removeUndefinedValues: true } });
    const { profileItem } = await import('../functions/contacts/contacts-repository.ts');

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

    // Build: in the worker, as the audience-pass function runs in its sandbox.
    const {
      scanned,
      members,
      pages,
      buildMs: build,
      heapBefore,
      heapPeak,
    } = await readInWorker(dynamo, endpoint, options);

    return [
      {
        title: `Audience build over local DynamoDB (the local runtime's stand-in, ${count(options.contacts)} contacts)`,
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
            "reader's heap",
            '',
            '',
            '',
            '',
            `${megabytes(heapBefore)} before the build, peak ${megabytes(heapPeak)} during it`,
          ],
        ],
        notes: [
          `the reader in a worker thread, its SDK calls in process to the stand-in in the main thread (as the local runtime runs an audience-pass function): ${options.scanSegments} scan segments read concurrently, pages of ${options.pageSize} (ContactsRepository.scanPage: profiles checked by their schema, per-day aggregates decoded when read), evaluateAll per contact`,
          'the load time includes generating the contacts and counting the expected members in memory',
          "heap: the reader's V8 heap (the worker's), sampled at each page with the page held",
        ],
      },
    ];
  } finally {
    admin.destroy();
    await served.close();
    await dynamo.close();
  }
}
