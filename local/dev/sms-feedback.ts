/**
 * SMS feedback, locally: the End User Messaging delivery events for a published SMS, and the SNS
 * notification two-way SMS delivers for an incoming message (so a local endpoint can simulate a
 * recipient replying "STOP").
 *
 * Delivery events follow End User Messaging's simulator: its documented failure destination numbers
 * fail (the event type it emits is not documented; `TEXT_INVALID`, the invalid-number event, is used
 * here), every other accepted message is delivered. A message the SNS stand-in dropped because the
 * number opted out produces no event: that refusal happens before any carrier is involved. The
 * events carry no `context`: SNS Publish has none to give, so, as in AWS, an SMS event can suppress a
 * number but not settle a ledger entry.
 */
import { randomUUID } from 'node:crypto';
import type { SNSEvent } from 'aws-lambda';
import { SMS_DELIVERY_DETAIL_TYPE } from '../../functions/delivery/provider-feedback.ts';
import type { BusEventEnvelope } from '../aws/eventbridge/bus.ts';
import type { SnsMessage } from '../aws/sns.ts';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../aws/template.ts';

/** End User Messaging's destination simulator numbers that produce a failure event (a few countries). */
export const SMS_SIMULATOR_FAILURE_NUMBERS: ReadonlySet<string> = new Set([
  '+14254147167', // United States
  '+33755512502', // France
  '+61455944039', // Australia
]);

export interface SmsFeedbackOptions {
  /** When the message was accepted (ms, journey time); the event follows it by a second. */
  readonly at: number;
  readonly account?: string;
  readonly region?: string;
  /** The origination number messages appear to come from. */
  readonly originationNumber?: string;
}

const iso = (ms: number) => new Date(ms).toISOString();
const LOCAL_NUMBER = '+12065550100';

/** The delivery events End User Messaging would publish for a message in the SNS stand-in's outbox. */
export function smsDeliveryEventsFor(message: SnsMessage, options: SmsFeedbackOptions): BusEventEnvelope[] {
  if (!message.phoneNumber || message.status === 'FAILURE') return [];
  const failed = SMS_SIMULATOR_FAILURE_NUMBERS.has(message.phoneNumber);
  const at = options.at + 1000;
  const type = message.attributes['AWS.SNS.SMS.SMSType'] === 'Promotional' ? 'PROMOTIONAL' : 'TRANSACTIONAL';
  return [
    {
      version: '0',
      id: randomUUID(),
      'detail-type': SMS_DELIVERY_DETAIL_TYPE,
      source: 'aws.sms-voice',
      account: options.account ?? LOCAL_ACCOUNT,
      time: iso(at).replace(/\.\d{3}Z$/, 'Z'),
      region: options.region ?? LOCAL_REGION,
      resources: [],
      detail: {
        eventType: failed ? 'TEXT_INVALID' : 'TEXT_DELIVERED',
        eventVersion: '1.0',
        eventTimestamp: at,
        isFinal: true,
        originationPhoneNumber: options.originationNumber ?? LOCAL_NUMBER,
        destinationPhoneNumber: message.phoneNumber,
        isInternationalSend: false,
        messageId: message.messageId,
        messageRequestTimestamp: options.at,
        messageEncoding: 'GSM',
        messageType: type,
        messageStatus: failed ? 'INVALID' : 'DELIVERED',
        messageStatusDescription: failed
          ? 'The destination phone number is not valid'
          : 'Message has been accepted by phone',
        totalMessageParts: 1,
      },
    },
  ];
}

export interface InboundSmsInput {
  /** The customer's number (E.164). */
  readonly from: string;
  readonly body: string;
  /** relance's number the customer replied to. */
  readonly to?: string;
  /** When SNS received it (ms). */
  readonly at: number;
  readonly topicArn?: string;
}

/** The Lambda event of the inbound-SMS topic's subscription for one incoming SMS. */
export function inboundSmsNotification(input: InboundSmsInput): SNSEvent {
  const topicArn = input.topicArn ?? `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:relance-inbound-sms`;
  const message = {
    originationNumber: input.from,
    destinationNumber: input.to ?? LOCAL_NUMBER,
    messageKeyword: `KEYWORD_${LOCAL_ACCOUNT}`, // the default keyword End User Messaging reports
    messageBody: input.body,
    inboundMessageId: randomUUID(),
    previousPublishedMessageId: randomUUID(),
  };
  return snsNotification({ topicArn, message: JSON.stringify(message), at: input.at });
}

/** The Lambda event SNS gives a topic's Lambda subscriber for one published message. */
export function snsNotification(input: { topicArn: string; message: string; at: number }): SNSEvent {
  const { topicArn } = input;
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${topicArn}:${randomUUID()}`,
        Sns: {
          Type: 'Notification',
          MessageId: randomUUID(),
          TopicArn: topicArn,
          Message: input.message,
          Timestamp: iso(input.at),
          SignatureVersion: '1',
          Signature: 'local',
          SigningCertUrl: `https://sns.${LOCAL_REGION}.amazonaws.com/local.pem`,
          UnsubscribeUrl: `https://sns.${LOCAL_REGION}.amazonaws.com/?Action=Unsubscribe`,
          MessageAttributes: {},
        },
      },
    ],
  };
}
