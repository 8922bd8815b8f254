// The local SES and SMS feedback: the events SES and End User Messaging would publish for what the
// stand-ins sent, in the format the feedback function parses, matching the rules CDK deploys.
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AttributeType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { CfnConfigurationSet } from 'aws-cdk-lib/aws-ses';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { ledgerTag } from '../../../functions/delivery/ledger.ts';
import {
  type FeedbackEffects,
  interpretInboundSms,
  interpretProviderEvent,
  SesEvent,
} from '../../../functions/delivery/provider-feedback.ts';
import { DeliveryFeedback } from '../../../lib/stateless/delivery-feedback.ts';
import { type BusEventEnvelope, EventBusService } from '../../../local/aws/eventbridge/bus.ts';
import { matchesPattern } from '../../../local/aws/eventbridge/event-pattern.ts';
import type { StoredEmail } from '../../../local/aws/ses.ts';
import type { SnsMessage } from '../../../local/aws/sns.ts';
import type { LocalRule } from '../../../local/aws/template.ts';
import {
  matchingEventType,
  publishedBySes,
  sesEngagementEvent,
  sesEventsFor,
  simulatorOutcome,
} from '../../../local/dev/ses-feedback.ts';
import { inboundSmsNotification, smsDeliveryEventsFor } from '../../../local/dev/sms-feedback.ts';

const CONFIGURATION_SET = 'relance-events';
const AT = Date.parse('2026-03-02T10:00:00.000Z');
const TAG = ledgerTag('welcome#contact:c-1#1#welcome-email#email');

function email(to: string, changes: Partial<StoredEmail> = {}): StoredEmail {
  return {
    messageId: 'local-message-1',
    from: 'Shop <hello@shop.test>',
    replyTo: [],
    destination: { to: [to], cc: [], bcc: [] },
    subject: 'Welcome',
    body: { text: 'Hello' },
    at: Math.floor(AT / 1000),
    tags: { journey: 'welcome', step: 'welcome-email', run: 'r', ledger: TAG },
    configurationSet: CONFIGURATION_SET,
    ...changes,
  };
}

function effectsOf(event: BusEventEnvelope): FeedbackEffects {
  const interpretation = interpretProviderEvent(event, { configurationSet: CONFIGURATION_SET });
  if (interpretation.kind !== 'effects')
    throw new Error(`expected effects: ${JSON.stringify(interpretation)}`);
  return interpretation.effects;
}

/** The rules the DeliveryFeedback construct deploys, with the configuration set's name resolved. */
function deployedRules(): LocalRule[] {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Feedback');
  const configurationSet = new CfnConfigurationSet(stack, 'ConfigurationSet', { name: CONFIGURATION_SET });
  const table = (id: string) =>
    new TableV2(stack, id, { partitionKey: { name: 'pk', type: AttributeType.STRING } });
  new DeliveryFeedback(stack, 'DeliveryFeedback', {
    configurationSet,
    contacts: table('Contacts'),
    ledger: table('Ledger'),
    deadLetters: new Queue(stack, 'DeadLetters'),
  });
  const configurationSetId = stack.getLogicalId(configurationSet);
  const rules = Template.fromStack(stack).findResources('AWS::Events::Rule');
  return Object.entries(rules).map(([logicalId, rule]) => {
    const pattern = JSON.parse(
      JSON.stringify(rule.Properties.EventPattern).replaceAll(
        JSON.stringify({ Ref: configurationSetId }),
        JSON.stringify(CONFIGURATION_SET),
      ),
    );
    expect(rule.Properties.EventBusName).toBeUndefined();
    return {
      logicalId,
      name: logicalId,
      busName: 'default',
      pattern,
      enabled: true,
      targets: [
        { id: 'feedback', arn: 'arn:aws:lambda:us-east-1:000000000000:function:feedback', maxRetries: 2 },
      ],
    };
  });
}

describe("SES events a configuration set's destination publishes", () => {
  it("names each event type as a destination's MatchingEventTypes do", () => {
    // Assess
    expect(
      ['Send', 'Delivery', 'Bounce', 'Complaint', 'Reject', 'Open', 'Click'].map(matchingEventType),
    ).toEqual(['SEND', 'DELIVERY', 'BOUNCE', 'COMPLAINT', 'REJECT', 'OPEN', 'CLICK']);
    expect(matchingEventType('DeliveryDelay')).toBe('DELIVERY_DELAY');
    expect(matchingEventType('Rendering Failure')).toBe('RENDERING_FAILURE');
  });

  it("keeps the events whose type a destination of their message's configuration set matches", () => {
    // Prepare: a complaint address gets Send, Delivery and Complaint.
    const events = sesEventsFor(email('complaint@simulator.amazonses.com'), { at: AT });
    const types = (kept: BusEventEnvelope[]) => kept.map((e) => e['detail-type']);

    // Assess
    expect(types(events)).toEqual(['Email Sent', 'Email Delivered', 'Email Complaint Received']);
    expect(
      types(
        publishedBySes(events, [{ configurationSet: CONFIGURATION_SET, eventTypes: ['COMPLAINT', 'SEND'] }]),
      ),
    ).toEqual(['Email Sent', 'Email Complaint Received']);
    expect(publishedBySes(events, [{ configurationSet: 'another-set', eventTypes: ['SEND'] }])).toEqual([]);
    expect(publishedBySes(events, [])).toEqual([]);
  });
});

describe('SES events for a sent e-mail', () => {
  it('publishes Email Sent then Email Delivered for an ordinary address, in the SES EventBridge format', () => {
    // Act
    const events = sesEventsFor(email('ada@example.com'), { at: AT });

    // Assess
    expect(events.map((e) => e['detail-type'])).toEqual(['Email Sent', 'Email Delivered']);
    for (const event of events) {
      expect(event.source).toBe('aws.ses');
      expect(SesEvent.safeParse(event).success).toBe(true);
    }
    const [sent, delivered] = events;
    expect(sent?.detail).toMatchObject({
      eventType: 'Send',
      mail: {
        messageId: 'local-message-1',
        destination: ['ada@example.com'],
        tags: { 'ses:configuration-set': [CONFIGURATION_SET], ledger: [TAG], journey: ['welcome'] },
      },
      send: {},
    });
    expect(delivered?.detail).toMatchObject({
      eventType: 'Delivery',
      delivery: { recipients: ['ada@example.com'] },
    });
  });

  it('turns the events into evidence for the ledger entry the tag names', () => {
    // Act
    const [sent, delivered] = sesEventsFor(email('ada@example.com'), { at: AT }).map(effectsOf);

    // Assess
    expect(sent?.ledgerEvidence).toEqual({
      tag: TAG,
      status: 'sent',
      providerMessageId: 'local-message-1',
      at: '2026-03-02T10:00:00.000Z',
    });
    expect(delivered?.ledgerEvidence?.status).toBe('delivered');
  });

  it.each(['bounce@simulator.amazonses.com', 'bounce+welcome@simulator.amazonses.com'])(
    'bounces %s permanently, without a delivery, which suppresses the address',
    (address) => {
      // Act
      const events = sesEventsFor(email(address), { at: AT });

      // Assess
      expect(events.map((e) => e['detail-type'])).toEqual(['Email Sent', 'Email Bounced']);
      const bounce = events[1];
      expect(bounce?.detail).toMatchObject({
        bounce: {
          bounceType: 'Permanent',
          bounceSubType: 'General',
          bouncedRecipients: [{ status: '5.1.1' }],
        },
      });
      expect(bounce && effectsOf(bounce).suppress).toMatchObject({ reason: 'bounce', addresses: [address] });
    },
  );

  it('bounces suppressionlist@ as an address on the suppression list', () => {
    // Act
    const events = sesEventsFor(email('suppressionlist@simulator.amazonses.com'), { at: AT });

    // Assess
    expect(events[1]?.detail).toMatchObject({
      bounce: { bounceType: 'Permanent', bounceSubType: 'Suppressed' },
    });
  });

  it('delivers complaint@ and then reports the complaint, which suppresses the address', () => {
    // Act
    const events = sesEventsFor(email('complaint@simulator.amazonses.com'), { at: AT });

    // Assess
    expect(events.map((e) => e['detail-type'])).toEqual([
      'Email Sent',
      'Email Delivered',
      'Email Complaint Received',
    ]);
    const complaint = events[2];
    expect(complaint && effectsOf(complaint).suppress).toMatchObject({
      reason: 'complaint',
      detail: 'abuse',
    });
  });

  it('publishes nothing for an e-mail sent without a configuration set, as SES does', () => {
    // Assess
    expect(sesEventsFor(email('ada@example.com', { configurationSet: undefined }), { at: AT })).toEqual([]);
  });

  it('builds opens and clicks on demand', () => {
    // Act
    const open = sesEngagementEvent(email('ada@example.com'), 'open', { at: AT + 60_000, sentAt: AT });
    const click = sesEngagementEvent(email('ada@example.com'), 'click', {
      at: AT + 120_000,
      sentAt: AT,
      link: 'https://shop.test/cart',
    });

    // Assess
    expect(open && effectsOf(open).ledgerEvidence?.status).toBe('opened');
    expect(click && effectsOf(click).ledgerEvidence?.status).toBe('clicked');
  });

  it('knows the simulator mailboxes, whatever the case and label', () => {
    // Assess
    expect(simulatorOutcome('Success@Simulator.AmazonSES.com')).toBe('delivered');
    expect(simulatorOutcome('ooto@simulator.amazonses.com')).toBe('delivered');
    expect(simulatorOutcome('BOUNCE+x@simulator.amazonses.com')).toBe('bounce');
    expect(simulatorOutcome('bounce@example.com')).toBe('delivered');
  });
});

describe('the deployed rules and the local default bus', () => {
  it('match every local SES event of relance’s configuration set and no other', () => {
    // Prepare
    const rules = deployedRules();
    const ours = sesEventsFor(email('complaint@simulator.amazonses.com'), { at: AT });
    const theirs = sesEventsFor(email('ada@example.com', { configurationSet: 'someone-else' }), { at: AT });

    // Assess
    for (const event of ours) expect(rules.some((rule) => matchesPattern(rule.pattern, event))).toBe(true);
    for (const event of theirs) expect(rules.some((rule) => matchesPattern(rule.pattern, event))).toBe(false);
  });

  it('are reached by a put on the default bus, which the local bus accepts without a template bus', async () => {
    // Prepare
    const delivered: unknown[] = [];
    const work: Array<Promise<void>> = [];
    const bus = new EventBusService({
      rules: deployedRules(),
      buses: [],
      now: () => AT,
      deliver: async (_target, input) => {
        delivered.push(input);
      },
      deadLetter: async () => undefined,
      background: (job) => {
        work.push(job());
      },
    });
    const [sent] = sesEventsFor(email('ada@example.com'), { at: AT });
    if (!sent) throw new Error('no event');

    // Act
    bus.put({
      busName: 'default',
      source: sent.source,
      detailType: sent['detail-type'],
      detail: sent.detail,
      time: sent.time,
    });
    await Promise.all(work);

    // Assess
    expect(delivered).toHaveLength(1);
    expect(bus.unmatched).toHaveLength(0);
  });
});

describe('SMS feedback', () => {
  function published(phoneNumber: string, status: SnsMessage['status'] = 'SUCCESS'): SnsMessage {
    return {
      messageId: 'sns-1',
      at: new Date(AT).toISOString(),
      phoneNumber,
      message: 'Your order shipped',
      attributes: { 'AWS.SNS.SMS.SMSType': 'Transactional', 'relance.ledger': TAG },
      status,
    };
  }

  it('reports the simulator failure number as invalid, which suppresses it for SMS', () => {
    // Act
    const [event] = smsDeliveryEventsFor(published('+14254147167'), { at: AT });

    // Assess
    expect(event?.detail).toMatchObject({
      eventType: 'TEXT_INVALID',
      destinationPhoneNumber: '+14254147167',
    });
    expect(event && effectsOf(event).suppress).toMatchObject({ channel: 'sms', reason: 'invalid_number' });
  });

  it('delivers other numbers (nothing to record without a send context), and reports nothing for a dropped message', () => {
    // Act
    const [delivered] = smsDeliveryEventsFor(published('+14254147755'), { at: AT });
    const dropped = smsDeliveryEventsFor(published('+14255550182', 'FAILURE'), { at: AT });

    // Assess
    expect(delivered?.detail.eventType).toBe('TEXT_DELIVERED');
    expect(delivered && interpretProviderEvent(delivered).kind).toBe('ignored');
    expect(dropped).toEqual([]);
  });

  it('builds the SNS notification of an incoming STOP', () => {
    // Act
    const notification = inboundSmsNotification({ from: '+14255550182', body: 'STOP', at: AT });

    // Assess
    const record = notification.Records[0];
    expect(record?.EventSource).toBe('aws:sns');
    const interpretation = interpretInboundSms(
      JSON.parse(record?.Sns.Message ?? '{}'),
      record?.Sns.Timestamp ?? '',
    );
    expect(interpretation).toMatchObject({
      kind: 'effects',
      effects: { consent: { address: '+14255550182', status: 'opted_out', keyword: 'STOP' } },
    });
  });
});
