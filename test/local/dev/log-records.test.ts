// Deployed, every log record of a function carries the invocation's X-Ray trace
// id, which the local runtime (functions untraced) does not write: the cost report adds its bytes
// per record, so the runtime counts each function's records, EMF metric lines apart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventId, type LocalSystem, startLocalSystem } from '../../support/local-system.ts';

describe('log records counted by function', () => {
  let system: LocalSystem;

  beforeAll(async () => {
    // The functions log at INFO, as deployed (tests run them SILENT), without echoing their records.
    system = await startLocalSystem({
      environment: { POWERTOOLS_LOG_LEVEL: 'INFO' },
      echoFunctionLogs: false,
    });
  });
  afterAll(async () => {
    await system.stop();
  });

  it("counts ingest's one record for an accepted event, not the EMF line of its metric", async () => {
    // Prepare
    const ingest = system.runtime.app.functions.find((fn) => fn.entry === 'functions/ingest/bus-handler.ts');
    if (!ingest) throw new Error('no ingest function in the template');
    const before = system.runtime.logRecords.get(ingest.name) ?? 0;
    const bytesBefore = system.runtime.logBytes;
    const allRecords = () => [...system.runtime.logRecords.values()].reduce((sum, n) => sum + n, 0);
    const recordsBefore = allRecords();
    const belowWarnBefore = system.runtime.logRecordsBelowWarn;
    const belowWarnBytesBefore = system.runtime.logBytesBelowWarn;

    // Act: a shop puts a sign-up on the bus; ingest logs "event accepted" and counts EventsAccepted.
    await system.put('contact.signed_up', {
      eventId: eventId('records'),
      occurredAt: new Date(system.runtime.clock.now()).toISOString(),
      source: 'shop.test',
      contact: { email: 'records@example.com' },
    });
    await system.runtime.idle();

    // Assess
    expect((system.runtime.logRecords.get(ingest.name) ?? 0) - before).toBe(1);
    expect(system.runtime.logBytes).toBeGreaterThan(bytesBefore);
    // Every record the sign-up's functions wrote is INFO (ingest's, the router's, the step's): each
    // is counted among those WARN would leave out, with its bytes; the EMF lines are not.
    expect(system.runtime.logRecordsBelowWarn - belowWarnBefore).toBe(allRecords() - recordsBefore);
    expect(allRecords() - recordsBefore).toBeGreaterThan(0);
    const recordBytes = system.runtime.logBytesBelowWarn - belowWarnBytesBefore;
    expect(recordBytes).toBeGreaterThan(26);
    expect(recordBytes).toBeLessThan(system.runtime.logBytes - bytesBefore);
  });
});

describe('functions at the level relance:logging gives them', () => {
  let system: LocalSystem;

  beforeAll(async () => {
    system = await startLocalSystem({
      context: { 'relance:logging': { level: 'WARN' } },
      logLevelsAsDeployed: true,
      echoFunctionLogs: false,
    });
  });
  afterAll(async () => {
    await system.stop();
  });

  it('write no INFO record at WARN, while their metrics still reach CloudWatch', async () => {
    // Prepare
    const ingest = system.runtime.app.functions.find((fn) => fn.entry === 'functions/ingest/bus-handler.ts');
    if (!ingest) throw new Error('no ingest function in the template');
    const accepted = () =>
      system.runtime.metrics
        .list()
        .filter((series) => series.metricName === 'EventsAccepted')
        .reduce((sum, series) => sum + series.sum, 0);
    const acceptedBefore = accepted();

    // Act: ingest accepts the event; at INFO it would log "event accepted" (the test above).
    await system.put('contact.signed_up', {
      eventId: eventId('quiet'),
      occurredAt: new Date(system.runtime.clock.now()).toISOString(),
      source: 'shop.test',
      contact: { email: 'quiet@example.com' },
    });
    await system.runtime.idle();

    // Assess
    expect(ingest.environment.POWERTOOLS_LOG_LEVEL).toBe('WARN');
    expect(system.runtime.logRecords.get(ingest.name) ?? 0).toBe(0);
    expect(system.runtime.logBytesBelowWarn).toBe(0);
    expect(accepted() - acceptedBefore).toBe(1);
  });
});

describe('functions sampled whole by relance:logging.debugSampleRate', () => {
  let system: LocalSystem;

  beforeAll(async () => {
    // Every invocation drawn: the WARN level gives way to DEBUG for each of them.
    system = await startLocalSystem({
      context: { 'relance:logging': { level: 'WARN', debugSampleRate: 1 } },
      logLevelsAsDeployed: true,
      echoFunctionLogs: false,
    });
  });
  afterAll(async () => {
    await system.stop();
  });

  it("write a sampled invocation's INFO records at WARN", async () => {
    // Prepare
    const ingest = system.runtime.app.functions.find((fn) => fn.entry === 'functions/ingest/bus-handler.ts');
    if (!ingest) throw new Error('no ingest function in the template');

    // Act
    await system.put('contact.signed_up', {
      eventId: eventId('sampled'),
      occurredAt: new Date(system.runtime.clock.now()).toISOString(),
      source: 'shop.test',
      contact: { email: 'sampled@example.com' },
    });
    await system.runtime.idle();

    // Assess: ingest's "event accepted" is written, as at INFO.
    expect(ingest.environment.POWERTOOLS_LOGGER_SAMPLE_RATE).toBe('1');
    expect(system.runtime.logRecords.get(ingest.name) ?? 0).toBeGreaterThanOrEqual(1);
  });
});
