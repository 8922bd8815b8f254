import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { afterEach, describe, expect, it } from 'vitest';
import { type LedgerEntry, ledgerTag } from '../../../functions/delivery/ledger.ts';
import { interpretProviderEvent, ledgerChange } from '../../../functions/delivery/provider-feedback.ts';
import { type ServedAws, serveAws } from '../../../local/aws/http-adapter.ts';
import { type SmsVoiceEvent, SmsVoiceV2Service, smsVoiceBusEvent } from '../../../local/aws/sms-voice-v2.ts';

const T0 = Date.parse('2025-03-01T12:00:00.000Z');
const PROSPECT = '+33612345678';
const LEDGER_KEY = 'contact-1#appointment#run-1#0#confirm-sms';
const where = { account: '000000000000', region: 'eu-west-3' };

const inFlight: LedgerEntry = {
  ledgerKey: LEDGER_KEY,
  contactId: 'contact-1',
  journeyId: 'appointment',
  runKey: 'run-1',
  gen: 0,
  stepId: 'confirm-sms',
  channel: 'sms',
  template: 'appointment-confirmation-sms',
  category: 'transactional',
  status: 'in_flight',
  createdAt: '2025-03-01T12:00:00.000Z',
  updatedAt: '2025-03-01T12:00:00.000Z',
};

let server: ServedAws | undefined;
let client: PinpointSMSVoiceV2Client | undefined;

afterEach(async () => {
  client?.destroy();
  await server?.close();
});

/** Send one SMS through the stand-in over the wire, returning the events it published. */
async function sendThroughStandIn(destination: string): Promise<SmsVoiceEvent[]> {
  const service = new SmsVoiceV2Service({ now: () => T0, sandbox: false, region: where.region });
  const identity = service.addOriginationIdentity('+33700000001');
  service.markUnreachable('+33699999999');
  const events: SmsVoiceEvent[] = [];
  service.onEvent((event) => events.push(event));
  server = await serveAws((req) => service.handler(req), { host: '127.0.0.1', port: 0 });
  client = new PinpointSMSVoiceV2Client({
    endpoint: server.url,
    region: where.region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await client.send(
    new SendTextMessageCommand({
      DestinationPhoneNumber: destination,
      OriginationIdentity: identity.arn,
      MessageBody: 'Rendez-vous confirmé',
      ConfigurationSetName: 'relance',
      Context: { ledger: ledgerTag(LEDGER_KEY) },
    }),
  );
  return events;
}

describe('delivery receipts from the End User Messaging v2 stand-in', () => {
  it('settle the in-flight ledger entry of the SMS that carried its ledger tag as Context', async () => {
    const [event] = await sendThroughStandIn(PROSPECT);
    if (event === undefined) throw new Error('the stand-in published no delivery event');

    const interpretation = interpretProviderEvent(smsVoiceBusEvent(event, where));

    expect(interpretation).toMatchObject({
      kind: 'effects',
      eventType: 'TEXT_DELIVERED',
      effects: {
        ledgerEvidence: {
          tag: ledgerTag(LEDGER_KEY),
          status: 'delivered',
          providerMessageId: event.record.messageId,
        },
      },
    });
    if (interpretation.kind !== 'effects' || !interpretation.effects.ledgerEvidence) return;
    expect(ledgerChange(inFlight, interpretation.effects.ledgerEvidence)).toEqual({
      kind: 'settle',
      outcome: { status: 'sent', providerMessageId: event.record.messageId },
      event: expect.stringContaining('delivered'),
    });
  });

  it('record an unreachable carrier as undelivered on the entry, with the event type as its detail', async () => {
    const [event] = await sendThroughStandIn('+33699999999');
    if (event === undefined) throw new Error('the stand-in published no delivery event');

    const interpretation = interpretProviderEvent(smsVoiceBusEvent(event, where));

    expect(interpretation).toMatchObject({
      kind: 'effects',
      effects: { ledgerEvidence: { status: 'undelivered', detail: 'TEXT_CARRIER_UNREACHABLE' } },
    });
  });
});
