/**
 * Simulates one journey on a virtual clock against a list of timed events and returns its
 * timeline: entered, waited, branched, sent or skipped with the reason, ended. It runs the real
 * system in memory (ingest, router, the compiled state machine, the ledger) with only this journey
 * switched on; messages go to the local stand-ins, never out. Usable from a marketer's own tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { Execution } from '../aws/step-functions.ts';
import { relanceTables } from './relance-template.ts';
import { type LocalRuntime, startLocalRuntime } from './runtime.ts';
import { synthesizeForLocal } from './synth.ts';

/** `+1h30m`, `+2d`, `+45s` after the start, or an ISO timestamp. */
const Offset = z
  .string()
  .regex(/^\+(\d+d)?(\d+h)?(\d+m)?(\d+s)?$|^\d{4}-\d{2}-\d{2}T/, 'must be like +1h30m or an ISO timestamp');

export const SimulationEvent = z.object({
  at: Offset.default('+0s'),
  type: z.string(),
  detail: z.record(z.string(), z.unknown()),
});
export const SimulationInput = z.object({
  /** When the simulation starts (default: 2026-01-05T09:00:00Z, a Monday). */
  start: z.iso.datetime({ offset: true }).optional(),
  events: z.array(SimulationEvent).min(1),
  /** How long to keep the clock running after the last event (default: 30 days). */
  runFor: Offset.optional(),
});
export type SimulationInput = z.input<typeof SimulationInput>;

export interface TimelineEntry {
  /** Milliseconds since the start of the simulation. */
  readonly offsetMs: number;
  readonly at: string;
  readonly kind:
    | 'event'
    | 'entered'
    | 'not-entered'
    | 'waiting'
    | 'resumed'
    | 'branched'
    | 'sent'
    | 'skipped'
    | 'failed'
    | 'ended';
  readonly text: string;
}

const DEFAULT_START = Date.parse('2026-01-05T09:00:00Z');
const DEFAULT_RUN_FOR = 30 * 86_400_000;

function offsetMs(at: string, start: number): number {
  if (!at.startsWith('+')) return Date.parse(at) - start;
  const units: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };
  return [...at.matchAll(/(\d+)([dhms])/g)].reduce(
    (sum, [, n, unit]) => sum + Number(n) * (units[unit ?? 's'] ?? 0),
    0,
  );
}

/** What one execution of the journey's state machine did, as timeline entries. */
function executionEntries(execution: Execution, start: number): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  const add = (timestamp: number, kind: TimelineEntry['kind'], text: string) =>
    entries.push({ offsetMs: timestamp - start, at: new Date(timestamp).toISOString(), kind, text });
  const history = execution.history;
  history.forEach((event, index) => {
    const name = String(event.details.name ?? '');
    const output = event.details.output as
      | { ctx?: Record<string, unknown>; last?: Record<string, unknown> }
      | undefined;
    if (event.type === 'TaskStateExited' && name === 'Enter') {
      const ctx = output?.ctx ?? {};
      if (ctx.proceed) add(event.timestamp, 'entered', `entered (run ${String(ctx.runKey)})`);
      else add(event.timestamp, 'not-entered', `not entered: ${String(ctx.reason)}`);
    }
    if (event.type === 'TaskStateExited' && name === 'Resume') {
      const ctx = output?.ctx ?? {};
      if (ctx.proceed) add(event.timestamp, 'resumed', `resumed by ${String(ctx.resolution)}`);
    }
    if (
      event.type === 'TaskStateExited' &&
      (name.startsWith('Wait ') || name.startsWith('WaitFor ') || name === 'Enter')
    ) {
      const last = name === 'Enter' ? undefined : output?.last;
      const ctx = output?.ctx ?? {};
      if (last?.paused) add(event.timestamp, 'waiting', `${name}: waiting until ${String(last.until)}`);
      if (name === 'Enter' && ctx.paused) add(event.timestamp, 'waiting', 'paused at the first step');
    }
    if (
      event.type === 'ChoiceStateExited' &&
      (name.startsWith('Branch ') || name.startsWith('Split ') || name.startsWith('Resolved '))
    ) {
      const next = history.slice(index + 1).find((e) => e.type.endsWith('StateEntered'));
      add(event.timestamp, 'branched', `${name} → ${String(next?.details.name ?? 'end')}`);
    }
    if (event.type === 'ExecutionFailed')
      add(event.timestamp, 'failed', `segment failed: ${String(event.details.error)}`);
  });
  return entries;
}

/** Runs the simulation and returns the timeline, oldest first. */
export async function simulateJourney(
  journeyId: string,
  input: SimulationInput,
  options: { projectRoot: string },
): Promise<TimelineEntry[]> {
  const parsed = SimulationInput.parse(input);
  const start = parsed.start ? Date.parse(parsed.start) : DEFAULT_START;
  const cdkOut = synthesizeForLocal(mkdtempSync(join(tmpdir(), 'relance-simulate-')));
  let runtime: LocalRuntime | undefined;
  try {
    runtime = await startLocalRuntime({
      projectRoot: options.projectRoot,
      cdkOut,
      port: 0,
      clock: { mode: 'virtual', start },
      apiKey: 'simulate',
      environmentOverrides: { POWERTOOLS_LOG_LEVEL: 'SILENT' },
      // Virtual time: a failing target's retries do not wait on the wall clock (their number is kept).
      retryBackoffScale: 0,
    });
    const machine = runtime.app.stateMachines.find((m) => m.name.endsWith(`-${journeyId}`));
    if (!machine)
      throw new Error(
        `no journey "${journeyId}" (known: ${runtime.app.stateMachines.map((m) => m.name.split('-').slice(1).join('-')).join(', ')})`,
      );
    // Only this journey may start: the others would send messages that are not part of the simulation.
    for (const rule of runtime.app.rules) {
      const target = runtime.app.stateMachines.find((m) => rule.targets.some((t) => t.arn === m.arn));
      if (target && target.arn !== machine.arn) runtime.bus.disabledRules.add(rule.name);
    }
    const timeline: TimelineEntry[] = [];
    const client = new EventBridgeClient({ endpoint: runtime.endpoint, region: 'us-east-1' });
    const bus = runtime.app.buses[0]?.name ?? 'default';
    const ordered = [...parsed.events].sort((a, b) => offsetMs(a.at, start) - offsetMs(b.at, start));
    for (const [i, event] of ordered.entries()) {
      const due = start + offsetMs(event.at, start);
      if (due > runtime.clock.now()) await runtime.advance(due - runtime.clock.now());
      const occurredAt = new Date(runtime.clock.now()).toISOString();
      const detail = { eventId: `sim-${i + 1}`, occurredAt, source: 'simulation', ...event.detail };
      const result = await client.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: bus,
              Source: 'simulation',
              DetailType: event.type,
              Detail: JSON.stringify(detail),
            },
          ],
        }),
      );
      if (result.FailedEntryCount) throw new Error(`event ${i + 1} (${event.type}) was refused`);
      timeline.push({
        offsetMs: runtime.clock.now() - start,
        at: occurredAt,
        kind: 'event',
        text: `event ${event.type}`,
      });
      await runtime.idle();
    }
    await runtime.advance(parsed.runFor ? offsetMs(parsed.runFor, 0) : DEFAULT_RUN_FOR);
    client.destroy();

    for (const execution of runtime.stepFunctions.executions.filter(
      (e) => e.stateMachineArn === machine.arn,
    )) {
      timeline.push(...executionEntries(execution, start));
    }
    const tables = relanceTables(runtime.app);
    if (!tables.ledger || !tables.journeyState)
      throw new Error('the template has no ledger or journey-state table');
    // A client of our own, on the runtime's endpoint.
    const dynamo = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: runtime.endpoint, region: 'us-east-1' }),
    );
    const [ledger, runs] = await Promise.all([
      dynamo.send(new ScanCommand({ TableName: tables.ledger })),
      dynamo.send(
        new ScanCommand({
          TableName: tables.journeyState,
          FilterExpression: 'sk = :run',
          ExpressionAttributeValues: { ':run': 'RUN' },
        }),
      ),
    ]);
    for (const entry of ledger.Items ?? []) {
      if (entry.journeyId !== journeyId) continue;
      const at = Date.parse(String(entry.updatedAt));
      const what = `${String(entry.channel)} ${String(entry.template)} (step ${String(entry.stepId)})`;
      if (entry.status === 'sent')
        timeline.push({
          offsetMs: at - start,
          at: String(entry.updatedAt),
          kind: 'sent',
          text: `sent ${what}${entry.subject ? `: “${String(entry.subject)}”` : ''}`,
        });
      else
        timeline.push({
          offsetMs: at - start,
          at: String(entry.updatedAt),
          kind: entry.status === 'failed' ? 'failed' : 'skipped',
          text: `${String(entry.status)} ${what}: ${String(entry.reason ?? '')}${entry.detail ? ` (${String(entry.detail)})` : ''}`,
        });
    }
    for (const run of runs.Items ?? []) {
      if (run.journeyId !== journeyId || typeof run.endedAt !== 'string') continue;
      const at = Date.parse(run.endedAt);
      timeline.push({
        offsetMs: at - start,
        at: run.endedAt,
        kind: 'ended',
        text: `ended (${String(run.endReason)}) — run ${String(run.runKey)}`,
      });
    }
    dynamo.destroy();
    const order: TimelineEntry['kind'][] = [
      'event',
      'resumed',
      'entered',
      'not-entered',
      'branched',
      'sent',
      'skipped',
      'failed',
      'waiting',
      'ended',
    ];
    return timeline.sort((a, b) => a.offsetMs - b.offsetMs || order.indexOf(a.kind) - order.indexOf(b.kind));
  } finally {
    await runtime?.stop();
    rmSync(cdkOut, { recursive: true, force: true });
  }
}

/** `+1d 02:30` style offsets for printing. */
export function formatOffset(ms: number): string {
  const days = Math.floor(ms / 86_400_000);
  const rest = new Date(ms % 86_400_000).toISOString().slice(11, 16);
  return `+${days}d ${rest}`;
}
