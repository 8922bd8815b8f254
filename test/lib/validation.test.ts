// The dedicated slow test: the app as `cdk synth` builds it (cdk-nag on, aws-cdk-lib's built-in
// CloudFormation validation on, its findings as errors) has no finding nobody acknowledged.
//
// How findings surface in aws-cdk-lib 2.276: at synth, every validation plugin (cdk-nag's
// AwsSolutionsChecks, registered by buildApp, and the built-in "CloudFormation Validate", added
// unless process.env.CDK_VALIDATION === 'false' at synth time) reports to core, which writes
// `validation-report.json` (cx-api VALIDATION_REPORT_FILE) into the cloud assembly. A plugin report
// appears there only when it has findings; cdk-nag drops acknowledged findings itself. When a plugin
// fails and the app runs in memory (a test), `app.synth()` throws the report as an error; warnings
// do not throw, so the test reads the file and requires it to list nothing at all.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import {
  CDK_APP_MODE_CONTEXT,
  VALIDATE_AGAINST_DEFAULT_RULES,
  VALIDATION_REPORT_FILE,
} from 'aws-cdk-lib/cx-api';
import type { IConstruct } from 'constructs';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { validateJourney } from '#language/validator.ts';
import { buildApp, type RelanceApp } from '../../lib/app.ts';
import { contactAttributes, journeys, journeyViolations, templates } from '../../workflows/index.ts';
import { abandonedCart } from '../../workflows/journeys/abandoned-cart.ts';

const SLOW = 120_000;

const Violation = z.looseObject({
  ruleName: z.string(),
  severity: z.string(),
  description: z.string(),
  violatingConstructs: z.array(z.looseObject({ constructPath: z.string() })),
});
const ValidationReport = z.looseObject({
  pluginReports: z.array(
    z.looseObject({
      pluginName: z.string(),
      conclusion: z.enum(['success', 'failure']),
      metadata: z.record(z.string(), z.string()).optional(),
      violations: z.array(Violation),
    }),
  ),
});

interface Finding {
  readonly plugin: string;
  readonly rule: string;
  readonly severity: string;
  readonly path: string;
  readonly description: string;
}

interface ValidatedSynth {
  readonly stacks: RelanceApp;
  /** What `app.synth()` threw, if anything. */
  readonly error: unknown;
  readonly reportWritten: boolean;
  /** Every finding in the report, one per violating construct; a crashed plugin is one finding too. */
  readonly findings: Finding[];
}

const outdirs: string[] = [];

afterEach(() => {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs `fn` with the built-in CloudFormation validation on (test/setup.ts turns it off for speed). */
function withCdkValidation<T>(fn: () => T): T {
  const saved = process.env.CDK_VALIDATION;
  delete process.env.CDK_VALIDATION;
  try {
    return fn();
  } finally {
    if (saved === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = saved;
  }
}

/** Builds the app like bin/app.ts does (cdk-nag on), plus `change`, and synthesizes it with validation on. */
function synthValidated(change: (stacks: RelanceApp) => void = () => {}): ValidatedSynth {
  const outdir = mkdtempSync(join(tmpdir(), 'relance-validation-'));
  outdirs.push(outdir);
  const app = new App({
    outdir,
    context: {
      'aws:cdk:bundling-stacks': [],
      [VALIDATE_AGAINST_DEFAULT_RULES]: true,
      // Throw on failed validation, with the report in the error (what a test run gets anyway).
      [CDK_APP_MODE_CONTEXT]: 'inmemory',
    },
  });
  const stacks = buildApp(app);
  change(stacks);

  let error: unknown;
  withCdkValidation(() => {
    try {
      app.synth();
    } catch (thrown) {
      error = thrown;
    }
  });

  const reportFile = join(outdir, VALIDATION_REPORT_FILE);
  const reportWritten = existsSync(reportFile);
  const report = reportWritten
    ? ValidationReport.parse(JSON.parse(readFileSync(reportFile, 'utf8')))
    : { pluginReports: [] };
  const findings = report.pluginReports.flatMap((plugin): Finding[] => {
    if (plugin.conclusion === 'failure' && plugin.violations.length === 0) {
      const description = plugin.metadata?.error ?? 'failed without a violation';
      return [{ plugin: plugin.pluginName, rule: '-', severity: 'fatal', path: '-', description }];
    }
    return plugin.violations.flatMap((v) =>
      v.violatingConstructs.map((c) => ({
        plugin: plugin.pluginName,
        rule: v.ruleName,
        severity: v.severity,
        path: c.constructPath,
        description: v.description,
      })),
    );
  });
  return { stacks, error, reportWritten, findings };
}

describe('validation of the synthesized app', () => {
  it(
    'has zero unacknowledged cdk-nag (AwsSolutions) or CloudFormation validation findings',
    () => {
      const result = synthValidated();

      expect(
        result.findings.map((f) => `${f.plugin} ${f.rule} (${f.severity}) ${f.path}: ${f.description}`),
      ).toEqual([]);
      expect(result.error).toBeUndefined();
      // The report is written only when at least one validation plugin ran.
      expect(result.reportWritten).toBe(true);
      for (const stack of [result.stacks.data, result.stacks.app]) {
        expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
      }
    },
    SLOW,
  );

  it(
    'does report what is not acknowledged: a bare queue (cdk-nag) and an invalid property (CloudFormation)',
    () => {
      const result = synthValidated(({ app }) => {
        new Queue(app, 'UnacknowledgedQueue');
        new CfnResource(app, 'InvalidQueue', {
          type: 'AWS::SQS::Queue',
          properties: { MessageRetentionPeriod: 'two weeks' },
        });
      });

      expect(result.error).toBeInstanceOf(Error);
      expect(result.findings).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            plugin: 'AwsSolutions',
            rule: 'AwsSolutions-SQS4',
            severity: 'error',
            path: 'Relance/UnacknowledgedQueue/Resource',
          }),
          expect.objectContaining({
            plugin: 'CloudFormation Validate',
            severity: 'error',
            path: 'Relance/InvalidQueue',
          }),
        ]),
      );
      // Everything the first test found acceptable stays acknowledged: only the additions are reported.
      for (const finding of result.findings) {
        expect(finding.path).toMatch(/^Relance\/(UnacknowledgedQueue|InvalidQueue)(\/|$)/);
      }
    },
    SLOW,
  );
});

describe('cdk-nag acknowledgements', () => {
  it('are made on the resources they concern, never on an app or a stack', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stacks = buildApp(app);
    const acknowledgedAt = (scope: IConstruct) =>
      scope.node.metadata
        .filter((m) => m.type === 'aws:cdk:acknowledged-rules')
        .map((m) => Object.keys(m.data ?? {}));

    expect(acknowledgedAt(app)).toEqual([]);
    for (const stack of [stacks.data, stacks.app]) expect(acknowledgedAt(stack), stack.stackName).toEqual([]);
    const scoped = stacks.app.node.findAll().filter((c) => acknowledgedAt(c).length > 0);
    expect(scoped.length).toBeGreaterThan(20);
    for (const construct of scoped) expect(Stack.isStack(construct), construct.node.path).toBe(false);
  });
});

describe('journey validation', () => {
  it('reports a broken copy of a reference journey with the path of the violation', () => {
    const broken = { ...abandonedCart, entry: { ...abandonedCart.entry, dedupeKey: 'basketId' } };

    const violations = validateJourney(broken, { templates, attributes: contactAttributes });

    expect(violations).toEqual([
      {
        journey: 'abandoned-cart',
        path: 'entry.dedupeKey',
        message: '"basketId" is not a field of cart.updated',
      },
    ]);
  });

  it('finds no violation in the journeys that deploy, so buildApp accepts them', () => {
    expect(journeys.length).toBeGreaterThan(0);
    expect(journeyViolations()).toEqual([]);
    expect(() =>
      buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), { nag: false }),
    ).not.toThrow();
  });
});
