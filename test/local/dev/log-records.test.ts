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
  });
});
