import { Duration, Stack } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Tracing } from 'aws-cdk-lib/aws-lambda';
import { type CfnConfigurationSet, CfnConfigurationSetEventDestination } from 'aws-cdk-lib/aws-ses';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '#platform/env-names.ts';
import { FEEDBACK_ENV } from '#platform/feedback-env-names.ts';
import {
  SES_CONFIGURATION_SET_TAG,
  SES_DETAIL_TYPES,
  SMS_DELIVERY_DETAIL_TYPE,
} from '../../functions/delivery/provider-feedback.ts';
import { RelanceFunction, SendOnlyQueueDestination } from './relance-function.ts';

export interface DeliveryFeedbackProps {
  /** The configuration set journeys send e-mail through; its events come back here. */
  readonly configurationSet: CfnConfigurationSet;
  readonly contacts: ITableV2;
  readonly ledger: ITableV2;
  /** Where events go that fail validation, or that still fail after the retries. */
  readonly deadLetters: Queue;
  /** The End User Messaging configuration set's event destination (SMS and call receipts), where there is one. */
  readonly phoneReceipts?: Topic;
}

/** The SES event types published: everything the ledger and suppression use. */
const SES_EVENT_TYPES = ['SEND', 'DELIVERY', 'BOUNCE', 'COMPLAINT', 'OPEN', 'CLICK', 'REJECT'];

/**
 * Provider feedback: SES publishes the configuration set's events to the account's default bus (the
 * only bus SES supports), a rule there sends relance's e-mail events and End User Messaging SMS
 * delivery events to the feedback function, which records them on the ledger entry and suppresses
 * bounced, complained and invalid addresses. Incoming SMS (two-way SMS) arrive on a topic whose
 * function turns STOP / START keywords into SMS consent. Point the phone number's two-way channel at
 * `inboundSmsTopicArn`.
 */
export class DeliveryFeedback extends Construct {
  readonly feedbackFunction: RelanceFunction;
  readonly smsInboundFunction: RelanceFunction;
  readonly inboundSmsTopic: Topic;
  /** The two-way SMS channel of relance's numbers: End User Messaging publishes incoming SMS here. */
  readonly inboundSmsTopicArn: string;

  constructor(scope: Construct, id: string, props: DeliveryFeedbackProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { configurationSet, deadLetters } = props;
    const deadLettersEnvironment = { [FEEDBACK_ENV.deadLettersQueueUrl]: deadLetters.queueUrl };

    const defaultBusArn = stack.formatArn({
      service: 'events',
      resource: 'event-bus',
      resourceName: 'default',
    });
    new CfnConfigurationSetEventDestination(this, 'SesEventsToEventBridge', {
      configurationSetName: configurationSet.ref,
      eventDestination: {
        enabled: true,
        matchingEventTypes: SES_EVENT_TYPES,
        eventBridgeDestination: { eventBusArn: defaultBusArn },
      },
    });

    this.feedbackFunction = new RelanceFunction(this, 'DeliveryFeedback', {
      entry: 'functions/delivery/feedback-handler.ts',
      description:
        'Records SES and SMS delivery events on the ledger entry; suppresses bounced, complained and invalid addresses',
      environment: { ...deadLettersEnvironment, [ENV.sesConfigurationSet]: configurationSet.ref },
      // The providers' events never carry a trace header, so with active tracing each sampled one
      // began a trace of its own: two or more a message, the most relance began, each showing one
      // ledger update. Errors, durations and dead letters stay in the function's logs and metrics.
      tracing: Tracing.PASS_THROUGH,
    })
      .useTable(props.contacts, ENV.contactsTable, ['GetItem', 'PutItem'])
      .useTable(props.ledger, ENV.ledgerTable, ['GetItem', 'UpdateItem'])
      .allowSendingTo(deadLetters);
    this.feedbackFunction.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SendOnlyQueueDestination(deadLetters),
    });
    const target = new LambdaFunction(this.feedbackFunction, {
      deadLetterQueue: deadLetters,
      retryAttempts: 185,
      maxEventAge: Duration.hours(24),
    });
    // Rules without an event bus are on the default bus, where SES and End User Messaging publish.
    new Rule(this, 'SesEvents', {
      description: "SES events of relance's configuration set",
      eventPattern: {
        source: ['aws.ses'],
        detailType: Object.values(SES_DETAIL_TYPES),
        detail: { mail: { tags: { [SES_CONFIGURATION_SET_TAG]: [configurationSet.ref] } } },
      },
      targets: [target],
    });
    new Rule(this, 'SmsEvents', {
      description: 'End User Messaging SMS delivery events',
      eventPattern: { source: ['aws.sms-voice'], detailType: [SMS_DELIVERY_DETAIL_TYPE] },
      targets: [target],
    });

    // Receipts of End User Messaging SMS and calls, from the configuration set's event destination.
    props.phoneReceipts?.addSubscription(
      new LambdaSubscription(this.feedbackFunction, { deadLetterQueue: deadLetters }),
    );

    this.inboundSmsTopic = new Topic(this, 'InboundSms', {
      displayName: 'relance incoming SMS (two-way SMS)',
      enforceSSL: true,
    });
    this.inboundSmsTopicArn = this.inboundSmsTopic.topicArn;
    // End User Messaging publishes incoming messages of this account's numbers.
    this.inboundSmsTopic.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('sms-voice.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.inboundSmsTopic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    this.smsInboundFunction = new RelanceFunction(this, 'SmsInbound', {
      entry: 'functions/delivery/sms-inbound-handler.ts',
      description:
        'Incoming SMS: STOP and the other opt-out keywords opt the number out of SMS, START back in',
      environment: deadLettersEnvironment,
    })
      .useTable(props.contacts, ENV.contactsTable, ['GetItem', 'PutItem'])
      .allowSendingTo(deadLetters);
    this.smsInboundFunction.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SendOnlyQueueDestination(deadLetters),
    });
    this.inboundSmsTopic.addSubscription(
      new LambdaSubscription(this.smsInboundFunction, { deadLetterQueue: deadLetters }),
    );
  }
}
