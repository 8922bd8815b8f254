// Fixtures for the tests of CloudFormation template validation: validation on for the file's tests
// (test/setup.ts turns it off for speed), and a one-queue stack's template to validate.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type PolicyValidationStack, Stack } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { afterEach, beforeEach } from 'vitest';

/**
 * Turns CloudFormation validation on for each test of the calling file, as it was before them
 * after; returns a maker of temporary folders, each removed after its test.
 */
export function withTemplateValidation(): (prefix: string) => string {
  const dirs: string[] = [];
  let savedValidation: string | undefined;
  beforeEach(() => {
    savedValidation = process.env.CDK_VALIDATION;
    delete process.env.CDK_VALIDATION;
  });
  afterEach(() => {
    if (savedValidation === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = savedValidation;
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return (prefix) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
}

/** Replaces the properties of every resource of a template file. */
export function setResourceProperties(templatePath: string, properties: Record<string, unknown>): void {
  const template = JSON.parse(readFileSync(templatePath, 'utf8')) as {
    Resources: Record<string, { Properties?: unknown }>;
  };
  for (const resource of Object.values(template.Resources)) resource.Properties = properties;
  writeFileSync(templatePath, JSON.stringify(template));
}

/** A one-queue stack (`Small`) synthesized into `outdir` without validation, as a synth hands it over. */
export function oneQueueStack(outdir: string): { app: App; stack: PolicyValidationStack } {
  const app = new App({ outdir });
  new Queue(new Stack(app, 'Small'), 'Queue');
  const templatePath = app.synth({ validateOnSynthesis: false }).getStackByName('Small').templateFullPath;
  return {
    app,
    stack: { stackConstructPath: 'Small', templatePath, accountId: undefined, region: undefined },
  };
}
