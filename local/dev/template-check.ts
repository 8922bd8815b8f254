/**
 * `relance dev`'s check that the templates it runs would deploy: aws-cdk-lib's CloudFormation
 * validation (the rules `cdk synth` runs, ../../lib/template-validation.ts) over the templates the
 * start synthesized. It runs in a worker thread once the local system is ready, not before: it was
 * about 4 s of a 9 s start whenever the templates changed (at every start in CI), and nothing local
 * waits for it. Its verdict is printed, shown on the page and in `/_relance/status`, and a pass is
 * remembered as a synth's is, so the next start with the same templates knows it at once.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { PolicyValidationPluginReport, PolicyValidationStack } from 'aws-cdk-lib';
import { passRemembered, rememberPass } from '../../lib/template-validation-passes.ts';

/** Beside the assembly: the stacks whose templates are to be validated (absent when validation is off). */
const TEMPLATES_FILE = 'relance-templates.json';

/** Before a synth into `outdir`: what an earlier synth left to validate is not this one's. */
export function forgetTemplatesToCheck(outdir: string): void {
  rmSync(join(outdir, TEMPLATES_FILE), { force: true });
}

/**
 * Keeps the stacks beside the assembly, each template's path relative to it: the assembly is reused
 * from wherever the project is (its inputs hash without the project's own path).
 */
export function writeTemplatesToCheck(outdir: string, stacks: readonly PolicyValidationStack[]): void {
  const kept = stacks.map((stack) => ({ ...stack, templatePath: relative(outdir, stack.templatePath) }));
  writeFileSync(join(outdir, TEMPLATES_FILE), JSON.stringify(kept));
}

/** The stacks an assembly's synth left to validate; undefined when it synthesized with validation off. */
export function readTemplatesToCheck(outdir: string): PolicyValidationStack[] | undefined {
  const file = join(outdir, TEMPLATES_FILE);
  if (!existsSync(file)) return undefined;
  const kept = JSON.parse(readFileSync(file, 'utf8')) as PolicyValidationStack[];
  return kept.map((stack) => ({ ...stack, templatePath: resolve(outdir, stack.templatePath) }));
}

export interface TemplateFinding {
  /** The rule's id (`E3002`...). */
  readonly rule: string;
  /** `error` and `fatal` fail a deploy; `warning` and `info` do not. */
  readonly severity: string;
  readonly description: string;
  /** The resources (logical id) or stacks (construct path) it concerns. */
  readonly resources: readonly string[];
  readonly fix?: string;
}

export interface TemplateCheck {
  /**
   * `validating`: in the worker now; `deployable`: no finding (`remembered`: from an earlier pass of
   * the same templates); `warnings`: findings that do not fail a deploy; `not deployable`: findings
   * that would; `not validated`: validation is off, or could not run (`detail` says why).
   */
  readonly state: 'validating' | 'deployable' | 'warnings' | 'not deployable' | 'not validated';
  readonly remembered?: boolean;
  readonly detail: string;
  readonly findings: readonly TemplateFinding[];
  /** How long the validation took. */
  readonly seconds?: number;
}

export interface TemplateCheckRun {
  current(): TemplateCheck;
  /** The verdict, once there is one. */
  readonly verdict: Promise<TemplateCheck>;
  /** Stops a validation still running (its verdict is then `not validated`). */
  stop(): Promise<void>;
}

const RULES = "CloudFormation's rules, as cdk synth runs them";

// The worker loads aws-cdk-lib itself (CommonJS, no TypeScript loader needed) and validates with a
// fresh plugin: what CloudFormationValidatePlugin#validate reads of its context is `stackTemplates`.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
try {
  const { CloudFormationValidatePlugin } = require(workerData.awsCdkLib);
  const plugin = new CloudFormationValidatePlugin();
  const report = plugin.validate({ stackTemplates: workerData.stacks, templatePaths: workerData.stacks.map((s) => s.templatePath) });
  parentPort.postMessage({ report });
} catch (error) {
  parentPort.postMessage({ error: String((error && error.message) || error) });
}
`;

function findingsOf(report: PolicyValidationPluginReport): TemplateFinding[] {
  return report.violations.map((v) => ({
    rule: v.ruleName,
    severity: v.severity ?? 'error',
    description: v.description,
    resources: v.violatingResources.map(
      (r) => `${r.resourceLogicalId ?? r.constructPath ?? '?'} (${r.templatePath?.split('/').at(-1) ?? '?'})`,
    ),
    ...(v.fix ? { fix: v.fix } : {}),
  }));
}

/** The verdict of a report. */
function verdictOf(report: PolicyValidationPluginReport, elapsedSeconds: number): TemplateCheck {
  const findings = findingsOf(report);
  const seconds = Math.round(elapsedSeconds * 10) / 10;
  const took = `validated in ${seconds.toFixed(1)} s (${RULES})`;
  if (!report.success)
    return {
      state: 'not deployable',
      detail: `cdk deploy would fail: ${findings.length} finding(s), ${took}`,
      findings,
      seconds,
    };
  if (findings.length > 0)
    return { state: 'warnings', detail: `${findings.length} warning(s), ${took}`, findings, seconds };
  return { state: 'deployable', detail: `no finding, ${took}`, findings, seconds };
}

export interface TemplateCheckOptions {
  /** Where passes are remembered (lib/template-validation.ts#templateValidationCache); undefined in CI. */
  readonly cacheDir: string | undefined;
  /** Why there is nothing to validate, when `stacks` is undefined. */
  readonly whyNot?: string;
}

/**
 * Validates the stacks' templates in a worker thread, unless a pass of them is remembered; with no
 * stacks, the verdict is `not validated` for `options.whyNot`.
 */
export function checkTemplates(
  stacks: readonly PolicyValidationStack[] | undefined,
  options: TemplateCheckOptions,
): TemplateCheckRun {
  const settled = (check: TemplateCheck): TemplateCheckRun => ({
    current: () => check,
    verdict: Promise.resolve(check),
    stop: async () => {},
  });
  if (stacks === undefined)
    return settled({ state: 'not validated', detail: options.whyNot ?? 'nothing to validate', findings: [] });
  let remembered: boolean;
  try {
    remembered = passRemembered(options.cacheDir, stacks);
  } catch (error) {
    // A template gone from the assembly: nothing to validate it on, and the runtime starts anyway.
    const reason = error instanceof Error ? error.message : String(error);
    return settled({
      state: 'not validated',
      detail: `a template could not be read: ${reason}`,
      findings: [],
    });
  }
  if (remembered)
    return settled({
      state: 'deployable',
      remembered: true,
      detail: `no finding when these templates were last validated (${RULES})`,
      findings: [],
    });

  const started = performance.now();
  let current: TemplateCheck = {
    state: 'validating',
    detail: `in the background (${RULES})`,
    findings: [],
  };
  const worker = new Worker(WORKER, {
    eval: true,
    // Without the parent's TypeScript loader: the worker runs plain CommonJS.
    execArgv: [],
    workerData: { awsCdkLib: createRequire(import.meta.url).resolve('aws-cdk-lib'), stacks },
  });
  // Never what keeps the process alive: a stopped runtime does not wait for a verdict.
  worker.unref();
  let stopped = false;
  const verdict = new Promise<TemplateCheck>((resolve) => {
    const settle = (check: TemplateCheck) => {
      current = check;
      resolve(check);
      void worker.terminate();
    };
    worker.once('message', (message: { report?: PolicyValidationPluginReport; error?: string }) => {
      if (!message.report) {
        settle({
          state: 'not validated',
          detail: `the validation failed to run: ${message.error}`,
          findings: [],
        });
        return;
      }
      const check = verdictOf(message.report, (performance.now() - started) / 1000);
      if (check.state === 'deployable') rememberPass(options.cacheDir, stacks);
      settle(check);
    });
    worker.once('error', (error) =>
      settle({
        state: 'not validated',
        detail: `the validation failed to run: ${error.message}`,
        findings: [],
      }),
    );
    worker.once('exit', () => {
      if (current.state === 'validating')
        settle({
          state: 'not validated',
          detail: stopped
            ? 'stopped before the validation ended'
            : 'the validation stopped without a verdict',
          findings: [],
        });
    });
  });
  return {
    current: () => current,
    verdict,
    stop: async () => {
      stopped = true;
      await worker.terminate();
      await verdict;
    },
  };
}

/** The check as lines for the terminal: a headline, then each finding with its resources and fix. */
export function describeCheck(check: TemplateCheck): string[] {
  const mark = check.state === 'not deployable' ? '!' : ' ';
  const lines = [`${mark} templates         ${check.state}: ${check.detail}`];
  for (const f of check.findings) {
    lines.push(`    ${f.severity} ${f.rule}: ${f.description}`);
    lines.push(`      in ${f.resources.join(', ')}`);
    if (f.fix) lines.push(`      fix: ${f.fix}`);
  }
  return lines;
}
