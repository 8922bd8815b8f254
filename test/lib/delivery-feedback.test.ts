// The DeliveryFeedback construct: SES events reach the feedback function through the default bus,
// incoming SMS through a TLS-only topic, and nothing that fails is lost.
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AttributeType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { CfnConfigurationSet } from 'aws-cdk-lib/aws-ses';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DeliveryFeedback } from '../../lib/stateless/delivery-feedback.ts';
import { logicalId, resource } from './synth.ts';

let template: Template;
let ids: { configurationSet: string; feedback: string; smsInbound: string; deadLetters: string };

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Feedback', { env: { account: '123456789012', region: 'eu-west-1' } });
  const configurationSet = new CfnConfigurationSet(stack, 'ConfigurationSet', {});
  const table = (id: string) =>
    new TableV2(stack, id, { partitionKey: { name: 'pk', type: AttributeType.STRING } });
  const deadLetters = new Queue(stack, 'DeadLetters');
  const feedback = new DeliveryFeedback(stack, 'DeliveryFeedback', {
    configurationSet,
    contacts: table('Contacts'),
    ledger: table('Ledger'),
    deadLetters,
  });
  ids = {
    configurationSet: stack.getLogicalId(configurationSet),
    feedback: logicalId(feedback.feedbackFunction),
    smsInbound: logicalId(feedback.smsInboundFunction),
    deadLetters: logicalId(deadLetters),
  };
  template = Template.fromStack(stack);
});

describe('DeliveryFeedback', () => {
  it('publishes the configuration set’s events to the default bus', () => {
    // Assess
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      ConfigurationSetName: { Ref: ids.configurationSet },
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: ['SEND', 'DELIVERY', 'BOUNCE', 'COMPLAINT', 'OPEN', 'CLICK', 'REJECT'],
        EventBridgeDestination: {
          EventBusArn: {
            'Fn::Join': [
              '',
              ['arn:', { Ref: 'AWS::Partition' }, ':events:eu-west-1:123456789012:event-bus/default'],
            ],
          },
        },
      },
    });
  });

  it('routes the SES e-mail events of that configuration set only, from the default bus, with retries and a DLQ', () => {
    // Assess
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.absent(),
      EventPattern: {
        source: ['aws.ses'],
        'detail-type': Match.arrayWith([
          'Email Sent',
          'Email Delivered',
          'Email Bounced',
          'Email Complaint Received',
        ]),
        detail: { mail: { tags: { 'ses:configuration-set': [{ Ref: ids.configurationSet }] } } },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [ids.feedback, 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [ids.deadLetters, 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.absent(),
      EventPattern: { source: ['aws.sms-voice'], 'detail-type': ['Text Message Delivery Status Updated'] },
    });
  });

  it('sends what still fails after the asynchronous retries to the dead letters', () => {
    // Assess
    for (const id of [ids.feedback, ids.smsInbound]) {
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: id },
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [ids.deadLetters, 'Arn'] } } },
      });
    }
  });

  it('receives incoming SMS on a TLS-only topic End User Messaging may publish to', () => {
    // Assess
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'sms-voice.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      Endpoint: { 'Fn::GetAtt': [ids.smsInbound, 'Arn'] },
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [ids.deadLetters, 'Arn'] } },
    });
  });

  it('gives each function the tables it uses and the dead letters’ URL', () => {
    // Prepare
    const Environment = z.object({ Environment: z.object({ Variables: z.record(z.string(), z.unknown()) }) });
    const variables = (id: string) =>
      Object.keys(Environment.parse(resource(template, id).Properties).Environment.Variables);

    // Assess
    expect(variables(ids.feedback)).toEqual(
      expect.arrayContaining([
        'CONTACTS_TABLE',
        'LEDGER_TABLE',
        'SES_CONFIGURATION_SET',
        'FEEDBACK_DEAD_LETTERS_QUEUE_URL',
      ]),
    );
    expect(variables(ids.smsInbound)).toEqual(
      expect.arrayContaining(['CONTACTS_TABLE', 'FEEDBACK_DEAD_LETTERS_QUEUE_URL']),
    );
    expect(variables(ids.smsInbound)).not.toContain('LEDGER_TABLE');
  });
});
