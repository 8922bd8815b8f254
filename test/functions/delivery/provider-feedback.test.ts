// Provider feedback: each SES, SMS and incoming-SMS event becomes the right effects, and the effects
// change a contact and a ledger entry only when they should.
import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../../functions/delivery/ledger.ts';
import { ledgerTag, MAX_DELIVERY_EVENTS } from '../../../functions/delivery/ledger.ts';
import {
  applySmsConsent,
  type ConsentEffect,
  deliveryEventText,
  type FeedbackEffects,
  type FeedbackInterpretation,
  interpretInboundSms,
  interpretProviderEvent,
  type LedgerEvidence,
  ledgerChange,
  phoneEventFromDestination,
  smsKeyword,
} from '../../../functions/delivery/provider-feedback.ts';
import { applySuppression, type SuppressEffect } from '../../../functions/delivery/suppression.ts';
import { contactWith, NOW } from '../fixtures.ts';

const CONFIGURATION_SET = 'relance-events';
const LEDGER_KEY = 'welcome#contact:c-42#1#welcome-email#email';
const TAG = ledgerTag(LEDGER_KEY);
const MESSAGE_ID = '0100018f-5b2a-4d0c-9d1e-2a3b4c5d6e7f-000000';
const SENT_AT = '2024-05-01T12:00:00.000Z';

const relanceTags = {
  'ses:configuration-set': [CONFIGURATION_SET],
  'ses:from-domain': ['shop.test'],
  journey: ['welcome'],
  step: ['welcome-email'],
  run: [ledgerTag('welcome#contact:c-42')],
  ledger: [TAG],
};

/** An SES event as EventBridge delivers it from the default bus (SES event-publishing record as detail). */
function sesEvent(
  eventType: string,
  detailType: string,
  body: Record<string, unknown> = {},
  tags: Record<string, string[]> = relanceTags,
) {
  return {
    version: '0',
    id: 'a7c0e2b4-1111-2222-3333-444455556666',
    'detail-type': detailType,
    source: 'aws.ses',
    account: '123456789012',
    time: '2024-05-01T12:00:02Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      eventType,
      mail: {
        timestamp: SENT_AT,
        source: 'Shop <hello@shop.test>',
        sendingAccountId: '123456789012',
        messageId: MESSAGE_ID,
        destination: ['Ada@Example.com'],
        headersTruncated: false,
        tags,
      },
      ...body,
    },
  };
}

const permanentBounce = {
  bounce: {
    bounceType: 'Permanent',
    bounceSubType: 'General',
    bouncedRecipients: [
      {
        emailAddress: 'Ada@Example.com',
        action: 'failed',
        status: '5.1.1',
        diagnosticCode: 'smtp; 550 5.1.1 user unknown',
      },
    ],
    timestamp: '2024-05-01T12:00:02.669Z',
    feedbackId: '0100018f-feedback-000000',
    reportingMTA: 'dsn; mta.example.com',
  },
};

const complaint = {
  complaint: {
    complainedRecipients: [{ emailAddress: 'ada@example.com' }],
    timestamp: '2024-05-01T13:00:00.000Z',
    feedbackId: '0100018f-complaint-000000',
    userAgent: 'Mail Client',
    complaintFeedbackType: 'abuse',
    arrivalDate: '2024-05-01T12:00:03.000Z',
  },
};

function effectsOf(interpretation: FeedbackInterpretation): FeedbackEffects {
  if (interpretation.kind !== 'effects') throw new Error(`expected effects, got ${interpretation.kind}`);
  return interpretation.effects;
}

function interpret(event: unknown): FeedbackInterpretation {
  return interpretProviderEvent(event, { configurationSet: CONFIGURATION_SET });
}

describe('SES events', () => {
  it('turns Email Sent into evidence that the message left, with the SES message id', () => {
    // Act
    const effects = effectsOf(interpret(sesEvent('Send', 'Email Sent', { send: {} })));

    // Assess
    expect(effects).toEqual({
      ledgerEvidence: { tag: TAG, status: 'sent', providerMessageId: MESSAGE_ID, at: SENT_AT },
    });
  });

  it('records a delivery at the time SES delivered it', () => {
    // Prepare
    const delivery = { delivery: { timestamp: '2024-05-01T12:00:01.500Z', recipients: ['ada@example.com'] } };

    // Act
    const effects = effectsOf(interpret(sesEvent('Delivery', 'Email Delivered', delivery)));

    // Assess
    expect(effects.ledgerEvidence).toMatchObject({ status: 'delivered', at: '2024-05-01T12:00:01.500Z' });
    expect(effects.suppress).toBeUndefined();
  });

  it('suppresses the bounced address (lower-cased) on a permanent bounce and records the bounce', () => {
    // Act
    const effects = effectsOf(interpret(sesEvent('Bounce', 'Email Bounced', permanentBounce)));

    // Assess
    expect(effects.suppress).toEqual({
      channel: 'email',
      addresses: ['ada@example.com'],
      reason: 'bounce',
      at: '2024-05-01T12:00:02.669Z',
      detail: 'Permanent/General 5.1.1',
    });
    expect(effects.ledgerEvidence).toMatchObject({ status: 'bounced', detail: 'Permanent/General' });
  });

  it('records a transient bounce without suppressing the address', () => {
    // Prepare
    const transient = {
      bounce: { ...permanentBounce.bounce, bounceType: 'Transient', bounceSubType: 'MailboxFull' },
    };

    // Act
    const effects = effectsOf(interpret(sesEvent('Bounce', 'Email Bounced', transient)));

    // Assess
    expect(effects.suppress).toBeUndefined();
    expect(effects.ledgerEvidence).toMatchObject({ status: 'bounced', detail: 'Transient/MailboxFull' });
  });

  it('suppresses the address of a complaint and records it', () => {
    // Act
    const effects = effectsOf(interpret(sesEvent('Complaint', 'Email Complaint Received', complaint)));

    // Assess
    expect(effects.suppress).toMatchObject({
      channel: 'email',
      addresses: ['ada@example.com'],
      reason: 'complaint',
      detail: 'abuse',
    });
    expect(effects.ledgerEvidence).toMatchObject({ status: 'complained', at: '2024-05-01T13:00:00.000Z' });
  });

  it.each([
    [
      'Open',
      'Email Opened',
      { open: { timestamp: '2024-05-02T08:00:00Z', ipAddress: '192.0.2.1' } },
      'opened',
    ],
    [
      'Click',
      'Email Clicked',
      { click: { timestamp: '2024-05-02T08:01:00Z', link: 'https://shop.test/cart' } },
      'clicked',
    ],
    ['Reject', 'Email Rejected', { reject: { reason: 'Bad content' } }, 'rejected'],
  ])('records %s as %s evidence', (eventType, detailType, body, status) => {
    // Act
    const effects = effectsOf(interpret(sesEvent(eventType, detailType, body)));

    // Assess
    expect(effects.ledgerEvidence?.status).toBe(status);
    expect(effects.suppress).toBeUndefined();
  });

  it.each([
    ['Open', 'Email Opened', { open: { timestamp: '2024-05-02T08:00:00Z' } }, 'opened'],
    [
      'Click',
      'Email Clicked',
      { click: { timestamp: '2024-05-02T08:01:00Z', link: 'https://shop.test/' } },
      'clicked',
    ],
  ])('counts a %s as engagement of the recipient, for segments', (eventType, detailType, body, kind) => {
    // Act
    const effects = effectsOf(interpret(sesEvent(eventType, detailType, body)));

    // Assess
    expect(effects.engagement).toMatchObject({ addresses: ['ada@example.com'], kind });
  });

  it('counts no engagement for a delivery', () => {
    // Act
    const effects = effectsOf(
      interpret(
        sesEvent('Delivery', 'Email Delivered', { delivery: { timestamp: SENT_AT, recipients: [] } }),
      ),
    );

    // Assess
    expect(effects.engagement).toBeUndefined();
  });

  it('ignores a delivery without relance tags, but still suppresses an address that bounced permanently', () => {
    // Prepare
    const untagged = { 'ses:configuration-set': [CONFIGURATION_SET] };
    const delivery = { delivery: { timestamp: SENT_AT, recipients: [] } };

    // Act
    const delivered = interpret(sesEvent('Delivery', 'Email Delivered', delivery, untagged));
    const bounced = effectsOf(interpret(sesEvent('Bounce', 'Email Bounced', permanentBounce, untagged)));

    // Assess
    expect(delivered).toEqual({ kind: 'ignored', reason: 'no relance ledger tag' });
    expect(bounced.suppress?.reason).toBe('bounce');
    expect(bounced.ledgerEvidence).toBeUndefined();
  });

  it('ignores a tag that is not a relance ledger digest', () => {
    // Act
    const result = interpret(
      sesEvent('Send', 'Email Sent', {}, { ...relanceTags, ledger: ['not#a#digest'] }),
    );

    // Assess
    expect(result.kind).toBe('ignored');
  });

  it('ignores messages of another configuration set, and event types relance does not track', () => {
    // Act
    const other = interpret(
      sesEvent('Send', 'Email Sent', {}, { ...relanceTags, 'ses:configuration-set': ['someone-else'] }),
    );
    const delayed = interpret(sesEvent('DeliveryDelay', 'Email Delivery Delayed', {}));
    const account = interpret({ source: 'aws.ses', 'detail-type': 'Sending Status Disabled', detail: {} });

    // Assess
    expect(other).toEqual({ kind: 'ignored', reason: 'sent through another configuration set' });
    expect(delayed.kind).toBe('ignored');
    expect(account.kind).toBe('ignored');
  });

  it('reports a malformed event with the failing fields and no address', () => {
    // Prepare
    const broken = sesEvent('Bounce', 'Email Bounced', {
      bounce: { ...permanentBounce.bounce, bouncedRecipients: [] },
    });

    // Act
    const result = interpret(broken);

    // Assess
    expect(result.kind).toBe('malformed');
    if (result.kind !== 'malformed') return;
    expect(result.issues.some((issue) => issue.startsWith('detail.bounce.bouncedRecipients'))).toBe(true);
    expect(result.issues.join(' ')).not.toContain('example.com');
  });

  it('refuses something that is not an EventBridge event, and ignores other sources', () => {
    // Assess
    expect(interpret('hello').kind).toBe('malformed');
    expect(interpret({ source: 'shop.test', 'detail-type': 'order.completed', detail: {} }).kind).toBe(
      'ignored',
    );
  });
});

describe('SMS delivery events', () => {
  function smsEvent(eventType: string, context?: Record<string, string>) {
    return {
      version: '0',
      id: '5c0fa4f8-e4ba-ed02-6101-c795472fccd0',
      'detail-type': 'Text Message Delivery Status Updated',
      source: 'aws.sms-voice',
      account: '123456789012',
      time: '2024-05-01T12:00:03Z',
      region: 'us-east-1',
      resources: [],
      detail: {
        eventType,
        eventVersion: '1.0',
        eventTimestamp: Date.parse('2024-05-01T12:00:02.500Z'),
        isFinal: true,
        originationPhoneNumber: '+12065550152',
        destinationPhoneNumber: '+14255550156',
        messageId: '862a8790-60c0-4430-9b2b-658bdexample',
        messageStatus: eventType.replace('TEXT_', ''),
        ...(context ? { context } : {}),
      },
    };
  }

  it('suppresses an invalid number for SMS', () => {
    // Act
    const effects = effectsOf(interpret(smsEvent('TEXT_INVALID')));

    // Assess
    expect(effects.suppress).toEqual({
      channel: 'sms',
      addresses: ['+14255550156'],
      reason: 'invalid_number',
      at: '2024-05-01T12:00:02.500Z',
      detail: 'TEXT_INVALID',
    });
  });

  it('records a blocked message on its entry without suppressing the number', () => {
    // Act
    const effects = effectsOf(interpret(smsEvent('TEXT_BLOCKED', { ledger: TAG })));

    // Assess
    expect(effects.suppress).toBeUndefined();
    expect(effects.ledgerEvidence).toMatchObject({ status: 'undelivered', detail: 'TEXT_BLOCKED' });
  });

  it('records a delivery when the send carried relance context, and ignores it otherwise', () => {
    // Act
    const tagged = effectsOf(interpret(smsEvent('TEXT_DELIVERED', { ledger: TAG })));
    const untagged = interpret(smsEvent('TEXT_SUCCESSFUL'));

    // Assess
    expect(tagged.ledgerEvidence).toMatchObject({ tag: TAG, status: 'delivered' });
    expect(untagged.kind).toBe('ignored');
  });
});

describe('call delivery events', () => {
  const tag = ledgerTag('contact-1#appointment#run-1#0#confirmation-call');
  const callEvent = (eventType: string) => ({
    source: 'aws.sms-voice',
    'detail-type': 'Voice Message Delivery Status Updated',
    time: '2026-03-02T10:00:05Z',
    detail: {
      eventType,
      eventTimestamp: Date.parse('2026-03-02T10:00:04Z'),
      destinationPhoneNumber: '+33612345678',
      messageId: 'call-1',
      isFinal: true,
      context: { ledger: tag },
    },
  });

  it.each([
    ['VOICE_COMPLETED', 'delivered'],
    ['VOICE_ANSWERED', 'delivered'],
    ['VOICE_RINGING', 'sent'],
    ['VOICE_INITIATED', 'sent'],
    ['VOICE_BUSY', 'undelivered'],
    ['VOICE_NO_ANSWER', 'undelivered'],
    ['VOICE_FAILED', 'undelivered'],
    ['VOICE_TTL_EXPIRED', 'undelivered'],
  ])("reads %s as %s on the call's ledger entry, suppressing nothing", (eventType, status) => {
    const interpretation = interpretProviderEvent(callEvent(eventType));

    expect(interpretation).toMatchObject({
      kind: 'effects',
      eventType,
      effects: { ledgerEvidence: { tag, status, providerMessageId: 'call-1' } },
    });
    if (interpretation.kind === 'effects') expect(interpretation.effects.suppress).toBeUndefined();
  });

  it("reads the same record from the configuration set's SNS destination", () => {
    const { detail } = callEvent('VOICE_NO_ANSWER');
    expect(
      interpretProviderEvent(phoneEventFromDestination(JSON.stringify(detail), '2026-03-02T10:00:06Z')),
    ).toEqual(interpretProviderEvent(callEvent('VOICE_NO_ANSWER')));
  });
});

describe('smsKeyword', () => {
  it.each([
    ['STOP', 'STOP'],
    ['stop', 'STOP'],
    ['  Stop \n', 'STOP'],
    ['Stop.', 'STOP'],
    ['STOP please', 'STOP'],
    ['stopall', 'STOPALL'],
    ['Unsubscribe', 'UNSUBSCRIBE'],
    ['cancel', 'CANCEL'],
    ['End', 'END'],
    ['quit!', 'QUIT'],
    ['Arrêt', 'ARRET'],
    ['opt-out', 'OPT-OUT'],
    ['OPTOUT', 'OPTOUT'],
    ['remove', 'REMOVE'],
    ['td', 'TD'],
  ])('reads %j as the opt-out keyword %s', (body, keyword) => {
    // Assess
    expect(smsKeyword(body)).toEqual({ kind: 'opt_out', keyword });
  });

  it.each([
    ['START', 'START'],
    [' start ', 'START'],
    ['Unstop', 'UNSTOP'],
  ])('reads %j as the opt-in keyword %s', (body, keyword) => {
    // Assess
    expect(smsKeyword(body)).toEqual({ kind: 'opt_in', keyword });
  });

  it.each(['', '   ', 'Thanks!', 'please stop', 'stopping by later', 'unstoppable'])(
    'finds no keyword in %j',
    (body) => {
      // Assess
      expect(smsKeyword(body)).toBeUndefined();
    },
  );
});

describe('incoming SMS', () => {
  const AT = '2024-05-01T18:30:00.000Z';
  const inbound = (messageBody: string, originationNumber = '+14255550182') => ({
    originationNumber,
    destinationNumber: '+12125550101',
    messageKeyword: 'KEYWORD_123456789012',
    messageBody,
    inboundMessageId: 'cae173d2-66b9-564c-8309-21f858e9fb84',
    previousPublishedMessageId: 'wJalrXUtnFEMI',
  });

  it('opts the number out of SMS on STOP, with the message as proof', () => {
    // Act
    const effects = effectsOf(interpretInboundSms(inbound(' Stop '), AT));

    // Assess
    expect(effects.consent).toEqual({
      channel: 'sms',
      address: '+14255550182',
      status: 'opted_out',
      keyword: 'STOP',
      at: AT,
      reference: 'cae173d2-66b9-564c-8309-21f858e9fb84',
    });
  });

  it('opts the number back in on START', () => {
    // Act
    const effects = effectsOf(interpretInboundSms(inbound('START'), AT));

    // Assess
    expect(effects.consent).toMatchObject({ status: 'opted_in', keyword: 'START' });
  });

  it('ignores other replies and refuses a payload without a valid number', () => {
    // Assess
    expect(interpretInboundSms(inbound('See you tomorrow'), AT).kind).toBe('ignored');
    expect(interpretInboundSms(inbound('STOP', '4255550182'), AT).kind).toBe('malformed');
  });
});

describe('applySuppression', () => {
  const bounce: SuppressEffect = {
    channel: 'email',
    addresses: ['ada@example.com'],
    reason: 'bounce',
    at: '2024-05-01T12:00:02.669Z',
    detail: 'Permanent/General 5.1.1',
  };

  it('suppresses the address the contact still has, whatever its case', () => {
    // Act
    const next = applySuppression(contactWith({ email: 'Ada@example.com' }), bounce, 'ada@example.com', NOW);

    // Assess
    expect(next?.suppressed.email).toEqual({
      reason: 'bounce',
      at: '2024-05-01T12:00:02.669Z',
      detail: 'Permanent/General 5.1.1',
    });
    expect(next?.updatedAt).toBe(NOW);
  });

  it('changes nothing when the contact has another address now, or is already suppressed', () => {
    // Prepare
    const moved = contactWith({ email: 'ada@new.example' });
    const suppressed = contactWith({
      email: 'ada@example.com',
      suppressed: { email: { reason: 'complaint', at: '2024-04-01T00:00:00.000Z' } },
    });

    // Assess
    expect(applySuppression(moved, bounce, 'ada@example.com', NOW)).toBeUndefined();
    expect(applySuppression(suppressed, bounce, 'ada@example.com', NOW)).toBeUndefined();
  });

  it('suppresses a phone number for SMS only', () => {
    // Prepare
    const invalid: SuppressEffect = {
      channel: 'sms',
      addresses: ['+14255550156'],
      reason: 'invalid_number',
      at: NOW,
    };

    // Act
    const next = applySuppression(contactWith({ phone: '+14255550156' }), invalid, '+14255550156', NOW);

    // Assess
    expect(next?.suppressed).toEqual({ sms: { reason: 'invalid_number', at: NOW } });
  });
});

describe('applySmsConsent', () => {
  const stop: ConsentEffect = {
    channel: 'sms',
    address: '+14255550182',
    status: 'opted_out',
    keyword: 'STOP',
    at: '2024-05-01T18:30:00.000Z',
    reference: 'in-1',
  };
  const phone = { phone: '+14255550182' };

  it('records the opt-out with the keyword and the incoming message as proof', () => {
    // Act
    const next = applySmsConsent(contactWith(phone), stop, NOW);

    // Assess
    expect(next?.consent.sms?.channel).toEqual({
      status: 'opted_out',
      at: '2024-05-01T18:30:00.000Z',
      source: 'sms-reply',
      proof: { kind: 'sms_keyword', reference: 'STOP:in-1' },
    });
  });

  it('opts back in on a later START', () => {
    // Prepare
    const stopped = applySmsConsent(contactWith(phone), stop, NOW);
    const start: ConsentEffect = {
      ...stop,
      status: 'opted_in',
      keyword: 'START',
      at: '2024-05-02T09:00:00.000Z',
      reference: 'in-2',
    };

    // Act
    const next = stopped && applySmsConsent(stopped, start, NOW);

    // Assess
    expect(next?.consent.sms?.channel?.status).toBe('opted_in');
  });

  it('keeps a later decision when an older SMS arrives late, and applies the same SMS once', () => {
    // Prepare
    const laterStart = contactWith({
      ...phone,
      consent: {
        sms: {
          channel: {
            status: 'opted_in',
            at: '2024-05-02T09:00:00.000Z',
            source: 'sms-reply',
            proof: { kind: 'sms_keyword', reference: 'START:in-2' },
          },
          topics: {},
        },
      },
    });
    const stopped = applySmsConsent(contactWith(phone), stop, NOW);

    // Assess
    expect(applySmsConsent(laterStart, stop, NOW)).toBeUndefined();
    expect(stopped && applySmsConsent(stopped, stop, NOW)).toBeUndefined();
    expect(applySmsConsent(contactWith({ phone: '+33612345678' }), stop, NOW)).toBeUndefined();
  });
});

describe('ledgerChange', () => {
  function entry(changes: Partial<LedgerEntry> = {}): LedgerEntry {
    return {
      ledgerKey: LEDGER_KEY,
      contactId: 'c-42',
      journeyId: 'welcome',
      runKey: 'contact:c-42',
      gen: 1,
      stepId: 'welcome-email',
      channel: 'email',
      template: 'welcome',
      category: 'marketing',
      status: 'in_flight',
      createdAt: SENT_AT,
      updatedAt: SENT_AT,
      ...changes,
    };
  }
  const evidence = (status: LedgerEvidence['status'], at = '2024-05-01T12:00:01.000Z'): LedgerEvidence => ({
    tag: TAG,
    status,
    providerMessageId: MESSAGE_ID,
    at,
  });

  it('settles an entry in flight as sent on the Sent event, without listing it', () => {
    // Assess
    expect(ledgerChange(entry(), evidence('sent'))).toEqual({
      kind: 'settle',
      outcome: { status: 'sent', providerMessageId: MESSAGE_ID },
    });
  });

  it('settles an entry in flight on any later event too (events arrive out of order), listing it', () => {
    // Assess
    expect(ledgerChange(entry(), evidence('delivered'))).toEqual({
      kind: 'settle',
      outcome: { status: 'sent', providerMessageId: MESSAGE_ID },
      event: '2024-05-01T12:00:01.000Z delivered',
    });
  });

  it('settles a send that failed as throttled: the SDK error may have hidden an accepted send', () => {
    // Assess
    expect(ledgerChange(entry({ status: 'failed', reason: 'throttled' }), evidence('sent')).kind).toBe(
      'settle',
    );
    expect(
      ledgerChange(entry({ status: 'failed', reason: 'provider_rejected' }), evidence('sent')).kind,
    ).toBe('none');
  });

  it('appends later events to a sent entry once, and stops at the cap', () => {
    // Prepare
    const sent = entry({ status: 'sent', providerMessageId: MESSAGE_ID });
    const listed = entry({ status: 'sent', deliveryEvents: [deliveryEventText(evidence('delivered'))] });
    const full = entry({
      status: 'sent',
      deliveryEvents: Array.from({ length: MAX_DELIVERY_EVENTS }, (_, i) => `event ${i}`),
    });

    // Assess
    expect(ledgerChange(sent, evidence('delivered'))).toEqual({
      kind: 'append',
      event: '2024-05-01T12:00:01.000Z delivered',
    });
    expect(ledgerChange(sent, evidence('sent'))).toEqual({ kind: 'none', reason: 'nothing_to_record' });
    expect(ledgerChange(listed, evidence('delivered'))).toEqual({ kind: 'none', reason: 'duplicate' });
    expect(ledgerChange(full, evidence('opened'))).toEqual({ kind: 'none', reason: 'full' });
  });

  it('lists a bounce with its type', () => {
    // Assess
    expect(deliveryEventText({ ...evidence('bounced'), detail: 'Permanent/General' })).toBe(
      '2024-05-01T12:00:01.000Z bounced Permanent/General',
    );
  });
});
