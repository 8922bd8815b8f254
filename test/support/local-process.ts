/**
 * Test harness for restarts: the local runtime as one `relance dev` process would run it, started
 * again on the same data directory as the next process would. Each start forgets every loaded
 * module first (vi.resetModules), so the handlers read their environment, clients and journey
 * versions afresh, as a new process does; the build options say which journeys, templates and
 * earlier versions this "process" synthesizes.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterEach, beforeEach, expect, vi } from 'vitest';
import type { Contact } from '#catalogue/contact.ts';
import type { LedgerEntry } from '../../functions/delivery/ledger.ts';
import type { Run } from '../../functions/journeys/runs-repository.ts';
import type { BuildOptions } from '../../lib/app.ts';
import type { LocalRuntime } from '../../local/dev/runtime.ts';
import type { JourneyCatalog } from '../../workflows/versions/index.ts';
import { API_KEY, busPublisher, failOnDenials, PROJECT_ROOT } from './local-system.ts';

export interface ProcessOptions {
  /** The data directory kept across starts. */
  readonly dataDir: string;
  /** What this start synthesizes. */
  readonly build?: Omit<BuildOptions, 'nag'>;
  /** The virtual clock's start on a first start (a restart resumes the saved clock). */
  readonly start?: number;
  readonly environment?: Record<string, string>;
}

export interface LocalProcess {
  readonly runtime: LocalRuntime;
  /** The journey versions this start deployed (current) and kept (earlier). */
  readonly versions: JourneyCatalog;
  put(detailType: string, detail: Record<string, unknown>): Promise<void>;
  advance(ms: number): Promise<void>;
  subjectsTo(address: string): string[];
  run(journeyId: string, runKey: string): Promise<Run | undefined>;
  contact(email: string): Promise<Contact | undefined>;
  /** A contact's ledger entries. */
  ledger(contactId: string): Promise<LedgerEntry[]>;
  stop(): Promise<void>;
  /** The app synthesized for it, removed when it stops or crashes. */
  readonly cdkOut: string;
}

let sequence = 0;

/** Every process started, in order (restartableData removes what its tests' processes synthesized). */
const started: LocalProcess[] = [];

/** Starts the runtime as a fresh process would, on `dataDir`. */
export async function startProcess(options: ProcessOptions): Promise<LocalProcess> {
  vi.resetModules();
  const { synthesizeForLocal } = await import('../../local/dev/synth.ts');
  const { startLocalRuntime } = await import('../../local/dev/runtime.ts');
  const { relanceTables } = await import('../../local/dev/relance-template.ts');
  const { JOURNEY_VERSIONS_FILE } = await import('../../workflows/versions/index.ts');
  const { dashboardWeb } = await import('../../local/dev/dashboard.ts');
  const cdkOut = synthesizeForLocal(mkdtempSync(join(tmpdir(), 'relance-process-')), {}, options.build);
  const versions = JSON.parse(readFileSync(join(cdkOut, JOURNEY_VERSIONS_FILE), 'utf8')) as JourneyCatalog;
  const runtime = await startLocalRuntime({
    projectRoot: PROJECT_ROOT,
    cdkOut,
    port: 0,
    clock: { mode: 'virtual', ...(options.start === undefined ? {} : { start: options.start }) },
    dataDir: options.dataDir,
    apiKey: API_KEY,
    // The page and its JSON views, as `relance dev` serves them (the CLI reads the journey clock there).
    web: dashboardWeb,
    environmentOverrides: {
      POWERTOOLS_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'SILENT',
      ...options.environment,
    },
  });
  const { RunsRepository } = await import('../../functions/journeys/runs-repository.ts');
  const { ContactsRepository } = await import('../../functions/contacts/contacts-repository.ts');
  const { LedgerRepository } = await import('../../functions/delivery/ledger-repository.ts');
  const tables = relanceTables(runtime.app);
  const ledger = new LedgerRepository(tables.ledger ?? '');
  const runs = new RunsRepository(tables.journeyState ?? '');
  const contacts = new ContactsRepository(tables.contacts ?? '');
  const events = busPublisher(runtime);
  const localProcess: LocalProcess = {
    runtime,
    versions,
    cdkOut,
    async put(detailType, detail) {
      sequence += 1;
      const full = {
        eventId: `process-${Date.now().toString(36)}-${sequence}`,
        occurredAt: new Date(runtime.clock.now()).toISOString(),
        source: 'shop.test',
        ...detail,
      };
      await events.put(detailType, full, 'shop.test');
    },
    advance: (ms) => runtime.advance(ms),
    subjectsTo: (address) =>
      runtime.ses
        .emails()
        .filter((e) => e.destination.to.includes(address))
        .map((e) => e.subject),
    run: (journeyId, runKey) => runs.get(journeyId, runKey),
    async contact(email) {
      const id = await contacts.findByIdentity('EMAIL', email);
      return id ? contacts.get(id) : undefined;
    },
    ledger: (contactId) => ledger.forContact(contactId),
    async stop() {
      events.destroy();
      await runtime.stop();
      rmSync(cdkOut, { recursive: true, force: true });
      failOnDenials(runtime);
    },
  };
  started.push(localProcess);
  return localProcess;
}

/** A fresh data directory, and its removal. */
export function dataDirectory(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'relance-data-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * Welcome e-mails to an address over several processes, each counted once by its SES message id:
 * a process's outbox includes what an earlier one sent before its last save.
 */
export function welcomesAcross(processes: readonly LocalProcess[], email: string): number {
  const ids = new Set(
    processes.flatMap((p) =>
      p.runtime.ses
        .emails()
        .filter((e) => e.destination.to.includes(email) && e.subject.startsWith('Welcome'))
        .map((e) => e.messageId),
    ),
  );
  return ids.size;
}

/**
 * A data directory for the tests of a describe block, with the process started on it last: that
 * process is stopped and the directory removed after each test, with the app synthesized for every
 * process the test started (those before the last crashed or were stopped).
 */
export function restartableData(): { readonly path: string; current(process: LocalProcess): LocalProcess } {
  const data = dataDirectory();
  let last: LocalProcess | undefined;
  let startedBefore = 0;
  beforeEach(() => {
    startedBefore = started.length;
  });
  afterEach(async () => {
    await last?.stop();
    last = undefined;
    data.remove();
    for (const process of started.splice(startedBefore))
      rmSync(process.cdkOut, { recursive: true, force: true });
  });
  return {
    path: data.path,
    current: (process) => {
      last = process;
      return process;
    },
  };
}

/** Sign-up details for `count` contacts, `<prefix>.<i>@example.com`, as a shop sends them. */
export function signUps(prefix: string, count: number, occurredAt: number) {
  return Array.from({ length: count }, (_, i) => ({
    eventId: `${prefix}-${i}`,
    occurredAt: new Date(occurredAt).toISOString(),
    source: 'shop.test',
    contact: { email: `${prefix}.${i}@example.com` },
    firstName: 'Sam',
  }));
}

/**
 * Puts each event as a producer does, one PutEvents each, through the edge port; returns those not
 * accepted. `retry: false` gives up on the first failure (a producer facing a dead process).
 */
export async function putAsProducer(
  process: LocalProcess,
  detailType: string,
  details: ReadonlyArray<Record<string, unknown>>,
  options: { retry?: boolean } = {},
): Promise<Array<Record<string, unknown>>> {
  const client = new EventBridgeClient({
    endpoint: process.runtime.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'producer', secretAccessKey: 'producer' },
    ...(options.retry === false ? { maxAttempts: 1 } : {}),
  });
  const refused: Array<Record<string, unknown>> = [];
  try {
    for (const detail of details) {
      const answer = await client
        .send(
          new PutEventsCommand({
            Entries: [
              {
                EventBusName: process.runtime.app.buses[0]?.name ?? 'default',
                Source: 'shop.test',
                DetailType: detailType,
                Detail: JSON.stringify(detail),
              },
            ],
          }),
        )
        .catch(() => undefined);
      if (answer?.FailedEntryCount !== 0) refused.push(detail);
    }
  } finally {
    client.destroy();
  }
  return refused;
}

/** Waits until an injected crash fault has killed the process's runtime, and it has ended. */
export async function crashOf(process: LocalProcess, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (process.runtime.crashed === undefined) {
    if (Date.now() > deadline) throw new Error('the injected crash did not happen');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await process.runtime.crashed;
}

/**
 * Across a crashed process and the next one: each address's welcome e-mail went out exactly once,
 * or its ledger entry says it was skipped because the crash hid the outcome; its welcome entry is
 * settled and its run is not left active. Returns the addresses skipped.
 */
export async function expectWelcomedOnceOrUnknown(
  [first, second]: readonly [LocalProcess, LocalProcess],
  emails: readonly string[],
): Promise<string[]> {
  const skipped: string[] = [];
  for (const email of emails) {
    const sent = welcomesAcross([first, second], email);
    const contact = await second.contact(email);
    expect(contact, email).toBeDefined();
    const welcome = (await second.ledger(contact?.contactId ?? '')).find((e) => e.stepId === 'welcome-email');
    expect(welcome, email).toBeDefined();
    expect(welcome?.status, email).not.toBe('in_flight');
    if (sent === 0) {
      expect(welcome, email).toMatchObject({ status: 'skipped', reason: 'outcome_unknown_at_most_once' });
      skipped.push(email);
    } else expect(sent, email).toBe(1);
    const run = await second.run('welcome', `contact:${contact?.contactId}`);
    expect(run?.status, email).not.toBe('active');
  }
  return skipped;
}
