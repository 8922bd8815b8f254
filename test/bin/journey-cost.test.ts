// The journey's cost in `relance report`: what it counts from the report, and the dollars of each
// counted thing at the list prices and declared durations of the cost model.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DECLARED, PRICES } from '../../bin/cli/cost-model.ts';
import { formatJourneyCost, journeyCost, PER } from '../../bin/cli/journey-cost.ts';
import { handlerLogLevel } from '../../bin/cli/report.ts';
import type { JourneyReport } from '../../functions/journey-report/journey-report.ts';
import type { LocalApp } from '../../local/aws/template.ts';
import { journeys } from '../../workflows/journeys/index.ts';

const abandonedCart = journeys.find((j) => j.id === 'abandoned-cart');
if (!abandonedCart) throw new Error('abandoned-cart is not deployed');

const step = (id: string, sent: number, skipped: number, delivered: number, opened: number) => ({
  id,
  sent,
  skipped,
  skippedBy: { suppressed: skipped },
  deferred: 0,
  failed: 0,
  delivered,
  opened,
  clicked: 0,
  bounced: 0,
  complained: 0,
  unsubscribed: 0,
});

const report: JourneyReport = {
  journeyId: 'abandoned-cart',
  runs: { entered: 10, heldOut: 2, inProgress: 1, completed: 5, goalReached: 2, exited: 0, failed: 0 },
  conversions: {
    goalEvent: 'order.completed',
    windowDays: 7,
    source: 'history',
    treated: { runs: 8, converted: 2, rate: 0.25, interval: { lower: 0, upper: 1 }, revenue: 40 },
    holdout: { runs: 2, converted: 0, rate: 0, interval: { lower: 0, upper: 1 }, revenue: 0 },
  },
  steps: [step('first-reminder', 6, 2, 6, 3), step('last-call', 4, 1, 4, 1)],
};

describe('the journey cost of a report', () => {
  it('counts an execution per segment, an invocation per segment, message and provider event, and the e-mails', () => {
    const pauses = Object.values(abandonedCart.steps).filter(
      (s) => s.type === 'wait' || s.type === 'waitFor',
    ).length;
    const cost = journeyCost(abandonedCart, report);
    const executions = 10 + 8 * pauses;
    expect(cost.counted).toEqual({
      executions,
      lambdaInvocations: executions + 13 + 14,
      messages: 13,
      emails: 10,
      sms: 0,
      providerEvents: 14,
    });
    const writes =
      10 * PER.runEntered.writeUnits +
      9 * PER.runEnded.writeUnits +
      13 * PER.messageAttempted.writeUnits +
      14 * PER.feedbackEvent.writeUnits;
    const reads = 10 + 9 + 13 + 14;
    expect(cost.dollars.dynamoDb).toBeCloseTo(
      writes * PRICES.dynamoPerWriteUnit + reads * PRICES.dynamoPerReadUnit,
      12,
    );
    expect(cost.dollars.messageFees).toBeCloseTo(10 * PRICES.sesPerEmail, 12);
    expect(cost.dollars.total).toBeGreaterThan(cost.dollars.dynamoDb);
    expect(formatJourneyCost(cost)[3]).toBe(
      '  message fees apart: SES $0.001000 for 10 e-mails; 0 SMS priced by country',
    );
  });

  it("prices the handlers' logs at the deployment's level: records and metrics at INFO, metrics alone at WARN", () => {
    // Act
    const info = journeyCost(abandonedCart, report);
    const warn = journeyCost(abandonedCart, report, { logLevel: 'WARN' });
    const debug = journeyCost(abandonedCart, report, { logLevel: 'DEBUG' });

    // Assess: Lambda's own records are at WARN either way, so the handlers' bytes decide.
    const invocations = info.counted.lambdaInvocations;
    const perByte =
      (PRICES.logsIngestPerGb + PRICES.logsStoragePerGbMonth * DECLARED.logRetentionMonths) / 1024 ** 3;
    expect(info.dollars.logs).toBeCloseTo(invocations * PER.logBytesPerInvocation.records * perByte, 12);
    expect(warn.dollars.logs).toBeCloseTo(invocations * PER.logBytesPerInvocation.metricsOnly * perByte, 12);
    expect(debug.dollars.logs).toBe(info.dollars.logs);
    expect(warn.dollars.total).toBeLessThan(info.dollars.total);
    expect(formatJourneyCost(warn)[0]).toContain('handler logs at WARN');
  });

  it('costs nothing for a period with no run', () => {
    const empty = {
      ...report,
      runs: { ...report.runs, entered: 0, heldOut: 0, inProgress: 0, completed: 0, goalReached: 0 },
      steps: [],
    };
    expect(journeyCost(abandonedCart, empty).dollars.total).toBe(0);
  });
});

describe("the log level of the report's estimate", () => {
  const temporary: string[] = [];
  afterAll(() => {
    for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
  });
  /** A project folder whose cdk.json holds `context`. */
  const projectWith = (context: Record<string, unknown>) => {
    const root = mkdtempSync(join(tmpdir(), 'relance-report-level-'));
    temporary.push(root);
    writeFileSync(join(root, 'cdk.json'), JSON.stringify({ app: 'true', context }));
    return root;
  };
  /** A local template holding only the journey step function, with `variables`. */
  const templateWith = (variables: Record<string, string>) =>
    ({
      functions: [{ entry: 'functions/journeys/step-handler.ts', environment: variables }],
    }) as unknown as LocalApp;

  it("is the local template's, whatever cdk.json says", () => {
    const root = projectWith({ 'relance:logging': { level: 'ERROR' } });
    const options = { projectRoot: root, aws: false };

    expect(handlerLogLevel(options, templateWith({ POWERTOOLS_LOG_LEVEL: 'WARN' }))).toBe('WARN');
    expect(handlerLogLevel(options, templateWith({}))).toBe('INFO');
  });

  it("is cdk.json's relance:logging with --aws (no template), INFO when it says none", () => {
    expect(
      handlerLogLevel(
        { projectRoot: projectWith({ 'relance:logging': { level: 'WARN' } }), aws: true },
        undefined,
      ),
    ).toBe('WARN');
    expect(handlerLogLevel({ projectRoot: projectWith({}), aws: true }, undefined)).toBe('INFO');
    expect(
      handlerLogLevel(
        { projectRoot: projectWith({ 'relance:logging': { level: 'LOUD' } }), aws: true },
        undefined,
      ),
    ).toBe('INFO');
  });
});
