/**
 * Test harness: the whole system on the local runtime with a virtual clock, on a free loopback
 * port, driven through the real AWS SDK clients, with IAM enforced and each function in its own
 * sandbox with its own template environment. One per test file; stop it in afterAll: `stop` fails
 * the file when any call was denied during it (a missing grant would fail in AWS just the same),
 * unless the test expects denials.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll } from 'vitest';
import type { LedgerEntry } from '../../functions/delivery/ledger.ts';
import type { Run } from '../../functions/journeys/runs-repository.ts';
import type { Denial } from '../../local/aws/iam.ts';
import { type RelanceTables, relanceTables } from '../../local/dev/relance-template.ts';
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
  /** The physical names of relance's tables in the template the runtime runs. */
  readonly tables: RelanceTables;
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
  /** The ledger entries of the contact with this e-mail address (none when there is no such contact). */
  ledgerFor(email: string): Promise<LedgerEntry[]>;
  /** Calls IAM refused so far. */
  denials(): readonly Denial[];
  /** Stops the runtime; throws when a call was denied, unless the system was started with `allowDenials`. */
  stop(): Promise<void>;
}

export const minutes = (n: number) => n * 60_000;
export const hours = (n: number) => n * 3_600_000;
export const days = (n: number) => n * 86_400_000;

/** Starts the system from a fresh in-process synth of the CDK app. */
export async function startLocalSystem(
  options: {
    start?: number;
    environment?: Record<string, string>;
    context?: Record<string, unknown>;
    /** Change the synthesized assembly before the runtime reads it (e.g. remove a grant). */
    editAssembly?: (cdkOut: string) => void;
    /** The test provokes denials on purpose: `stop` does not fail on them. */
    allowDenials?: boolean;
    /**
     * Modules the functions run in place of others, by absolute path: the fixture a test's own
     * `vi.mock` gave the synth (a mock reaches this process only, not the functions' sandboxes).
     */
    moduleSubstitutes?: Record<string, string>;
    /** The runtime's backlog limit (backpressure); the runtime's default otherwise. */
    maxBacklog?: number;
    /** Whether the functions' log records are echoed (the runtime's default: they are). */
    echoFunctionLogs?: boolean;
    /** The functions log at their template's levels (`relance:logging`), not SILENT as in other tests. */
    logLevelsAsDeployed?: boolean;
  } = {},
): Promise<LocalSystem> {
  const cdkOut = synthesizeForLocal(mkdtempSync(join(tmpdir(), 'relance-test-cdk-')), options.context);
  options.editAssembly?.(cdkOut);
  const runtime = await startLocalRuntime({
    projectRoot: PROJECT_ROOT,
    cdkOut,
    port: 0,
    clock: { mode: 'virtual', start: options.start ?? T0 },
    apiKey: API_KEY,
    environmentOverrides: {
      ...(options.logLevelsAsDeployed
        ? {}
        : { POWERTOOLS_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'SILENT' }),
      ...options.environment,
    },
    // Retries of failing targets do not wait in tests; their number and age limits are unchanged.
    retryBackoffScale: 0,
    ...(options.moduleSubstitutes ? { moduleSubstitutes: options.moduleSubstitutes } : {}),
    ...(options.maxBacklog === undefined ? {} : { maxBacklog: options.maxBacklog }),
    ...(options.echoFunctionLogs === undefined ? {} : { echoFunctionLogs: options.echoFunctionLogs }),
    // Denials are listed by `stop`, and shown when a test that expects them wants to look.
    onDenied: () => undefined,
  });
  // The test reads the tables as an administrator would, through this process's SDK clients
  // (their endpoint is set by the runtime at start).
  const { RunsRepository } = await import('../../functions/journeys/runs-repository.ts');
  const { ContactsRepository } = await import('../../functions/contacts/contacts-repository.ts');
  const { LedgerRepository } = await import('../../functions/delivery/ledger-repository.ts');
  const tables = relanceTables(runtime.app);
  const runs = new RunsRepository(tables.journeyState ?? '');
  const contacts = new ContactsRepository(tables.contacts ?? '');
  const ledger = new LedgerRepository(tables.ledger ?? '');
  const events = busPublisher(runtime);
  return {
    runtime,
    cdkOut,
    endpoint: runtime.endpoint,
    tables,
    put: (detailType, detail, source = 'shop.test') => events.put(detailType, detail, source),
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
    async ledgerFor(email) {
      const contactId = await contacts.findByIdentity('EMAIL', email);
      return contactId ? ledger.forContact(contactId) : [];
    },
    smsTo: (phone) =>
      runtime.sns
        .outbox()
        .filter((m) => m.phoneNumber === phone)
        .map((m) => ({ message: m.message })),
    denials: () => runtime.iam.denials,
    async stop() {
      events.destroy();
      await runtime.stop();
      rmSync(cdkOut, { recursive: true, force: true });
      if (!options.allowDenials) failOnDenials(runtime);
    },
  };
}

type TemplateJson = {
  Resources: Record<
    string,
    { Type: string; Metadata?: Record<string, unknown>; Properties?: Record<string, unknown> }
  >;
};

/** An `editAssembly` that changes the app stack's template (Relance.template.json) in place. */
export function editAppTemplate(edit: (template: TemplateJson) => void): (cdkOut: string) => void {
  return (cdkOut) => {
    const path = join(cdkOut, 'Relance.template.json');
    const template = JSON.parse(readFileSync(path, 'utf8')) as TemplateJson;
    edit(template);
    writeFileSync(path, JSON.stringify(template));
  };
}

/**
 * Removes an action from the identity policies of the roles whose logical id starts with
 * `rolePrefix` (a statement left without actions goes): the grant the CDK code would have forgotten.
 */
export function withoutGrant(rolePrefix: string, action: string): (cdkOut: string) => void {
  return editAppTemplate((template) => {
    for (const resource of Object.values(template.Resources)) {
      if (resource.Type !== 'AWS::IAM::Policy') continue;
      const roles = (resource.Properties?.Roles ?? []) as Array<{ Ref?: string }>;
      if (!roles.some((r) => r.Ref?.startsWith(rolePrefix))) continue;
      const document = resource.Properties?.PolicyDocument as {
        Statement: Array<{ Action: string | string[] }>;
      };
      document.Statement = document.Statement.flatMap((statement) => {
        const actions = (Array.isArray(statement.Action) ? statement.Action : [statement.Action]).filter(
          (a) => a !== action,
        );
        return actions.length === 0 ? [] : [{ ...statement, Action: actions }];
      });
    }
  });
}

/** Removes the Lambda permissions (resource policy statements) whose logical id starts with `prefix`. */
export function withoutPermission(prefix: string): (cdkOut: string) => void {
  return editAppTemplate((template) => {
    for (const [id, resource] of Object.entries(template.Resources))
      if (resource.Type === 'AWS::Lambda::Permission' && id.startsWith(prefix)) delete template.Resources[id];
  });
}

let sequence = 0;
/** A unique event id for a test event. */
export function eventId(prefix = 'evt'): string {
  sequence += 1;
  return `${prefix}-${Date.now().toString(36)}-${sequence}`;
}

/** A `contact.signed_up` event as a website posts it to `POST /events`. */
export function signUpPosted(id: string, email: string, firstName = 'Lin') {
  return {
    type: 'contact.signed_up',
    detail: {
      eventId: id,
      occurredAt: new Date(T0).toISOString(),
      source: 'site',
      contact: { email },
      firstName,
    },
  };
}

/** Fails a test whose functions, state machines, rules or schedules were refused a call by IAM. */
export function failOnDenials(runtime: LocalRuntime): void {
  if (runtime.iam.denials.length === 0) return;
  const lines = runtime.iam.denials.map((d) => `  ${d.principal}: ${d.action} on ${d.resource} ${d.reason}`);
  throw new Error(`IAM denied ${runtime.iam.deniedCount} call(s) on the local runtime:\n${lines.join('\n')}`);
}

/** POST /events on the local API, with the test API key, as a producer sends it. */
export function postEvent(endpoint: string, body: string): Promise<Response> {
  return fetch(`${endpoint}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
    body,
  });
}

/** Puts events on the app's bus as a producer would, then waits until the runtime is idle. */
export function busPublisher(runtime: LocalRuntime): {
  put(detailType: string, detail: Record<string, unknown>, source: string): Promise<void>;
  destroy(): void;
} {
  const busName = runtime.app.buses[0]?.name ?? 'default';
  const client = new EventBridgeClient({
    endpoint: runtime.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 't', secretAccessKey: 't' },
  });
  return {
    async put(detailType, detail, source) {
      const result = await client.send(
        new PutEventsCommand({
          Entries: [
            { EventBusName: busName, Source: source, DetailType: detailType, Detail: JSON.stringify(detail) },
          ],
        }),
      );
      if (result.FailedEntryCount) throw new Error(`PutEvents failed: ${JSON.stringify(result.Entries)}`);
      await runtime.idle();
    },
    destroy: () => client.destroy(),
  };
}

/**
 * A local system for the tests of the enclosing `describe`: started before them, stopped after.
 * Returns how to reach it inside a test.
 */
export function useLocalSystem(options: Parameters<typeof startLocalSystem>[0] = {}): () => LocalSystem {
  let system: LocalSystem | undefined;
  beforeAll(async () => {
    system = await startLocalSystem(options);
  });
  afterAll(async () => {
    await system?.stop();
  });
  return () => {
    if (!system) throw new Error('the local system did not start');
    return system;
  };
}
