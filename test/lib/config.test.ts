// One configuration: the `relance:*` context is checked with zod (an unknown key or a wrong type
// fails synth naming its path), partial objects merge into the defaults, and `npm start` reads the
// same cdk.json context as `cdk synth`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { ENV } from '#platform/env-names.ts';
import { ConfigValidationError, readConfig } from '../../lib/config.ts';
import { PROJECT_ROOT, projectContext } from '../../lib/context.ts';
import { synthesizeForLocal } from '../../local/dev/synth.ts';
import { logicalId, props, resource, resourcesOfType, synthRelance } from './synth.ts';

const configOf = (context: Record<string, unknown>) => readConfig(new App({ context }));

/** The message readConfig fails with. */
function failureOf(context: Record<string, unknown>): string {
  try {
    configOf(context);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return (error as Error).message;
  }
  throw new Error('the configuration was accepted');
}

const temporary: string[] = [];
afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

describe('readConfig', () => {
  it('has working defaults', () => {
    const config = configOf({});

    expect(config.delivery.quietHours).toEqual({ start: '21:00', end: '08:00' });
    expect(config.sandbox).toBe(false);
    expect(Object.keys(config.delivery.emailTopics)).toContain('newsletter');
  });

  it('fails on an unknown relance: key, naming it', () => {
    expect(failureOf({ 'relance:delivry': {} })).toContain('relance:delivry: unknown key');
  });

  it('fails on an unknown nested key, naming its path', () => {
    const message = failureOf({ 'relance:delivery': { quietHours: { strat: '22:00' } } });

    expect(message).toContain('relance:delivery.quietHours.strat: unknown key');
  });

  it('fails on a wrong type, naming its path', () => {
    expect(failureOf({ 'relance:historyRetentionDays': true })).toMatch(
      /relance:historyRetentionDays: .*expected number/,
    );
    expect(failureOf({ 'relance:leads': { throttle: { rateLimit: 'fast' } } })).toMatch(
      /relance:leads\.throttle\.rateLimit: .*expected number/,
    );
    expect(failureOf({ 'relance:delivery': { quietHours: { start: '9h' } } })).toContain(
      'relance:delivery.quietHours.start:',
    );
  });

  it('keeps events other than goals 90 days by default, and refuses a recent retention longer than the full one, naming it', () => {
    expect(configOf({}).recentHistoryRetentionDays).toBe(90);
    // A full retention shorter than 90 days shortens the default recent one with it.
    expect(configOf({ 'relance:historyRetentionDays': 30 }).recentHistoryRetentionDays).toBe(30);
    expect(configOf({ 'relance:recentHistoryRetentionDays': 400 }).recentHistoryRetentionDays).toBe(400);
    expect(configOf({ 'relance:recentHistoryRetentionDays': '30' }).recentHistoryRetentionDays).toBe(30);
    expect(
      failureOf({ 'relance:recentHistoryRetentionDays': 120, 'relance:historyRetentionDays': 100 }),
    ).toContain('relance:recentHistoryRetentionDays: is longer than historyRetentionDays (100)');
    expect(failureOf({ 'relance:recentHistoryRetentionDays': 0 })).toContain(
      'relance:recentHistoryRetentionDays:',
    );
  });

  it('re-publishes the accepted events rules match by default, every one when asked, and names a wrong value', () => {
    expect(configOf({}).publishAcceptedEvents).toBe('listened');
    expect(configOf({ 'relance:publishAcceptedEvents': 'all' }).publishAcceptedEvents).toBe('all');
    expect(failureOf({ 'relance:publishAcceptedEvents': 'some' })).toContain(
      'relance:publishAcceptedEvents:',
    );
  });

  it('logs at INFO without DEBUG sampling by default, and names a level or a sample rate it does not take', () => {
    expect(configOf({}).logging).toEqual({ level: 'INFO', debugSampleRate: 0 });
    expect(configOf({ 'relance:logging': { level: 'WARN' } }).logging).toEqual({
      level: 'WARN',
      debugSampleRate: 0,
    });
    expect(failureOf({ 'relance:logging': { level: 'VERBOSE' } })).toContain('relance:logging.level:');
    expect(failureOf({ 'relance:logging': { debugSampleRate: 1.5 } })).toContain(
      'relance:logging.debugSampleRate:',
    );
  });

  it('lists every problem at once', () => {
    const message = failureOf({
      'relance:smsSenderId': 'MY SHOP SENDER',
      'relance:defaultTimezone': 'Paris',
    });

    expect(message).toContain('relance:smsSenderId:');
    expect(message).toContain('relance:defaultTimezone:');
    expect(message).toMatch(/\(2\)/);
  });

  it('refuses a line break in what becomes a mail header: the From address and the brand name', () => {
    const message = failureOf({
      'relance:fromAddress': 'Shop <hello@shop.example.com>\r\nBcc: all@example.com',
      'relance:brand': { name: 'Shop\nX-Spam: no' },
    });

    expect(message).toContain('relance:fromAddress: must be one line without control characters');
    expect(message).toContain('relance:brand.name: must be one line without control characters');
  });

  it('merges a partial relance:delivery into the defaults: quiet hours given, caps and topics kept', () => {
    const defaults = configOf({});
    const config = configOf({ 'relance:delivery': { quietHours: { start: '22:00', end: '07:00' } } });

    expect(config.delivery.quietHours).toEqual({ start: '22:00', end: '07:00' });
    expect(config.delivery.frequencyCaps).toEqual(defaults.delivery.frequencyCaps);
    expect(config.delivery.emailTopics).toEqual(defaults.delivery.emailTopics);
    expect(config.delivery.inFlightGraceSeconds).toBe(defaults.delivery.inFlightGraceSeconds);
  });

  it('merges nested objects key by key (one cap changed, its window kept)', () => {
    const config = configOf({ 'relance:delivery': { frequencyCaps: { email: { max: 3 } } } });

    expect(config.delivery.frequencyCaps).toEqual({
      email: { max: 3, windowDays: 7 },
      sms: { max: 2, windowDays: 7 },
      voice: { max: 1, windowDays: 7 },
    });
  });

  it("takes a deployment's e-mail topics as a whole, not mixed with the demo topics", () => {
    const config = configOf({
      'relance:delivery': { emailTopics: { news: { label: 'News', mode: 'opt_in' } } },
    });

    expect(config.delivery.emailTopics).toEqual({ news: { label: 'News', mode: 'opt_in' } });
  });

  it('requires every field of an optional object once it is given', () => {
    expect(failureOf({ 'relance:leads': { webhook: { url: 'https://hooks.example.com/x' } } })).toContain(
      'relance:leads.webhook.headerName:',
    );
  });

  it('reads relance:sandbox from cdk.json (a boolean) or -c (a string)', () => {
    expect(configOf({ 'relance:sandbox': true }).sandbox).toBe(true);
    expect(configOf({ 'relance:sandbox': 'true' }).sandbox).toBe(true);
    expect(configOf({ 'relance:sandbox': 'false' }).sandbox).toBe(false);
    expect(failureOf({ 'relance:sandbox': 'yes' })).toContain('relance:sandbox:');
  });

  it('reads an object given with -c as JSON, and still names an unknown key in it', () => {
    const delivery = configOf({
      'relance:delivery': '{"quietHours":{"start":"22:00","end":"07:00"}}',
    }).delivery;
    expect(delivery.quietHours).toEqual({ start: '22:00', end: '07:00' });
    expect(failureOf({ 'relance:delivery': '{"quietHours":{"strat":"21:00"}}' })).toContain(
      'relance:delivery.quietHours.strat: unknown key',
    );
    expect(configOf({ 'relance:historyRetentionDays': '30' }).historyRetentionDays).toBe(30);
    expect(failureOf({ 'relance:leads': '{not json' })).toContain('relance:leads: given on the command line');
  });
});

describe('synth', () => {
  it('refuses to synthesize with an invalid configuration, locally too', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'relance-config-'));
    temporary.push(outdir);

    expect(() =>
      synthesizeForLocal(outdir, { 'relance:delivery': { quietHours: { strat: '22:00' } } }),
    ).toThrow('relance:delivery.quietHours.strat: unknown key');
  });

  it("gives the journey-step function the merged policy (the caps and topics a partial object didn't name)", () => {
    const synth = synthRelance({ 'relance:delivery': { quietHours: { start: '22:00', end: '07:00' } } });
    try {
      const step = props(resource(synth.app, logicalId(synth.stacks.app.engine.stepFunction)));
      const variables = (step.Environment as { Variables: Record<string, string> }).Variables;
      const policy = JSON.parse(variables[ENV.deliveryPolicy] ?? '{}');

      expect(policy.quietHours).toEqual({ start: '22:00', end: '07:00' });
      expect(policy.frequencyCaps.email).toEqual({ max: 5, windowDays: 7 });
      expect(Object.keys(policy.emailTopics)).toContain('newsletter');
    } finally {
      synth.dispose();
    }
  });
});

describe('function logging', () => {
  it("gives every function the configured level and DEBUG sample rate, Powertools' variables", () => {
    // Arrange
    const quiet = synthRelance({ 'relance:logging': { level: 'WARN', debugSampleRate: 0.01 } });
    const plain = synthRelance();
    const functionVariables = (synth: ReturnType<typeof synthRelance>) =>
      [...resourcesOfType(synth.app, 'AWS::Lambda::Function')]
        .map(([id, r]) => {
          const environment = props(r).Environment as { Variables?: Record<string, string> } | undefined;
          return [id, environment?.Variables ?? {}] as const;
        })
        // CDK's own helper functions (custom resources) are not relance's: they have no Powertools.
        .filter(([, variables]) => variables.POWERTOOLS_SERVICE_NAME === 'relance');
    try {
      // Act
      const quietFunctions = functionVariables(quiet);
      const plainFunctions = functionVariables(plain);

      // Assess
      expect(quietFunctions.length).toBeGreaterThan(10);
      for (const [id, variables] of quietFunctions) {
        expect([id, variables.POWERTOOLS_LOG_LEVEL]).toEqual([id, 'WARN']);
        expect([id, variables.POWERTOOLS_LOGGER_SAMPLE_RATE]).toEqual([id, '0.01']);
      }
      expect(plainFunctions.length).toBe(quietFunctions.length);
      for (const [id, variables] of plainFunctions) {
        expect([id, variables.POWERTOOLS_LOG_LEVEL]).toEqual([id, 'INFO']);
        expect([id, variables.POWERTOOLS_LOGGER_SAMPLE_RATE]).toEqual([id, undefined]);
      }
    } finally {
      quiet.dispose();
      plain.dispose();
    }
  });
});

describe('projectContext', () => {
  it("is cdk.json's context, the one `cdk synth` gives the app", () => {
    expect(projectContext()).toMatchObject({ '@aws-cdk/core:validateAgainstDefaultRules': true });
    expect(PROJECT_ROOT.endsWith('/')).toBe(true);
  });

  it('reads the relance: keys of a cdk.json, which readConfig then applies', () => {
    const root = mkdtempSync(join(tmpdir(), 'relance-project-'));
    temporary.push(root);
    writeFileSync(
      join(root, 'cdk.json'),
      JSON.stringify({
        app: 'x',
        context: { 'relance:delivery': { quietHours: { start: '23:00', end: '06:00' } } },
      }),
    );

    const context = projectContext(root);

    expect(configOf(context).delivery.quietHours).toEqual({ start: '23:00', end: '06:00' });
  });
});
