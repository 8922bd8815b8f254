// EventBridge passes a PutEvents call's trace header (the X-Amzn-Trace-Id HTTP header, or an
// entry's TraceHeader) to the targets, so they join the caller's trace; AWS services' events carry
// none (EventBridge User Guide, "Amazon EventBridge integration with AWS X-Ray").
import { describe, expect, it } from 'vitest';
import { EventBusService } from '../../../local/aws/eventbridge/bus.ts';
import type { LocalRule } from '../../../local/aws/template.ts';

const rule: LocalRule = {
  logicalId: 'Rule',
  arn: 'arn:aws:events:us-east-1:000000000000:rule/Bus/Rule',
  name: 'Rule',
  busName: 'Bus',
  pattern: { source: ['shop', 'aws.ses'] },
  enabled: true,
  targets: [{ id: 'T', arn: 'arn:aws:lambda:us-east-1:000000000000:function:F', maxRetries: 0 }],
};

const TRACE = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';

/** A bus whose one target records whether each event it gets was put with a trace header. */
function tracingBus(fromFunction: boolean) {
  const traced: boolean[] = [];
  const work: Array<Promise<void>> = [];
  const bus = new EventBusService({
    rules: [rule],
    buses: [{ name: 'Bus', arn: 'arn:aws:events:us-east-1:000000000000:event-bus/Bus' }],
    now: () => 0,
    deliver: async (_target, _input, _rule, withHeader) => {
      traced.push(withHeader);
      return undefined;
    },
    deadLetter: async () => undefined,
    background: (run) => work.push(run()),
    fromFunction: () => fromFunction,
  });
  const putEvents = async (entry: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const answer = await bus.handler({
      method: 'POST',
      path: '/',
      query: new URLSearchParams(),
      headers: { 'x-amz-target': 'AWSEvents.PutEvents', ...headers },
      body: JSON.stringify({
        Entries: [{ EventBusName: 'Bus', Source: 'shop', DetailType: 'x', Detail: '{}', ...entry }],
      }),
    });
    expect(answer.status).toBe(200);
    await Promise.all(work);
  };
  return { bus, traced, putEvents, settle: () => Promise.all(work) };
}

describe("the bus passes a PutEvents call's trace header to its targets", () => {
  it('from the X-Amzn-Trace-Id header or an entry’s TraceHeader; a call with neither begins none', async () => {
    // Prepare
    const { traced, putEvents } = tracingBus(false);

    // Act
    await putEvents({}, { 'x-amzn-trace-id': TRACE });
    await putEvents({ TraceHeader: TRACE });
    await putEvents({});

    // Assess
    expect(traced).toEqual([true, true, false]);
  });

  it("a function's call is traced (in Lambda the SDK sends the invocation's header); a service's event is not", async () => {
    // Prepare
    const { bus, traced, putEvents, settle } = tracingBus(true);

    // Act
    await putEvents({});
    bus.put({ busName: 'Bus', source: 'aws.ses', detailType: 'Email Delivered', detail: {} });
    await settle();

    // Assess
    expect(traced).toEqual([true, false]);
  });
});
