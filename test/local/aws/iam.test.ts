// The policy evaluator against the evaluation rules of the IAM User Guide ("Policy evaluation
// logic", "IAM JSON policy elements": Action, NotAction, Resource, NotResource, Condition).
import { describe, expect, it } from 'vitest';
import {
  actionMatches,
  arnLike,
  conditionsMatch,
  denialMessage,
  evaluatePolicies,
  evaluateResourcePolicy,
  LocalIam,
  type PolicyDocument,
  resourceMatches,
  unsupportedOperators,
  unsupportedOperatorsIn,
} from '../../../local/aws/iam.ts';

const TABLE = 'arn:aws:dynamodb:us-east-1:000000000000:table/Contacts';
const doc = (...Statement: PolicyDocument['Statement'][]): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: Statement.flat() as PolicyDocument['Statement'],
});

describe('the decision', () => {
  it('denies implicitly when no statement allows', () => {
    expect(evaluatePolicies([], { action: 'dynamodb:GetItem', resource: TABLE })).toBe('ImplicitDeny');
    const other = doc({ Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: TABLE });
    expect(evaluatePolicies([other], { action: 'dynamodb:GetItem', resource: TABLE })).toBe('ImplicitDeny');
  });

  it('allows when any statement of any policy allows', () => {
    const a = doc({ Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: TABLE });
    const b = doc({ Effect: 'Allow', Action: ['sqs:SendMessage', 'dynamodb:GetItem'], Resource: [TABLE] });
    expect(evaluatePolicies([a, b], { action: 'dynamodb:GetItem', resource: TABLE })).toBe('Allow');
  });

  it('lets an explicit deny win over any allow, in the same policy or another', () => {
    const allowAll = doc({ Effect: 'Allow', Action: '*', Resource: '*' });
    const deny = doc({ Effect: 'Deny', Action: 'dynamodb:DeleteItem', Resource: TABLE });
    expect(evaluatePolicies([allowAll, deny], { action: 'dynamodb:DeleteItem', resource: TABLE })).toBe(
      'ExplicitDeny',
    );
    expect(evaluatePolicies([deny, allowAll], { action: 'dynamodb:DeleteItem', resource: TABLE })).toBe(
      'ExplicitDeny',
    );
    expect(evaluatePolicies([allowAll, deny], { action: 'dynamodb:GetItem', resource: TABLE })).toBe('Allow');
  });

  it('ignores a statement without Action / NotAction or without Resource / NotResource', () => {
    const noResource = doc({ Effect: 'Allow', Action: 'dynamodb:GetItem' });
    const noAction = doc({ Effect: 'Allow', Resource: '*' });
    expect(evaluatePolicies([noResource, noAction], { action: 'dynamodb:GetItem', resource: TABLE })).toBe(
      'ImplicitDeny',
    );
  });
});

describe('actions', () => {
  it('match with * and ? wildcards, ignoring case', () => {
    expect(actionMatches('dynamodb:Get*', 'dynamodb:GetItem')).toBe(true);
    expect(actionMatches('dynamodb:Get*', 'dynamodb:BatchGetItem')).toBe(false);
    expect(actionMatches('*', 'states:StartExecution')).toBe(true);
    expect(actionMatches('sqs:?endMessage', 'sqs:SendMessage')).toBe(true);
    expect(actionMatches('DynamoDB:getitem', 'dynamodb:GetItem')).toBe(true);
    expect(actionMatches('s3:*', 'dynamodb:GetItem')).toBe(false);
  });

  it('NotAction allows everything but the listed actions', () => {
    const policy = doc({ Effect: 'Allow', NotAction: ['dynamodb:Delete*', 'iam:*'], Resource: '*' });
    expect(evaluatePolicies([policy], { action: 'dynamodb:PutItem', resource: TABLE })).toBe('Allow');
    expect(evaluatePolicies([policy], { action: 'dynamodb:DeleteItem', resource: TABLE })).toBe(
      'ImplicitDeny',
    );
  });

  it('NotAction in a Deny denies everything but the listed actions', () => {
    const allowAll = doc({ Effect: 'Allow', Action: '*', Resource: '*' });
    const denyOthers = doc({ Effect: 'Deny', NotAction: 'dynamodb:GetItem', Resource: '*' });
    expect(evaluatePolicies([allowAll, denyOthers], { action: 'dynamodb:GetItem', resource: TABLE })).toBe(
      'Allow',
    );
    expect(evaluatePolicies([allowAll, denyOthers], { action: 'sqs:SendMessage', resource: TABLE })).toBe(
      'ExplicitDeny',
    );
  });
});

describe('resources', () => {
  it('match case-sensitively', () => {
    expect(resourceMatches(TABLE, TABLE)).toBe(true);
    expect(resourceMatches(TABLE.toLowerCase(), TABLE)).toBe(false);
  });

  it('keep * and ? inside an ARN segment, except a * ending a segment, which may run past colons', () => {
    expect(
      resourceMatches(
        'arn:aws:dynamodb:us-east-1:000000000000:table/Contacts/index/*',
        `${TABLE}/index/ByEmail`,
      ),
    ).toBe(true);
    expect(resourceMatches(`${TABLE}/index/*`, TABLE)).toBe(false);
    expect(resourceMatches('arn:aws:dynamodb:*:*:table/Con?acts', TABLE)).toBe(true);
    expect(
      resourceMatches(
        'arn:aws:lambda:us-east-1:000000000000:function:fn',
        'arn:aws:lambda:us-east-1:000000000000:function:fn:$LATEST',
      ),
    ).toBe(false);
    expect(
      resourceMatches(
        'arn:aws:lambda:us-east-1:000000000000:function:fn:*',
        'arn:aws:lambda:us-east-1:000000000000:function:fn:$LATEST',
      ),
    ).toBe(true);
    // A * ending the region segment runs on to the end; a * in the middle of a segment does not cross a colon.
    expect(resourceMatches('arn:aws:states:*', 'arn:aws:states:us-east-1:000000000000:stateMachine:x')).toBe(
      true,
    );
    expect(
      resourceMatches(
        'arn:aws:sta*es:us-east-1:000000000000:stateMachine:x',
        'arn:aws:states:us-east-1:000000000000:stateMachine:x',
      ),
    ).toBe(true);
    expect(
      resourceMatches(
        'arn:aws:s*s:us-east-1:000000000000:stateMachine:x',
        'arn:aws:states:us-east-1:000000000000:stateMachine:x',
      ),
    ).toBe(true);
    expect(
      resourceMatches(
        'arn:aws:scheduler:us-east-1:000000000000:schedule/group-a/*',
        'arn:aws:scheduler:us-east-1:000000000000:schedule/group-b/run-1',
      ),
    ).toBe(false);
    expect(resourceMatches('*', 'anything at all')).toBe(true);
  });

  it('NotResource applies to every resource but the listed ones', () => {
    const policy = doc({ Effect: 'Allow', Action: 'dynamodb:*', NotResource: `${TABLE}*` });
    expect(evaluatePolicies([policy], { action: 'dynamodb:GetItem', resource: TABLE })).toBe('ImplicitDeny');
    expect(
      evaluatePolicies([policy], {
        action: 'dynamodb:GetItem',
        resource: 'arn:aws:dynamodb:us-east-1:000000000000:table/Ledger',
      }),
    ).toBe('Allow');
  });
});

describe('conditions', () => {
  const ctx = {
    'aws:SourceAccount': '000000000000',
    'aws:SourceArn': 'arn:aws:events:us-east-1:000000000000:rule/Relance-Rule',
  };

  it('match operators, every key (AND), any value of a key (OR), keys ignoring case', () => {
    expect(conditionsMatch({ StringEquals: { 'aws:sourceaccount': ['1', '000000000000'] } }, ctx)).toBe(true);
    expect(
      conditionsMatch(
        {
          StringEquals: { 'aws:SourceAccount': '000000000000' },
          ArnLike: { 'aws:SourceArn': 'arn:aws:events:*:*:rule/Other' },
        },
        ctx,
      ),
    ).toBe(false);
    expect(conditionsMatch({ ArnLike: { 'aws:SourceArn': 'arn:aws:events:*:*:rule/Relance-*' } }, ctx)).toBe(
      true,
    );
    expect(conditionsMatch({ ArnEquals: { 'aws:SourceArn': ctx['aws:SourceArn'] } }, ctx)).toBe(true);
    expect(conditionsMatch({ StringLike: { 'aws:SourceAccount': '0000*' } }, ctx)).toBe(true);
    expect(
      conditionsMatch({ Bool: { 'aws:SecureTransport': 'false' } }, { 'aws:SecureTransport': 'true' }),
    ).toBe(false);
    expect(
      conditionsMatch(
        { NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } },
        { 'aws:MultiFactorAuthAge': '60' },
      ),
    ).toBe(true);
  });

  it('a missing key fails a positive operator, passes a negated one, an ...IfExists one and Null true', () => {
    expect(conditionsMatch({ StringEquals: { 'aws:PrincipalTag/team': 'a' } }, ctx)).toBe(false);
    expect(conditionsMatch({ StringNotEquals: { 'aws:PrincipalTag/team': 'a' } }, ctx)).toBe(true);
    expect(conditionsMatch({ StringEqualsIfExists: { 'aws:PrincipalTag/team': 'a' } }, ctx)).toBe(true);
    expect(conditionsMatch({ Null: { 'aws:PrincipalTag/team': 'true' } }, ctx)).toBe(true);
    expect(conditionsMatch({ Null: { 'aws:SourceArn': 'true' } }, ctx)).toBe(false);
    expect(conditionsMatch({ StringNotEquals: { 'aws:SourceAccount': '000000000000' } }, ctx)).toBe(false);
  });

  it('set qualifiers compare each request value', () => {
    const tags = { 'aws:TagKeys': ['team', 'cost'] };
    expect(conditionsMatch({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'team' } }, tags)).toBe(true);
    expect(conditionsMatch({ 'ForAllValues:StringEquals': { 'aws:TagKeys': 'team' } }, tags)).toBe(false);
    expect(conditionsMatch({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team', 'cost'] } }, tags)).toBe(
      true,
    );
    expect(conditionsMatch({ 'ForAllValues:StringEquals': { 'aws:TagKeys': 'team' } }, {})).toBe(true);
  });

  it('never matches an operator it does not implement, in an Allow or a Deny, and says which', () => {
    const allow = doc({
      Effect: 'Allow',
      Action: '*',
      Resource: '*',
      Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
    });
    expect(
      evaluatePolicies([allow], {
        action: 'sqs:SendMessage',
        resource: '*',
        context: { 'aws:SourceIp': '10.1.2.3' },
      }),
    ).toBe('ImplicitDeny');
    const allowAll = doc({ Effect: 'Allow', Action: '*', Resource: '*' });
    const deny = doc({
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { DateLessThan: { 'aws:CurrentTime': '2030-01-01' } },
    });
    expect(evaluatePolicies([allowAll, deny], { action: 'sqs:SendMessage', resource: '*' })).toBe('Allow');
    expect([...unsupportedOperators]).toEqual(expect.arrayContaining(['IpAddress', 'DateLessThan']));
    expect(
      unsupportedOperatorsIn([
        allow,
        deny,
        doc({
          Effect: 'Allow',
          Action: '*',
          Resource: '*',
          Condition: { 'ForAnyValue:StringLikeIfExists': { k: 'v' } },
        }),
      ]),
    ).toEqual(['IpAddress', 'DateLessThan']);
  });
});

describe('resource-based policies', () => {
  const fn = 'arn:aws:lambda:us-east-1:000000000000:function:Router';
  const permission = {
    Effect: 'Allow' as const,
    Principal: { Service: 'events.amazonaws.com' },
    Action: 'lambda:InvokeFunction',
    Resource: fn,
    Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:events:us-east-1:000000000000:rule/RouterRule' } },
  };

  it('allow the named service from the named source only', () => {
    const request = (sourceArn: string) => ({
      action: 'lambda:InvokeFunction',
      resource: fn,
      context: { 'aws:SourceArn': sourceArn },
    });
    const rule = 'arn:aws:events:us-east-1:000000000000:rule/RouterRule';
    expect(evaluateResourcePolicy([permission], 'events.amazonaws.com', request(rule))).toBe('Allow');
    expect(evaluateResourcePolicy([permission], 'events.amazonaws.com', request(`${rule}2`))).toBe(
      'ImplicitDeny',
    );
    expect(evaluateResourcePolicy([permission], 'apigateway.amazonaws.com', request(rule))).toBe(
      'ImplicitDeny',
    );
  });

  it('compare the parts of an ARN separately with ArnLike', () => {
    expect(
      arnLike(
        'arn:aws:execute-api:us-east-1:000000000000:Api/v1/GET/u/*',
        'arn:aws:execute-api:us-east-1:000000000000:Api/v1/GET/u/tok',
      ),
    ).toBe(true);
    expect(arnLike('arn:aws:*:us-east-1:000000000000:x', 'arn:aws:sqs:us-east-1:000000000000:x')).toBe(true);
    expect(arnLike('arn:aws:sqs:*:x', 'arn:aws:sqs:us-east-1:000000000000:x')).toBe(false);
  });
});

describe('LocalIam', () => {
  const roleArn = 'arn:aws:iam::000000000000:role/RouterRole';
  const iam = new LocalIam({
    account: '000000000000',
    now: () => Date.parse('2026-03-02T10:00:00Z'),
    roles: [
      {
        arn: roleArn,
        name: 'RouterRole',
        trust: doc({
          Effect: 'Allow',
          Principal: { Service: 'lambda.amazonaws.com' },
          Action: 'sts:AssumeRole',
        }),
        policies: [doc({ Effect: 'Allow', Action: 'states:StartExecution', Resource: '*' })],
      },
    ],
  });

  it('gives each role session its own access key and knows who signed with it', () => {
    const credentials = iam.credentialsFor(roleArn, 'Router');
    expect(credentials.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(iam.credentialsFor(roleArn, 'Other').accessKeyId).not.toBe(credentials.accessKeyId);
    expect(iam.principalFor(credentials.accessKeyId)?.arn).toBe(
      'arn:aws:sts::000000000000:assumed-role/RouterRole/Router',
    );
    expect(iam.principalFor('AKIAUSERKEY')).toBeUndefined();
  });

  it('records a denial in AWS’s words, and allows what the policies allow', () => {
    const principal = iam.principalFor(iam.credentialsFor(roleArn, 'Router').accessKeyId);
    if (!principal) throw new Error('no principal');
    expect(
      iam.authorize(principal, [{ action: 'states:StartExecution', resource: 'arn:x' }]),
    ).toBeUndefined();
    const denial = iam.authorize(principal, [
      {
        action: 'scheduler:DeleteSchedule',
        resource: 'arn:aws:scheduler:us-east-1:000000000000:schedule/g/n',
      },
    ]);
    expect(denial && denialMessage(denial)).toBe(
      'User: arn:aws:sts::000000000000:assumed-role/RouterRole/Router is not authorized to perform: scheduler:DeleteSchedule on resource: arn:aws:scheduler:us-east-1:000000000000:schedule/g/n because no identity-based policy allows the scheduler:DeleteSchedule action',
    );
    expect(iam.denials).toHaveLength(1);
  });

  it('reads trust policies', () => {
    expect(iam.trusts(roleArn, 'lambda.amazonaws.com')).toBe(true);
    expect(iam.trusts(roleArn, 'scheduler.amazonaws.com')).toBe(false);
  });
});
