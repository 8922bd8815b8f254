/**
 * Test harness: the whole system on the local runtime with a virtual clock, on a free loopback
 * port, driven through the real AWS SDK clients. One per test file (handler modules bind their SDK
 * clients to the endpoint when first imported); stop it in afterAll.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { Run } from '../../functions/journeys/runs-repository.ts';
import { relanceTables } from '../../local/dev/relance-template.ts';
import { type LocalRuntime, startLocalRuntime } from '../../local/dev/runtime.ts';
import { synthesizeForLocal } from '../../local/dev/synth.ts';

export const PROJECT_ROOT = resolve(import.meta.dirname, '../..');
/** A fixed start for virtual time: Monday 2026-03-02 10:00 UTC. */
export const T0 = Date.parse('2026-03-02T10:00:00Z');
export const API_KEY = 'test-api-key';

export interface LocalSystem {
  readonly runtime: LocalRuntime;
  /** The cloud assembly the runtime runs. */
  readonly cdkOut: string;
  readonly endpoint: string;
  /** Puts a producer event on the relance bus, as a shop would. */
  put(detailType: string, detail: Record<string, unknown>, source?: string): Promise<void>;
  /** Moves virtual time forward and waits until the system is quiet. */
  advance(ms: number): Promise<void>;
  emailsTo(address: string): Array<{
    subject: string;
    text: string;
    html: string;
    tags: Record<string, string>;
    headers: Record<string, string>;
  }>;
  smsTo(phone: string): Array<{ message: string }>;
  /** A journey run as stored in the journey-state table. */
  run(journeyId: string, runKey: string): Promise<Run | undefined>;
  stop(): Promise<void>;
}

export const minutes = (n: number) => n * 60_000;
export const hours = (n: number) => n * 3_600_000;
export const days = (n: number) => n * 86_400_000;

/** Starts the system from a fresh in-process synth of the CDK app. */
export async function startLocalSystem(
  options: { start?: number; environment?: Record<string, string>; context?: Record<string, unknown> } = {},
): Promise<LocalSystem> {
  const cdkOut = synthesizeForLocal(mkdtempSync(join(tmpdir(), 'relance-test-cdk-')), options.context);
  const runtime = await startLocalRuntime({
    projectRoot: PROJECT_ROOT,
    cdkOut,
    port: 0,
    clock: { mode: 'virtual', start: options.start ?? T0 },
    apiKey: API_KEY,
    environmentOverrides: {
      POWERTOOLS_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'SILENT',
      ...options.environment,
    },
  });
  const busName = runtime.app.buses[0]?.name ?? 'default';
  // Loaded once the runtime has started: product modules read their environment when they load
  // (the clients read AWS_MAX_ATTEMPTS), and `environment` above only takes effect at start.
  const { RunsRepository } = await import('../../functions/journeys/runs-repository.ts');
  const runs = new RunsRepository(relanceTables(runtime.app).journeyState ?? '');
  const events = new EventBridgeClient({
    endpoint: runtime.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 't', secretAccessKey: 't' },
  });
  return {
    runtime,
    cdkOut,
    endpoint: runtime.endpoint,
    async put(detailType, detail, source = 'shop.test') {
      const result = await events.send(
        new PutEventsCommand({
          Entries: [
            { EventBusName: busName, Source: source, DetailType: detailType, Detail: JSON.stringify(detail) },
          ],
        }),
      );
      if (result.FailedEntryCount) throw new Error(`PutEvents failed: ${JSON.stringify(result.Entries)}`);
      await runtime.idle();
    },
    advance: (ms) => runtime.advance(ms),
    emailsTo: (address) =>
      runtime.ses
        .emails()
        .filter((e) => e.destination.to.includes(address))
        .map((e) => ({
          subject: e.subject,
          text: e.body.text ?? '',
          html: e.body.html ?? '',
          tags: e.tags,
          headers: Object.fromEntries((e.headers ?? []).map((h) => [h.name, h.value])),
        })),
    run: (journeyId, runKey) => runs.get(journeyId, runKey),
    smsTo: (phone) =>
      runtime.sns
        .outbox()
        .filter((m) => m.phoneNumber === phone)
        .map((m) => ({ message: m.message })),
    async stop() {
      events.destroy();
      await runtime.stop();
      rmSync(cdkOut, { recursive: true, force: true });
    },
  };
}

let sequence = 0;
/** A unique event id for a test event. */
export function eventId(prefix = 'evt'): string {
  sequence += 1;
  return `${prefix}-${Date.now().toString(36)}-${sequence}`;
}
