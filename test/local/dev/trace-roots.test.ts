// X-Ray bills per trace recorded, and a trace begins only where a request arrives without a trace
// header: the cost model priced 5% of every Lambda invocation and Express execution as a trace,
// though in Lambda the SDK sends the invocation's trace header with every call, EventBridge passes
// a PutEvents call's header to its targets and Step Functions its own to its tasks. The local
// runtime counts the requests that begin one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventId,
  type LocalSystem,
  postEvent,
  signUpPosted,
  startLocalSystem,
} from '../../support/local-system.ts';

describe('requests that begin an X-Ray trace', () => {
  let system: LocalSystem;

  beforeAll(async () => {
    system = await startLocalSystem();
  });
  afterAll(async () => {
    await system.stop();
  });

  const invocations = () => [...system.runtime.lambdas.counts.values()].reduce((a, b) => a + b, 0);
  const sesEvents = () => system.runtime.bus.events.filter((r) => r.event.source === 'aws.ses').length;

  /** What `act` adds to the trace roots, the Lambda invocations, the executions and SES's events, once quiet and the feedback in. */
  const measure = async (act: () => Promise<unknown>) => {
    const before = {
      roots: system.runtime.traceRoots,
      invocations: invocations(),
      executions: system.runtime.stepFunctions.startedCount,
      ses: sesEvents(),
      fires: system.runtime.scheduleFires,
    };
    await act();
    await system.runtime.idle();
    await system.advance(5_000);
    return {
      roots: system.runtime.traceRoots - before.roots,
      invocations: invocations() - before.invocations,
      executions: system.runtime.stepFunctions.startedCount - before.executions,
      ses: sesEvents() - before.ses,
      fires: system.runtime.scheduleFires - before.fires,
    };
  };

  it("a producer's event begins one trace; what ingest, the router and the journey call joins it; SES's events begin none", async () => {
    // Act: a shop puts a sign-up on the bus itself (no trace header).
    const used = await measure(() =>
      system.put('contact.signed_up', {
        eventId: eventId('trace'),
        occurredAt: new Date(system.runtime.clock.now()).toISOString(),
        source: 'shop.test',
        contact: { email: 'trace@example.com' },
      }),
    );

    // Assess: ingest, router, the welcome run's executions and steps; the run's wake-ups, scheduled,
    // begin their own. The feedback of Send and Delivery arrives untraced at a function that only
    // joins traces (PassThrough): each began one while it traced actively.
    expect(used.ses).toBe(2);
    expect(used.executions).toBeGreaterThan(0);
    expect(used.invocations).toBeGreaterThan(4 + used.fires);
    expect(used.roots).toBe(1 + used.fires);
  });

  it('an API request begins one trace, which the ingest functions behind it join', async () => {
    // Act
    const used = await measure(async () => {
      const answer = await postEvent(
        system.endpoint,
        JSON.stringify(signUpPosted(eventId('trace-api'), 'trace-api@example.com')),
      );
      expect(answer.status).toBe(202);
    });

    // Assess
    expect(used.ses).toBe(2);
    expect(used.invocations).toBeGreaterThan(5 + used.fires);
    expect(used.roots).toBe(1 + used.fires);
  });

  it('a scheduled wake-up begins a trace', async () => {
    // Act: the welcome journey's tips e-mail waits two days after the sign-up.
    const used = await measure(() => system.advance(2 * 86_400_000));

    // Assess: every fire began one (each targets a traced state machine or function); the SES
    // events of the e-mails they sent, none.
    expect(used.fires).toBeGreaterThan(0);
    expect(used.ses).toBeGreaterThan(0);
    expect(used.roots).toBe(used.fires);
  });
});
