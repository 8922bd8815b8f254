// SMS and calls through AWS End User Messaging v2 in the template: the origination identity (leased
// or passed in), the configuration set whose event destination feeds the ledger, and send grants on
// exactly that identity and configuration set; SNS stays the SMS provider unless configured.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_ENTRY_METADATA } from '../../lib/stateless/relance-function.ts';
import {
  flatten,
  functionRoleId,
  props,
  resourcesOfType,
  type SynthesizedRelance,
  stackArn,
  statementResources,
  statementsForRole,
  synthRelance,
} from './synth.ts';

const EXISTING_NUMBER = 'arn:aws:sms-voice:eu-west-3:123456789012:phone-number/phone-0123456789abcdef';

function functionId(synth: SynthesizedRelance, entry: string): string {
  const found = [...resourcesOfType(synth.app, 'AWS::Lambda::Function').entries()].find(
    ([, fn]) => fn.Metadata?.[LOCAL_ENTRY_METADATA] === entry,
  );
  if (!found) throw new Error(`no function for ${entry}`);
  return found[0];
}

/** The actions a function's role allows on End User Messaging and SNS, with their resources. */
function phoneGrants(synth: SynthesizedRelance, entry: string) {
  return statementsForRole(synth.app, functionRoleId(synth.app, functionId(synth, entry)))
    .filter((s) => s.Effect === 'Allow')
    .filter((s) => (s.Action ?? []).some((a) => a.startsWith('sms-voice:') || a === 'sns:Publish'))
    .map((s) => ({ actions: [...(s.Action ?? [])].sort(), resources: statementResources(s) }));
}

function environmentOf(synth: SynthesizedRelance, entry: string): Record<string, unknown> {
  const fn = resourcesOfType(synth.app, 'AWS::Lambda::Function').get(functionId(synth, entry));
  const environment = fn
    ? (props(fn).Environment as { Variables?: Record<string, unknown> } | undefined)
    : undefined;
  return environment?.Variables ?? {};
}

const single = (synth: SynthesizedRelance, type: string) => {
  const found = [...resourcesOfType(synth.app, type).entries()];
  expect(found, type).toHaveLength(1);
  const [id, resource] = found[0] ?? ['', { Type: type }];
  return { id, props: props(resource) };
};

describe('the default deployment: calls through End User Messaging, SMS through SNS', () => {
  let synth: SynthesizedRelance;
  beforeAll(() => {
    synth = synthRelance();
  });
  afterAll(() => synth.dispose());

  it('leases a voice number with its own opt-out list and HELP/STOP answers', () => {
    const optOutList = single(synth, 'AWS::SMSVOICE::OptOutList');
    const number = single(synth, 'AWS::SMSVOICE::PhoneNumber');

    expect(number.props).toMatchObject({
      IsoCountryCode: 'US',
      NumberType: 'TOLL_FREE',
      NumberCapabilities: ['VOICE'],
      OptOutListName: { Ref: optOutList.id },
      MandatoryKeywords: { HELP: { Message: expect.any(String) }, STOP: { Message: expect.any(String) } },
    });
  });

  it('sends every SMS and call receipt to a topic the feedback function reads', () => {
    const set = single(synth, 'AWS::SMSVOICE::ConfigurationSet');
    const [destination] = set.props.EventDestinations as Array<Record<string, unknown>>;
    expect(destination).toMatchObject({ Enabled: true, MatchingEventTypes: ['TEXT_ALL', 'VOICE_ALL'] });
    const topicArn = (destination?.SnsDestination as { TopicArn?: unknown } | undefined)?.TopicArn;
    const topic = flatten(topicArn);

    const subscriptions = [...resourcesOfType(synth.app, 'AWS::SNS::Subscription').values()].map(props);
    const feedback = functionId(synth, 'functions/delivery/feedback-handler.ts');
    expect(subscriptions).toContainEqual(
      expect.objectContaining({ Protocol: 'lambda', Endpoint: { 'Fn::GetAtt': [feedback, 'Arn'] } }),
    );
    expect(
      subscriptions.some((s) => flatten(s.TopicArn) === topic && flatten(s.Endpoint).includes(feedback)),
    ).toBe(true);
    // End User Messaging may publish to it, from this account only.
    const policies = [...resourcesOfType(synth.app, 'AWS::SNS::TopicPolicy').values()].map((p) =>
      JSON.stringify(props(p)),
    );
    const topicRef = JSON.stringify(topicArn);
    expect(
      policies.some(
        (p) =>
          p.includes(topicRef) &&
          p.includes('"sms-voice.amazonaws.com"') &&
          p.includes('"aws:SourceAccount"'),
      ),
    ).toBe(true);
  });

  it('lets the journey-step function place calls from that number through that configuration set only', () => {
    const number = single(synth, 'AWS::SMSVOICE::PhoneNumber');
    const set = single(synth, 'AWS::SMSVOICE::ConfigurationSet');

    expect(phoneGrants(synth, 'functions/journeys/step-handler.ts')).toEqual([
      { actions: ['sns:Publish'], resources: ['*'] },
      {
        actions: ['sms-voice:SendVoiceMessage'],
        resources: [`\${${number.id}.Arn}`, stackArn('sms-voice', `configuration-set/\${${set.id}}`)],
      },
    ]);
    const settings = JSON.parse(
      flatten(environmentOf(synth, 'functions/journeys/step-handler.ts').PHONE_SENDING),
    );
    expect(settings).toMatchObject({ smsProvider: 'sns', maxPricePerSms: '0.10', maxPricePerMinute: '0.10' });
    // The lead functions text reps through SNS and never call.
    expect(phoneGrants(synth, 'functions/leads/router-handler.ts')).toEqual([
      { actions: ['sns:Publish'], resources: ['*'] },
    ]);
  });
});

describe('SMS through End User Messaging, from an existing number', () => {
  let synth: SynthesizedRelance;
  beforeAll(() => {
    synth = synthRelance({
      'relance:phoneMessaging': {
        smsProvider: 'end-user-messaging',
        origination: { type: 'existing', arn: EXISTING_NUMBER },
        maxPricePerSms: '0.05',
      },
    });
  });
  afterAll(() => synth.dispose());

  it('leases nothing and grants SendTextMessage (no sns:Publish) on the given number and the configuration set', () => {
    expect(resourcesOfType(synth.app, 'AWS::SMSVOICE::PhoneNumber').size).toBe(0);
    const set = single(synth, 'AWS::SMSVOICE::ConfigurationSet');
    const onIdentity = [EXISTING_NUMBER, stackArn('sms-voice', `configuration-set/\${${set.id}}`)];

    expect(phoneGrants(synth, 'functions/journeys/step-handler.ts')).toEqual([
      { actions: ['sms-voice:SendTextMessage', 'sms-voice:SendVoiceMessage'], resources: onIdentity },
    ]);
    expect(phoneGrants(synth, 'functions/leads/router-handler.ts')).toEqual([
      { actions: ['sms-voice:SendTextMessage'], resources: onIdentity },
    ]);
    const settings = JSON.parse(
      flatten(environmentOf(synth, 'functions/leads/router-handler.ts').PHONE_SENDING),
    );
    expect(settings).toMatchObject({
      smsProvider: 'end-user-messaging',
      originationIdentity: EXISTING_NUMBER,
      maxPricePerSms: '0.05',
    });
  });
});

describe('SMS through End User Messaging from a leased number', () => {
  it('leases an SMS and voice number whose incoming messages reach the inbound SMS topic', () => {
    const synth = synthRelance({ 'relance:phoneMessaging': { smsProvider: 'end-user-messaging' } });
    try {
      const number = single(synth, 'AWS::SMSVOICE::PhoneNumber');
      expect(number.props.NumberCapabilities).toEqual(['SMS', 'VOICE']);
      const inbound = [...resourcesOfType(synth.app, 'AWS::SNS::Topic').entries()].find(([id]) =>
        id.startsWith('FeedbackInboundSms'),
      );
      expect(number.props.TwoWay).toEqual({ Enabled: true, ChannelArn: { Ref: inbound?.[0] } });
    } finally {
      synth.dispose();
    }
  });

  it('refuses an origination ARN that is not a phone number or pool, naming the field', () => {
    expect(() =>
      synthRelance({
        'relance:phoneMessaging': { origination: { type: 'existing', arn: 'arn:aws:sns:eu-west-3:1:topic' } },
      }),
    ).toThrow(/relance:phoneMessaging\.origination\.arn: a phone number or pool ARN/);
  });
});
