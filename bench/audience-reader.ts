/**
 * The audience benchmark's reader, run in a worker thread as the local runtime runs an audience-pass
 * function in its Lambda sandbox: its SDK clients reach the local DynamoDB, in the main thread, over
 * a MessagePort (local/aws/in-process-http.ts), requests and responses on the wire as over HTTP.
 * Reads every segment of a parallel scan at once, page by bounded page, and evaluates each contact
 * against the deployed segments; posts back what it read.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { evaluateAll } from '../functions/segments/membership.ts';
import { type InProcessAws, useInProcessAws } from '../local/aws/in-process-http.ts';
import { segments } from '../workflows/segments/index.ts';

export interface AudienceReaderData {
  readonly aws: InProcessAws;
  readonly table: string;
  readonly nowMs: number;
  readonly scanSegments: number;
  readonly pageSize: number;
  readonly segment: string;
}

export interface AudienceReaderResult {
  readonly scanned: number;
  readonly members: number;
  readonly pages: number;
  readonly buildMs: number;
  readonly heapBefore: number;
  readonly heapPeak: number;
}

const data = workerData as AudienceReaderData;
// Before the repository's module builds the shared client: its transport is the port.
useInProcessAws(data.aws);
const { ContactsRepository } = await import('../functions/contacts/contacts-repository.ts');

const repository = new ContactsRepository(data.table);
globalThis.gc?.();
const heapBefore = process.memoryUsage().heapUsed;
let heapPeak = heapBefore;
let scanned = 0;
let members = 0;
let pages = 0;
const buildStart = performance.now();
await Promise.all(
  Array.from({ length: data.scanSegments }, async (_, segment) => {
    const pagesOfSegment = repository.scan({
      segment,
      totalSegments: data.scanSegments,
      limit: data.pageSize,
    });
    for await (const contacts of pagesOfSegment) {
      pages++;
      // With the page and its contacts still held: the most this reader keeps at once.
      heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
      for (const contact of contacts) {
        scanned++;
        if (evaluateAll(segments, contact, contact.aggregates, data.nowMs).has(data.segment)) members++;
      }
    }
  }),
);
const buildMs = performance.now() - buildStart;
parentPort?.postMessage({
  scanned,
  members,
  pages,
  buildMs,
  heapBefore,
  heapPeak,
} satisfies AudienceReaderResult);
