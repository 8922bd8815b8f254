// Issue 18.6: CloudFormation template validation was nearly half of every synth and of `npm start`,
// for templates it had already passed. It now runs once per template content, and always in CI.
import { createRequire } from 'node:module';
import { CloudFormationValidatePlugin, type IPolicyValidationContext } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { CachedTemplateValidation } from '../../lib/template-validation.ts';
import { templateValidationCache } from '../../lib/template-validation-passes.ts';
import {
  oneQueueStack,
  setResourceProperties,
  withTemplateValidation,
} from '../support/template-validation.ts';

const tmp = withTemplateValidation();

/** A one-queue stack's template, written where the plugin reads it. */
function context(): { context: IPolicyValidationContext; templatePath: string } {
  const { app, stack } = oneQueueStack(tmp('relance-tv-out-'));
  return {
    templatePath: stack.templatePath,
    context: {
      templatePaths: [stack.templatePath],
      stackTemplates: [stack],
      appConstruct: app,
    } as unknown as IPolicyValidationContext,
  };
}

describe('template validation once per template content', () => {
  it('validates a template once, then again only when it changes', () => {
    const plugin = new CachedTemplateValidation(tmp('relance-tv-cache-'));
    const { context: ctx, templatePath } = context();
    expect(plugin.validate(ctx)).toMatchObject({ success: true, violations: [] });
    expect(plugin.validate(ctx)).toMatchObject({ success: true, violations: [] });
    expect(plugin.runs).toBe(1);
    setResourceProperties(templatePath, { VisibilityTimeout: 45 });
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
    setResourceProperties(templatePath, { VisibilityTimeout: 'soon' });
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
