// The HTTP way in: POST /events behind an API key and a request validator, a stage with access logs,
// throttling and X-Ray, and a usage plan that throttles per key.
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  getAttOf,
  logicalId,
  props,
  refOf,
  resource,
  resourcesOfType,
  type SynthesizedRelance,
  synthRelance,
} from './synth.ts';

let synth: SynthesizedRelance;

beforeAll(() => {
  synth = synthRelance();
});

afterAll(() => synth?.dispose());

const MethodSetting = z.looseObject({
  HttpMethod: z.string(),
  ResourcePath: z.string(),
  ThrottlingRateLimit: z.number().positive(),
  ThrottlingBurstLimit: z.number().positive(),
});

function apiId(): string {
  return logicalId(synth.stacks.app.http.api);
}

function stageId(): string {
  return logicalId(synth.stacks.app.http.api.deploymentStage);
}

/** The properties of the one POST method on /events. */
function postEvents(): Record<string, unknown> {
  const [eventsResource, ...moreResources] = [
    ...resourcesOfType(synth.app, 'AWS::ApiGateway::Resource').entries(),
  ]
    .filter(([, r]) => props(r).PathPart === 'events')
    .map(([id]) => id);
  const methods = [...resourcesOfType(synth.app, 'AWS::ApiGateway::Method').values()]
    .map(props)
    .filter((m) => m.HttpMethod === 'POST' && refOf(m.ResourceId) === eventsResource);
  expect(moreResources).toEqual([]);
  expect(methods).toHaveLength(1);
  const [method] = methods;
  if (!method) throw new Error('no POST /events');
  return method;
}

describe('POST /events', () => {
  it('requires an API key from the x-api-key header', () => {
    const method = postEvents();

    expect(method.ApiKeyRequired).toBe(true);
    expect(method.RequestParameters).toEqual({ 'method.request.header.x-api-key': true });
    synth.app.hasResourceProperties('AWS::ApiGateway::RestApi', { ApiKeySourceType: 'HEADER' });
  });

  it('has a request validator that checks the request parameters', () => {
    const validator = resource(synth.app, refOf(postEvents().RequestValidatorId));

    expect(validator.Type).toBe('AWS::ApiGateway::RequestValidator');
    expect(props(validator)).toMatchObject({
      RestApiId: { Ref: apiId() },
      ValidateRequestParameters: true,
    });
  });

  it('is integrated with the HTTP ingest function', () => {
    const fn = logicalId(synth.stacks.app.http.httpFunction);

    expect(JSON.stringify(postEvents().Integration)).toContain(JSON.stringify({ 'Fn::GetAtt': [fn, 'Arn'] }));
  });
});

describe('stage', () => {
  it('writes access logs to a log group with a retention', () => {
    const stage = props(resource(synth.app, stageId()));
    const access = z
      .object({ DestinationArn: z.unknown(), Format: z.string().min(1) })
      .parse(stage.AccessLogSetting);
    const logGroup = resource(synth.app, getAttOf(access.DestinationArn));

    expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
    expect(props(logGroup).RetentionInDays).toEqual(expect.any(Number));
    expect(JSON.parse(access.Format)).toMatchObject({ requestId: '$context.requestId' });
  });

  it('throttles every method and traces with X-Ray', () => {
    const stage = props(resource(synth.app, stageId()));
    const settings = z.array(MethodSetting).parse(stage.MethodSettings);

    expect(stage.TracingEnabled).toBe(true);
    expect(settings).toContainEqual(expect.objectContaining({ HttpMethod: '*', ResourcePath: '/*' }));
  });
});

describe('usage plan', () => {
  it('throttles producers on the stage', () => {
    const plans = [...resourcesOfType(synth.app, 'AWS::ApiGateway::UsagePlan').values()].map(props);

    expect(plans).toHaveLength(1);
    const [plan] = plans;
    expect(plan?.Throttle).toEqual({ RateLimit: expect.any(Number), BurstLimit: expect.any(Number) });
    expect(plan?.ApiStages).toEqual([
      expect.objectContaining({ ApiId: { Ref: apiId() }, Stage: { Ref: stageId() } }),
    ]);
  });

  it('has an enabled API key attached to it', () => {
    const [planId] = resourcesOfType(synth.app, 'AWS::ApiGateway::UsagePlan').keys();
    const keys = [...resourcesOfType(synth.app, 'AWS::ApiGateway::ApiKey').entries()];

    expect(keys).toHaveLength(1);
    const [keyId, key] = keys[0] ?? [];
    expect(key && props(key).Enabled).toBe(true);
    synth.app.hasResourceProperties('AWS::ApiGateway::UsagePlanKey', {
      KeyId: { Ref: keyId },
      KeyType: 'API_KEY',
      UsagePlanId: { Ref: planId },
    });
    synth.app.hasResourceProperties('AWS::ApiGateway::ApiKey', {
      StageKeys: Match.arrayWith([Match.objectLike({ RestApiId: { Ref: apiId() } })]),
    });
  });
});
