// Test support for the infra tests: a fast synth of the relance app into a temporary directory, and
// readers that turn template JSON into checked values (zod) instead of casting it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { z } from 'zod';
import { buildApp, type RelanceApp } from '../../lib/app.ts';

export interface SynthesizedRelance {
  readonly stacks: RelanceApp;
  readonly data: Template;
  readonly app: Template;
  /** Removes the temporary cloud assembly. */
  dispose(): void;
}

/**
 * Builds the relance app without bundling, without cdk-nag and (through test/setup.ts) without the
 * built-in CloudFormation validation, into a fresh directory under the OS temp dir.
 */
export function synthRelance(context: Record<string, unknown> = {}): SynthesizedRelance {
  const outdir = mkdtempSync(join(tmpdir(), 'relance-infra-'));
  const dispose = () => rmSync(outdir, { recursive: true, force: true });
  try {
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [], ...context } });
    const stacks = buildApp(app, { nag: false });
    app.synth();
    return { stacks, data: Template.fromStack(stacks.data), app: Template.fromStack(stacks.app), dispose };
  } catch (error) {
    dispose();
    throw error;
  }
}

/** The logical id of the CloudFormation resource behind an L2 construct. */
export function logicalId(construct: IConstruct): string {
  const child = construct.node.defaultChild;
  if (!child || !CfnElement.isCfnElement(child)) {
    throw new Error(`${construct.node.path} has no CloudFormation resource`);
  }
  return Stack.of(construct).getLogicalId(child);
}

const ResourceSchema = z.looseObject({
  Type: z.string(),
  Properties: z.record(z.string(), z.unknown()).optional(),
  DeletionPolicy: z.string().optional(),
  UpdateReplacePolicy: z.string().optional(),
  Metadata: z.record(z.string(), z.unknown()).optional(),
});
export type CfnResourceJson = z.infer<typeof ResourceSchema>;

const TemplateSchema = z.looseObject({ Resources: z.record(z.string(), ResourceSchema) });

/** Every resource of the template by logical id. */
export function resources(template: Template): Map<string, CfnResourceJson> {
  return new Map(Object.entries(TemplateSchema.parse(template.toJSON()).Resources));
}

/** The resources of one type by logical id. */
export function resourcesOfType(template: Template, type: string): Map<string, CfnResourceJson> {
  return new Map([...resources(template)].filter(([, r]) => r.Type === type));
}

/** One resource by logical id; throws when it is missing. */
export function resource(template: Template, id: string): CfnResourceJson {
  const found = resources(template).get(id);
  if (!found) throw new Error(`no resource ${id} in the template`);
  return found;
}

/** A resource's properties (empty when it has none). */
export function props(r: CfnResourceJson): Record<string, unknown> {
  return r.Properties ?? {};
}

/** The logical id in `{ Ref: id }`. */
export function refOf(value: unknown): string {
  return z.object({ Ref: z.string() }).parse(value).Ref;
}

/** The logical id in `{ 'Fn::GetAtt': [id, attribute] }`. */
export function getAttOf(value: unknown, attribute = 'Arn'): string {
  const [id, attr] = z.object({ 'Fn::GetAtt': z.tuple([z.string(), z.string()]) }).parse(value)['Fn::GetAtt'];
  if (attr !== attribute) throw new Error(`expected Fn::GetAtt ${attribute}, got ${attr}`);
  return id;
}

/**
 * A CloudFormation value as a readable string: `Ref`s and `GetAtt`s become `${Id}` / `${Id.Attr}`,
 * `Fn::Join`s are joined, so an ARN reads `arn:${AWS::Partition}:states:...:stateMachine:Name`.
 */
export function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const ref = z.object({ Ref: z.string() }).safeParse(value);
  if (ref.success) return `\${${ref.data.Ref}}`;
  const att = z.object({ 'Fn::GetAtt': z.tuple([z.string(), z.string()]) }).safeParse(value);
  if (att.success) return `\${${att.data['Fn::GetAtt'].join('.')}}`;
  const join = z.object({ 'Fn::Join': z.tuple([z.string(), z.array(z.unknown())]) }).safeParse(value);
  if (join.success) return join.data['Fn::Join'][1].map(flatten).join(join.data['Fn::Join'][0]);
  const imported = z.object({ 'Fn::ImportValue': z.unknown() }).safeParse(value);
  if (imported.success) return `\${Import:${flatten(imported.data['Fn::ImportValue'])}}`;
  return JSON.stringify(value);
}

const Strings = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (typeof v === 'string' ? [v] : v));

const StatementSchema = z.looseObject({
  Effect: z.enum(['Allow', 'Deny']),
  Action: Strings.optional(),
  NotAction: Strings.optional(),
  Resource: z.unknown().optional(),
  NotResource: z.unknown().optional(),
  Principal: z.unknown().optional(),
  Condition: z.unknown().optional(),
});
export type PolicyStatement = z.infer<typeof StatementSchema>;

const PolicyDocumentSchema = z.looseObject({ Statement: z.array(StatementSchema) });

/** A statement's resources as flattened strings. */
export function statementResources(statement: PolicyStatement): string[] {
  const raw = statement.Resource;
  if (raw === undefined) return [];
  return (Array.isArray(raw) ? raw : [raw]).map(flatten);
}

/** Every policy statement anywhere in the template (identity, trust and resource policies), with where it is. */
export function allStatements(template: Template): Array<{ where: string; statement: PolicyStatement }> {
  const found: Array<{ where: string; statement: PolicyStatement }> = [];
  const walk = (node: unknown, where: string): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item, where);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const document = PolicyDocumentSchema.safeParse(node);
    if (document.success) {
      for (const statement of document.data.Statement) found.push({ where, statement });
      return;
    }
    for (const [key, value] of Object.entries(node)) walk(value, `${where}.${key}`);
  };
  for (const [id, r] of resources(template)) walk(r.Properties, id);
  return found;
}

const PolicyResourceSchema = z.looseObject({
  Properties: z.looseObject({
    PolicyDocument: PolicyDocumentSchema,
    Roles: z.array(z.unknown()).optional(),
  }),
});

const RoleSchema = z.looseObject({
  Properties: z.looseObject({
    AssumeRolePolicyDocument: PolicyDocumentSchema,
    ManagedPolicyArns: z.array(z.unknown()).optional(),
    Policies: z.array(z.looseObject({ PolicyDocument: PolicyDocumentSchema })).optional(),
  }),
});

/** A role's trust policy and managed policy ARNs. */
export function roleOf(template: Template, roleId: string) {
  return RoleSchema.parse(resource(template, roleId)).Properties;
}

/** Every permission statement a role has: inline policies and the AWS::IAM::Policy resources attached to it. */
export function statementsForRole(template: Template, roleId: string): PolicyStatement[] {
  const inline = (roleOf(template, roleId).Policies ?? []).flatMap((p) => p.PolicyDocument.Statement);
  const attached = [...resourcesOfType(template, 'AWS::IAM::Policy').values()]
    .map((r) => PolicyResourceSchema.parse(r).Properties)
    .filter((p) => (p.Roles ?? []).some((role) => flatten(role) === `\${${roleId}}`))
    .flatMap((p) => p.PolicyDocument.Statement);
  return [...inline, ...attached];
}

/** The role of a Lambda function resource (`Role: { Fn::GetAtt: [role, Arn] }`). */
export function functionRoleId(template: Template, functionId: string): string {
  return getAttOf(props(resource(template, functionId)).Role);
}

/** An ARN built by `Stack.formatArn` in this account and region, as `flatten` renders it. */
export function stackArn(service: string, resourcePart: string): string {
  return `arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${resourcePart}`;
}
