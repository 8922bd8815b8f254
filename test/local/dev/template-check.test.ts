// Issue 18.6: `npm start` waited for CloudFormation's template validation before it was ready: about
// 4 s of a 9 s start whenever the templates changed, at every start in CI. `relance dev` now takes
// the templates from the synth without validating them there, and validates them in a worker thread
// once it is ready; the verdict (deployable, or the findings that would fail `cdk deploy`) is
// printed, in /_relance/status and on the page, and a pass is remembered as a synth's is.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CloudFormationValidatePlugin, type PolicyValidationStack } from 'aws-cdk-lib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { passRemembered, rememberPass } from '../../../lib/template-validation-passes.ts';
import { synthesizeWithVersions } from '../../../local/dev/dev.ts';
import {
  checkTemplates,
  describeCheck,
  readTemplatesToCheck,
  writeTemplatesToCheck,
} from '../../../local/dev/template-check.ts';
import { PROJECT_ROOT } from '../../support/local-system.ts';
import {
  oneQueueStack,
  setResourceProperties,
  withTemplateValidation,
} from '../../support/template-validation.ts';

const tmp = withTemplateValidation();
afterEach(() => vi.restoreAllMocks());

/** A one-queue stack's template, as a synth hands it over; `properties` replace the queue's. */
function oneQueue(properties?: Record<string, unknown>): PolicyValidationStack[] {
  const { stack } = oneQueueStack(tmp('relance-tc-out-'));
  if (properties) setResourceProperties(stack.templatePath, properties);
  return [stack];
}

describe('validating the templates once relance dev is ready', () => {
  it('validates in a worker, says they deploy, and remembers the pass for the next start', async () => {
    const cacheDir = tmp('relance-tc-cache-');
    const stacks = oneQueue();

    const check = checkTemplates(stacks, { cacheDir });
    expect(describeCheck(check.current())).toEqual([
      "  templates         validating: in the background (CloudFormation's rules, as cdk synth runs them)",
    ]);
    const verdict = await check.verdict;

    expect(verdict).toMatchObject({ state: 'deployable', findings: [] });
    expect(verdict.seconds).toBeGreaterThan(0);
    expect(check.current()).toEqual(verdict);
    expect(passRemembered(cacheDir, stacks)).toBe(true);
    const next = checkTemplates(stacks, { cacheDir });
    expect(next.current()).toMatchObject({ state: 'deployable', remembered: true });
  }, 60_000);

  it('names what would fail cdk deploy, and remembers nothing', async () => {
    const cacheDir = tmp('relance-tc-cache-');
    const stacks = oneQueue({ VisibilityTimeout: 'soon' });

    const verdict = await checkTemplates(stacks, { cacheDir }).verdict;

    expect(verdict.state).toBe('not deployable');
    expect(verdict.detail).toMatch(/^cdk deploy would fail: \d+ finding\(s\)/);
    expect(verdict.findings.length).toBeGreaterThan(0);
    const finding = verdict.findings.find((f) => f.description.includes('VisibilityTimeout'));
    expect(finding).toMatchObject({ severity: 'error' });
    expect(finding?.resources.join()).toMatch(/^Queue\w+ \(Small\.template\.json\)/);
    expect(passRemembered(cacheDir, stacks)).toBe(false);
    const lines = describeCheck(verdict);
    expect(lines[0]).toMatch(/^! templates {9}not deployable: cdk deploy would fail/);
    expect(lines.join('\n')).toContain('VisibilityTimeout');
  }, 60_000);

  it('validates again at every start in CI (no pass remembered)', async () => {
    const stacks = oneQueue();
    expect((await checkTemplates(stacks, { cacheDir: undefined }).verdict).state).toBe('deployable');
    expect(checkTemplates(stacks, { cacheDir: undefined }).current().state).toBe('validating');
  }, 60_000);

  it('finds the templates of an assembly moved with its project, and says so when one is gone', () => {
    // Prepare: the list kept beside an assembly, then the assembly moved (the project renamed).
    const cacheDir = tmp('relance-tc-cache-');
    const [stack] = oneQueue();
    if (!stack) throw new Error('no stack');
    const outdir = dirname(stack.templatePath);
    writeTemplatesToCheck(outdir, [stack]);
    const moved = join(tmp('relance-tc-moved-'), 'cdk.out');
    renameSync(outdir, moved);

    // Act
    const stacks = readTemplatesToCheck(moved);
    rememberPass(cacheDir, stacks ?? []);
    const found = checkTemplates(stacks, { cacheDir }).current();
    rmSync(join(moved, 'Small.template.json'));
    const gone = checkTemplates(stacks, { cacheDir }).current();

    // Assess
    expect(stacks).toEqual([{ ...stack, templatePath: join(moved, 'Small.template.json') }]);
    expect(found).toMatchObject({ state: 'deployable', remembered: true });
    expect(gone.state).toBe('not validated');
    expect(gone.detail).toMatch(/^a template could not be read: ENOENT/);
  });

  it('says why when there is nothing to validate, and when stopped before a verdict', async () => {
    const off = checkTemplates(undefined, { cacheDir: undefined, whyNot: 'CDK_VALIDATION=false' });
    expect(off.current()).toEqual({ state: 'not validated', detail: 'CDK_VALIDATION=false', findings: [] });

    const running = checkTemplates(oneQueue(), { cacheDir: undefined });
    await running.stop();
    expect(running.current()).toMatchObject({
      state: 'not validated',
      detail: 'stopped before the validation ended',
    });
  }, 60_000);
});

describe("relance dev's synth", () => {
  const options = (project: string) =>
    ({ projectRoot: project, port: 0, timeScale: 1, memory: true, demo: false, apiKey: 'k' }) as const;

  it('leaves the validation to the running system, and hands over the same templates when it reuses the assembly', async () => {
    const project = tmp('relance-tc-project-');
    writeFileSync(join(project, 'cdk.json'), readFileSync(join(PROJECT_ROOT, 'cdk.json')));
    const { CI: _ci, ...env } = process.env;
    const validations = vi.spyOn(CloudFormationValidatePlugin.prototype, 'validate');

    const synthesized = await synthesizeWithVersions(options(project), env);
    const reused = await synthesizeWithVersions(options(project), env);

    expect(validations).not.toHaveBeenCalled();
    expect(synthesized.templates?.map((s) => s.stackConstructPath).sort()).toEqual([
      'Relance',
      'RelanceData',
    ]);
    for (const stack of synthesized.templates ?? [])
      expect(stack.templatePath).toBe(join(synthesized.cdkOut, `${stack.stackConstructPath}.template.json`));
    expect(reused).toEqual(synthesized);
  }, 120_000);

  it('hands over nothing to validate when validation is off', async () => {
    const project = tmp('relance-tc-project-');
    writeFileSync(join(project, 'cdk.json'), readFileSync(join(PROJECT_ROOT, 'cdk.json')));
    process.env.CDK_VALIDATION = 'false';

    const { templates } = await synthesizeWithVersions(options(project), {
      ...process.env,
      CI: 'true',
      CDK_VALIDATION: 'false',
    });

    expect(templates).toBeUndefined();
  }, 120_000);
});
