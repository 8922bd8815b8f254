// `relance report` after the demo (issue 13): the abandoned-cart funnel per step, read from the
// journey's counters, agrees with the ledger exactly, read independently by a scan of the ledger table.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatReport, report } from '../../bin/cli/report.ts';
import { playDemo } from '../../local/dev/demo.ts';
import { hours, type LocalSystem, PROJECT_ROOT, startLocalSystem } from '../support/local-system.ts';

describe('relance report on the local runtime', () => {
  let system: LocalSystem;

  beforeAll(async () => {
    system = await startLocalSystem();
    await playDemo(system.runtime, () => {});
    await system.advance(hours(48));
  });
  afterAll(async () => {
    await system.stop();
  });

  it('counts what the ledger holds for abandoned-cart, step by step', async () => {
    // Arrange: the ledger as stored, counted by step and status
    const documents = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: system.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    );
    const { Items = [] } = await documents.send(new ScanCommand({ TableName: system.tables.ledger ?? '' }));
    const stored = Items.filter((i) => i.journeyId === 'abandoned-cart');
    const count = (stepId: string, status: string) =>
      stored.filter((i) => i.stepId === stepId && i.status === status).length;

    // Act
    const funnel = await report('abandoned-cart', {
      projectRoot: PROJECT_ROOT,
      endpoint: system.endpoint,
      aws: false,
      cdkOut: system.cdkOut,
    });

    // Assess: the demo sends a reminder and skips Linus's (unsubscribed from cart reminders)
    expect(stored.length).toBeGreaterThan(0);
    expect(funnel.steps.map((s) => s.id).sort()).toEqual([...new Set(stored.map((i) => i.stepId))].sort());
    const withEvent = (stepId: string, kind: string) =>
      stored.filter(
        (i) =>
          i.stepId === stepId && (i.deliveryEvents ?? []).some((text: string) => text.split(' ')[1] === kind),
      ).length;
    for (const step of funnel.steps) {
      expect(step.sent).toBe(count(step.id, 'sent'));
      expect(step.skipped).toBe(count(step.id, 'skipped'));
      expect(step.failed).toBe(count(step.id, 'failed'));
      expect(step.deferred).toBe(count(step.id, 'deferred'));
      for (const [reason, n] of Object.entries(step.skippedBy))
        expect(n).toBe(
          stored.filter((i) => i.stepId === step.id && i.reason === reason && i.status === 'skipped').length,
        );
      expect(step.delivered).toBe(withEvent(step.id, 'delivered'));
      expect(step.opened).toBe(withEvent(step.id, 'opened'));
    }
    // The funnel came from the journey's counters, kept as things happened, not from this scan.
    const { Items: counterItems = [] } = await documents.send(
      new ScanCommand({
        TableName: system.tables.ledger ?? '',
        FilterExpression: 'begins_with(pk, :counts)',
        ExpressionAttributeValues: { ':counts': 'COUNTS#SENDS#abandoned-cart#' },
      }),
    );
    expect(counterItems.length).toBeGreaterThan(0);
    // What the period cost, from the same counters: the e-mails it sent, priced apart.
    expect(funnel.cost.counted.emails).toBe(funnel.steps.reduce((n, s) => n + s.sent, 0));
    expect(funnel.cost.dollars.total).toBeGreaterThan(0);
    expect(funnel.steps.find((s) => s.id === 'first-reminder')?.sent).toBeGreaterThan(0);
    expect(funnel.steps.reduce((n, s) => n + s.skipped, 0)).toBeGreaterThan(0);
  });

  it('counts the runs as the journey-state table holds them, and the order that ended a cart as a conversion', async () => {
    const documents = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: system.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    );
    const { Items = [] } = await documents.send(
      new ScanCommand({ TableName: system.tables.journeyState ?? '' }),
    );
    const runs = Items.filter((i) => i.sk === 'RUN' && i.journeyId === 'abandoned-cart');

    const result = await report('abandoned-cart', {
      projectRoot: PROJECT_ROOT,
      endpoint: system.endpoint,
      aws: false,
      cdkOut: system.cdkOut,
    });

    expect(result.runs.entered).toBe(runs.length);
    expect(result.runs.goalReached).toBe(runs.filter((r) => r.endReason === 'goal_reached').length);
    expect(result.runs.completed).toBe(runs.filter((r) => r.endReason === 'completed').length);
    expect(result.runs.inProgress).toBe(
      runs.filter((r) => ['active', 'waiting', 'stalled'].includes(String(r.status))).length,
    );
    // The demo's ordered cart: its run reached the goal, and the order converts it, with its total.
    expect(result.runs.goalReached).toBeGreaterThan(0);
    expect(result.conversions.treated.converted).toBeGreaterThanOrEqual(result.runs.goalReached);
    expect(result.conversions.treated.revenue).toBeGreaterThan(0);
    // Counted as the order was routed, and the same when recounted from the contacts' history.
    expect(result.conversions.source).toBe('counters');
    const recounted = await report('abandoned-cart', {
      projectRoot: PROJECT_ROOT,
      endpoint: system.endpoint,
      aws: false,
      cdkOut: system.cdkOut,
      recount: true,
    });
    expect(recounted.conversions.source).toBe('history');
    expect(recounted.conversions.treated).toEqual(result.conversions.treated);
    expect(recounted.conversions.holdout).toEqual(result.conversions.holdout);
    // abandoned-cart keeps no holdout: no uplift to claim.
    expect(result.conversions.holdout.runs).toBe(0);
    expect(result.conversions.uplift).toBeUndefined();
    expect(formatReport(result)).toContain(
      '  uplift: no holdout run in the period (give the journey a holdout to measure it)',
    );
  });

  it('leaves out what was attempted before --since, and refuses a date it cannot read', async () => {
    const options = {
      projectRoot: PROJECT_ROOT,
      endpoint: system.endpoint,
      aws: false,
      cdkOut: system.cdkOut,
    };
    const later = await report('abandoned-cart', { ...options, since: '2999-01-01' });
    expect(later.steps).toEqual([]);
    await expect(report('abandoned-cart', { ...options, since: 'yesterday' })).rejects.toThrow(
      '--since: not a date: yesterday',
    );
  });
});
