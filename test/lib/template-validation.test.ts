// Issue 18.6: CloudFormation template validation was nearly half of every synth and of `npm start`,
// for templates it had already passed. It now runs once per template content, and always in CI.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CloudFormationValidatePlugin, type IPolicyValidationContext, Stack } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CachedTemplateValidation } from '../../lib/template-validation.ts';
import { templateValidationCache } from '../../lib/template-validation-passes.ts';

const dirs: string[] = [];
const tmp = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};
let savedValidation: string | undefined;

beforeEach(() => {
  // test/setup.ts turns validation off for speed; these tests are about running it.
  savedValidation = process.env.CDK_VALIDATION;
  delete process.env.CDK_VALIDATION;
});
afterEach(() => {
  if (savedValidation === undefined) delete process.env.CDK_VALIDATION;
  else process.env.CDK_VALIDATION = savedValidation;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A one-queue stack's template, written where the plugin reads it. */
function context(): { context: IPolicyValidationContext; templatePath: string } {
  const app = new App({ outdir: tmp('relance-tv-out-') });
  const stack = new Stack(app, 'Small');
  new Queue(stack, 'Queue');
  const assembly = app.synth({ validateOnSynthesis: false });
  const templatePath = assembly.getStackByName('Small').templateFullPath;
  return {
    templatePath,
    context: {
      templatePaths: [templatePath],
      stackTemplates: [{ stackConstructPath: 'Small', templatePath }],
      appConstruct: app,
    } as unknown as IPolicyValidationContext,
  };
}

function editTemplate(
  path: string,
  edit: (template: { Resources: Record<string, { Properties?: unknown }> }) => void,
): void {
  const template = JSON.parse(readFileSync(path, 'utf8')) as {
    Resources: Record<string, { Properties?: unknown }>;
  };
  edit(template);
  writeFileSync(path, JSON.stringify(template));
}

describe('template validation once per template content', () => {
  it('validates a template once, then again only when it changes', () => {
    const plugin = new CachedTemplateValidation(tmp('relance-tv-cache-'));
    const { context: ctx, templatePath } = context();
    expect(plugin.validate(ctx)).toMatchObject({ success: true, violations: [] });
    expect(plugin.validate(ctx)).toMatchObject({ success: true, violations: [] });
    expect(plugin.runs).toBe(1);
    editTemplate(templatePath, (t) => {
      for (const resource of Object.values(t.Resources)) resource.Properties = { VisibilityTimeout: 45 };
    });
    expect(plugin.validate(ctx).success).toBe(true);
    expect(plugin.runs).toBe(2);
  });

  it("names the rules engine's version once it ran, the aws-cdk-lib release before (the engine not loaded for it)", () => {
    const cdkVersion = (createRequire(import.meta.url)('aws-cdk-lib/package.json') as { version: string })
      .version;
    const plugin = new CachedTemplateValidation(tmp('relance-tv-cache-'));
    const { context: ctx } = context();
    expect(plugin.version).toBe(`bundled with aws-cdk-lib ${cdkVersion}`);

    plugin.validate(ctx);

    expect(plugin.version).toBe(new CloudFormationValidatePlugin().version);
    expect(plugin.version).not.toContain('aws-cdk-lib');
  });

  it('never remembers a template with findings: each synth reports them', () => {
    const plugin = new CachedTemplateValidation(tmp('relance-tv-cache-'));
    const { context: ctx, templatePath } = context();
    editTemplate(templatePath, (t) => {
      for (const resource of Object.values(t.Resources)) resource.Properties = { VisibilityTimeout: 'soon' };
    });
    expect(plugin.validate(ctx).violations.length).toBeGreaterThan(0);
    expect(plugin.validate(ctx).violations.length).toBeGreaterThan(0);
    expect(plugin.runs).toBe(2);
  });

  it('always validates in CI, and not at all with CDK_VALIDATION=false', () => {
    expect(templateValidationCache({ CI: 'true' })).toBeUndefined();
    expect(templateValidationCache({})).toMatch(/\.relance[/\\]cache[/\\]template-validation$/);
    const plugin = new CachedTemplateValidation(undefined);
    const { context: ctx } = context();
    plugin.validate(ctx);
    plugin.validate(ctx);
    expect(plugin.runs).toBe(2);
    process.env.CDK_VALIDATION = 'false';
    expect(plugin.validate(ctx)).toEqual({ success: true, violations: [] });
    expect(plugin.runs).toBe(2);
  });
});
