// Deployed, every log record of a function carries the invocation's X-Ray trace
// id, which the local runtime (functions untraced) does not write: the cost report adds its bytes
// per record, so the runtime counts each function's records, EMF metric lines apart. It also counts
// those below WARN, which `relance:logging` at WARN leaves out (the cost report prices both).
import { describe, expect, it } from 'vitest';
import type { LocalFunction } from '../../../local/aws/template.ts';
import { eventId, type LocalSystem, useLocalSystem } from '../../support/local-system.ts';

/** The bus ingest function: it logs "event accepted" at INFO and counts EventsAccepted (EMF) for each event. */
function ingestOf(system: LocalSystem): LocalFunction {
  const ingest = system.runtime.app.functions.find((fn) => fn.entry === 'functions/ingest/bus-handler.ts');
  if (!ingest) throw new Error('no ingest function in the template');
  return ingest;
}

/** A shop puts a sign-up on the bus; returns once everything it caused is done. */
async function signUp(system: LocalSystem, name: string): Promise<void> {
  await system.put('contact.signed_up', {
    eventId: eventId(name),
    occurredAt: new Date(system.runtime.clock.now()).toISOString(),
    source: 'shop.test',
    contact: { email: `${name}@example.com` },
  });
  await system.runtime.idle();
}

describe('log records counted by function', () => {
  // The functions log at INFO, as deployed by default (tests run them SILENT).
  const system = useLocalSystem({ environment: { POWERTOOLS_LOG_LEVEL: 'INFO' }, echoFunctionLogs: false });

  it("counts ingest's one record for an accepted event, not the EMF line of its metric", async () => {
    // Prepare
    const { runtime } = system();
    const ingest = ingestOf(system());
    const before = runtime.logRecords.get(ingest.name) ?? 0;
    const bytesBefore = runtime.logBytes;
    const allRecords = () => [...runtime.logRecords.values()].reduce((sum, n) => sum + n, 0);
    const recordsBefore = allRecords();
    const belowWarnBefore = runtime.logRecordsBelowWarn;
    const belowWarnBytesBefore = runtime.logBytesBelowWarn;

    // Act
    await signUp(system(), 'records');

    // Assess
    expect((runtime.logRecords.get(ingest.name) ?? 0) - before).toBe(1);
    expect(runtime.logBytes).toBeGreaterThan(bytesBefore);
    // Every record the sign-up's functions wrote is INFO (ingest's, the router's, the step's): each
    // is counted among those WARN would leave out, with its bytes; the EMF lines are not.
    expect(runtime.logRecordsBelowWarn - belowWarnBefore).toBe(allRecords() - recordsBefore);
    expect(allRecords() - recordsBefore).toBeGreaterThan(0);
    const recordBytes = runtime.logBytesBelowWarn - belowWarnBytesBefore;
    expect(recordBytes).toBeGreaterThan(26);
    expect(recordBytes).toBeLessThan(runtime.logBytes - bytesBefore);
  });
});

describe('functions at the level relance:logging gives them', () => {
  const system = useLocalSystem({
    context: { 'relance:logging': { level: 'WARN' } },
    logLevelsAsDeployed: true,
    echoFunctionLogs: false,
  });

  it('write no INFO record at WARN, while their metrics still reach CloudWatch', async () => {
    // Prepare
    const { runtime } = system();
    const ingest = ingestOf(system());
    const accepted = () =>
      runtime.metrics
        .list()
        .filter((series) => series.metricName === 'EventsAccepted')
        .reduce((sum, series) => sum + series.sum, 0);
    const acceptedBefore = accepted();

    // Act: ingest accepts the event; at INFO it would log "event accepted" (the test above).
    await signUp(system(), 'quiet');

    // Assess
    expect(ingest.environment.POWERTOOLS_LOG_LEVEL).toBe('WARN');
    expect(runtime.logRecords.get(ingest.name) ?? 0).toBe(0);
    expect(runtime.logBytesBelowWarn).toBe(0);
    expect(accepted() - acceptedBefore).toBe(1);
  });
});

describe('functions sampled whole by relance:logging.debugSampleRate', () => {
  // Every invocation drawn: the WARN level gives way to DEBUG for each of them.
  const system = useLocalSystem({
    context: { 'relance:logging': { level: 'WARN', debugSampleRate: 1 } },
    logLevelsAsDeployed: true,
    echoFunctionLogs: false,
  });

  it("write a sampled invocation's INFO records at WARN", async () => {
    // Prepare
    const ingest = ingestOf(system());

    // Act
    await signUp(system(), 'sampled');

    // Assess: ingest's "event accepted" is written, as at INFO.
    expect(ingest.environment.POWERTOOLS_LOGGER_SAMPLE_RATE).toBe('1');
    expect(system().runtime.logRecords.get(ingest.name) ?? 0).toBeGreaterThanOrEqual(1);
  });
});
