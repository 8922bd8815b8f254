import { Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnConfigurationSet, CfnOptOutList, CfnPhoneNumber } from 'aws-cdk-lib/aws-smsvoice';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { JourneyDefinition } from '#language/types.ts';
import { ENV } from '#platform/env-names.ts';
import type { PhoneSendingSettings } from '../../functions/delivery/phone-sending.ts';
import type { RelanceConfig } from '../config.ts';
import type { StageNames } from '../stage.ts';
import type { RelanceFunction } from './relance-function.ts';

/** Whether any step of these journeys places a call. */
export function journeysPlaceCalls(journeys: readonly JourneyDefinition[]): boolean {
  return journeys.some((journey) =>
    Object.values(journey.steps).some(
      (step) => (step.type === 'send' || step.type === 'broadcast') && step.channel === 'voice',
    ),
  );
}

/**
 * Whether the deployment needs End User Messaging at all: a journey places calls, or SMS go
 * through it. Otherwise nothing is leased (a number costs a monthly fee).
 */
export function needsPhoneMessaging(
  journeys: readonly JourneyDefinition[],
  config: Pick<RelanceConfig, 'phoneMessaging'>,
): boolean {
  return config.phoneMessaging.smsProvider === 'end-user-messaging' || journeysPlaceCalls(journeys);
}

export interface PhoneMessagingProps {
  readonly config: Pick<RelanceConfig, 'phoneMessaging' | 'brand'>;
  readonly names: StageNames;
}

/** The event types the configuration set sends to its destination: every SMS and call status. */
const RECEIPT_EVENT_TYPES = ['TEXT_ALL', 'VOICE_ALL'];

/**
 * SMS and calls through AWS End User Messaging SMS and Voice v2: the origination identity (a phone
 * number leased here, with its own opt-out list, or one passed in by ARN), the configuration set
 * every send names, and its event destination, a topic the delivery feedback function reads, so
 * every receipt (delivered, failed, opted out, answered, no answer) settles its ledger entry. The
 * send grants name the identity and the configuration set only.
 */
export class PhoneMessaging extends Construct {
  /** The origination identity's ARN (phone number or pool). */
  readonly originationArn: string;
  readonly configurationSet: CfnConfigurationSet;
  /** The configuration set's event destination: every SMS and call receipt. */
  readonly receipts: Topic;
  /** The number leased here (none when an identity is passed in). */
  readonly phoneNumber?: CfnPhoneNumber;
  readonly optOutList?: CfnOptOutList;
  /** What the sending functions read (PHONE_SENDING). */
  readonly settings: PhoneSendingSettings;

  constructor(scope: Construct, id: string, props: PhoneMessagingProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { phoneMessaging, brand } = props.config;
    const origination = phoneMessaging.origination;

    this.receipts = new Topic(this, 'Receipts', {
      displayName: 'relance SMS and call receipts (End User Messaging event destination)',
      enforceSSL: true,
    });
    this.receipts.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('sms-voice.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.receipts.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    this.configurationSet = new CfnConfigurationSet(this, 'ConfigurationSet', {
      configurationSetName: props.names.name('phone'),
      eventDestinations: [
        {
          eventDestinationName: 'receipts-to-ledger',
          enabled: true,
          matchingEventTypes: RECEIPT_EVENT_TYPES,
          snsDestination: { topicArn: this.receipts.topicArn },
        },
      ],
    });

    if (origination.type === 'existing') {
      this.originationArn = origination.arn;
    } else {
      this.optOutList = new CfnOptOutList(this, 'OptOutList', {
        optOutListName: props.names.name('opt-outs'),
      });
      const sms = phoneMessaging.smsProvider === 'end-user-messaging';
      this.phoneNumber = new CfnPhoneNumber(this, 'PhoneNumber', {
        isoCountryCode: origination.isoCountryCode,
        numberType: origination.numberType,
        numberCapabilities: sms ? ['SMS', 'VOICE'] : ['VOICE'],
        optOutListName: this.optOutList.ref,
        // What the number answers to HELP and STOP (both required of every number).
        mandatoryKeywords: {
          help: { message: `${brand.name}: help at ${brand.supportEmail}. Reply STOP to opt out.` },
          stop: { message: `${brand.name}: you will receive no more messages. Reply START to opt back in.` },
        },
      });
      this.originationArn = this.phoneNumber.attrArn;
    }

    this.settings = {
      smsProvider: phoneMessaging.smsProvider,
      originationIdentity: this.originationArn,
      configurationSet: this.configurationSet.ref,
      ...(phoneMessaging.maxPricePerSms ? { maxPricePerSms: phoneMessaging.maxPricePerSms } : {}),
      ...(phoneMessaging.maxPricePerMinute ? { maxPricePerMinute: phoneMessaging.maxPricePerMinute } : {}),
    };
  }

  /**
   * Lets a function send through End User Messaging: calls when `voice`, SMS when the deployment's
   * SMS provider is End User Messaging (else SNS Publish, as before), from the origination
   * identity through the configuration set only.
   */
  grantSending(fn: RelanceFunction, channels: { readonly voice: boolean }): void {
    const actions = [
      ...(this.settings.smsProvider === 'end-user-messaging' ? ['sms-voice:SendTextMessage'] : []),
      ...(channels.voice ? ['sms-voice:SendVoiceMessage'] : []),
    ];
    if (this.settings.smsProvider === 'sns') fn.allowSendingSms();
    fn.addEnvironment(ENV.phoneSending, Stack.of(this).toJsonString(this.settings));
    if (actions.length === 0) return;
    const configurationSetArn = Stack.of(this).formatArn({
      service: 'sms-voice',
      resource: 'configuration-set',
      resourceName: this.configurationSet.ref,
    });
    fn.addToRolePolicy(
      new PolicyStatement({ actions, resources: [this.originationArn, configurationSetArn] }),
    );
  }

  /** Incoming SMS to the leased number go to the two-way channel (the inbound SMS topic). */
  routeIncomingSms(topicArn: string): void {
    if (!this.phoneNumber || this.settings.smsProvider !== 'end-user-messaging') return;
    this.phoneNumber.twoWay = { enabled: true, channelArn: topicArn };
  }
}
