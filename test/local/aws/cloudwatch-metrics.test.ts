// EMF extraction as CloudWatch Logs documents it: the `_aws` directive names the namespace,
// dimension sets and metrics; values are root members (a number or an array of numbers); a set
// whose member is missing is dropped; anything else is an ordinary log line.
import { describe, expect, it } from 'vitest';
import { LocalCloudWatchMetrics } from '../../../local/aws/cloudwatch-metrics.ts';

const emf = (
  root: Record<string, unknown>,
  dimensions: string[][],
  metrics: Array<{ Name: string; Unit?: string }>,
) =>
  JSON.stringify({
    _aws: {
      Timestamp: 1_700_000_000_000,
      CloudWatchMetrics: [{ Namespace: 'Relance', Dimensions: dimensions, Metrics: metrics }],
    },
    ...root,
  });

describe('LocalCloudWatchMetrics', () => {
  it('keeps sum, count, min and max per metric and dimension values, across lines and value arrays', () => {
    const metrics = new LocalCloudWatchMetrics();
    const line = (value: unknown, channel: string) =>
      emf(
        { Stage: 'dev', Channel: channel, MessagesSent: value },
        [['Stage', 'Channel']],
        [{ Name: 'MessagesSent', Unit: 'Count' }],
      );

    expect(metrics.ingestLogLine(line(1, 'email'))).toBe(true);
    expect(metrics.ingestLogLine(line([2, 5], 'email'))).toBe(true);
    expect(metrics.ingestLogLine(line(1, 'sms'))).toBe(true);

    expect(metrics.list()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          namespace: 'Relance',
          metricName: 'MessagesSent',
          dimensions: { Stage: 'dev', Channel: 'email' },
          unit: 'Count',
          sum: 8,
          count: 3,
          min: 1,
          max: 5,
        }),
        expect.objectContaining({ dimensions: { Stage: 'dev', Channel: 'sms' }, sum: 1, count: 1 }),
      ]),
    );
  });

  it('drops a dimension set whose member is missing, and records each set of a directive apart', () => {
    const metrics = new LocalCloudWatchMetrics();
    metrics.ingestLogLine(
      emf({ Stage: 'dev', RunsStarted: 1 }, [['Stage', 'Journey'], ['Stage']], [{ Name: 'RunsStarted' }]),
    );
    expect(metrics.list().map((s) => s.dimensions)).toEqual([{ Stage: 'dev' }]);
    expect(metrics.list()[0]?.unit).toBe('None');
  });

  it('leaves ordinary log lines alone, even JSON ones or ones mentioning _aws', () => {
    const metrics = new LocalCloudWatchMetrics();
    expect(metrics.ingestLogLine('{"level":"INFO","message":"event accepted"}')).toBe(false);
    expect(metrics.ingestLogLine('the "_aws" member is not here {')).toBe(false);
    expect(metrics.ingestLogLine(JSON.stringify({ _aws: { CloudWatchMetrics: [] } }))).toBe(false);
    expect(metrics.list()).toEqual([]);
  });
});
