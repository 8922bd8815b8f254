// relance's metrics as CloudWatch reads them: one EMF line per metric, namespace Relance, the Stage
// dimension (and the one extra dimension a metric documents), nothing else (no Powertools `service`).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { countingLedger, countSendOutcome } from '../../../functions/delivery/send-metrics.ts';
import { countMetric, millisecondsMetric } from '../../../functions/platform/metrics.ts';

let lines: string[];

beforeEach(() => {
  lines = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk).trim());
    return true;
  });
});

afterEach(() => {
  vi.restoreAllMocks();
  delete process.env.RELANCE_STAGE;
});

/** The EMF documents written, parsed. */
function emf(): Array<Record<string, unknown> & { _aws: { CloudWatchMetrics: unknown[] } }> {
  return lines.filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l));
}

describe('metrics', () => {
  it('writes one EMF line per metric with the Stage dimension of the function', () => {
    process.env.RELANCE_STAGE = 'dev';

    countMetric('EventsAccepted');
    millisecondsMetric('TimeToFirstRepNotification', 1500);

    const [accepted, time] = emf();
    expect(accepted?._aws.CloudWatchMetrics).toEqual([
      { Namespace: 'Relance', Dimensions: [['Stage']], Metrics: [{ Name: 'EventsAccepted', Unit: 'Count' }] },
    ]);
    expect(accepted).toMatchObject({ Stage: 'dev', EventsAccepted: 1 });
    expect(accepted).not.toHaveProperty('service');
    expect(time).toMatchObject({ Stage: 'dev', TimeToFirstRepNotification: 1500 });
  });

  it('names the stage `default` when the function has none', () => {
    countMetric('LeadSlaBreaches');
    expect(emf()[0]).toMatchObject({ Stage: 'default', LeadSlaBreaches: 1 });
  });

  it('counts each send outcome by what it was: sent by channel, skipped by reason, failed, throttled', () => {
    countSendOutcome('email', { status: 'sent', providerMessageId: 'm-1' });
    countSendOutcome('sms', { status: 'skipped', reason: 'no_consent' });
    countSendOutcome('email', { status: 'deferred', reason: 'quiet_hours' });
    countSendOutcome('email', { status: 'failed', reason: 'provider_rejected' });
    countSendOutcome('sms', { status: 'failed', reason: 'throttled' });

    const [sent, skipped, deferred, failed, throttled] = emf();
    expect(sent).toMatchObject({ Channel: 'email', MessagesSent: 1 });
    expect(sent?._aws.CloudWatchMetrics).toEqual([
      expect.objectContaining({ Dimensions: [['Stage', 'Channel']] }),
    ]);
    expect(skipped).toMatchObject({ Reason: 'no_consent', MessagesSkipped: 1 });
    expect(deferred).toMatchObject({ Reason: 'quiet_hours', MessagesDeferred: 1 });
    // The alarmed metrics have the Stage dimension only, as the alarms read them.
    expect(failed).toMatchObject({ SendsFailed: 1 });
    expect(failed?._aws.CloudWatchMetrics).toEqual([expect.objectContaining({ Dimensions: [['Stage']] })]);
    expect(throttled).toMatchObject({ SendsThrottled: 1 });
  });

  it('counts what a ledger settles, after it is recorded, and nothing when recording fails', async () => {
    const settled: string[] = [];
    const ledger = {
      prefix: 'L',
      async settle(key: string, _outcome: unknown, _at: string) {
        if (key === 'broken') throw new Error('DynamoDB is down');
        settled.push(`${this.prefix}:${key}`);
      },
    };
    const counting = countingLedger(ledger, 'email');

    await counting.settle('k-1', { status: 'sent' }, '2024-05-01T00:00:00Z');
    await expect(counting.settle('broken', { status: 'sent' }, '2024-05-01T00:00:00Z')).rejects.toThrow();

    expect(settled).toEqual(['L:k-1']);
    expect(emf()).toHaveLength(1);
  });
});
