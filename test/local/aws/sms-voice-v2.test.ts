import {
  AccessDeniedException,
  ConflictException,
  PinpointSMSVoiceV2Client,
  PutOptedOutNumberCommand,
  ResourceNotFoundException,
  SendTextMessageCommand,
  SendVoiceMessageCommand,
  ValidationException,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { serviceFor } from '../../../local/aws/edge.ts';
import { type ServedAws, serveAws } from '../../../local/aws/http-adapter.ts';
import { accessDeniedResponse, checksFor } from '../../../local/aws/iam-requests.ts';
import {
  type OriginationIdentity,
  type SmsVoiceEvent,
  SmsVoiceV2Service,
} from '../../../local/aws/sms-voice-v2.ts';
import { rejection } from './rejection.ts';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const T0 = Date.parse('2025-03-01T12:00:00.000Z');
const PROSPECT = '+33612345678';
const SSML = '<speak>Bonjour, <break time="300ms"/> votre rendez-vous est confirmé.</speak>';

let service: SmsVoiceV2Service;
let identity: OriginationIdentity;
let server: ServedAws;
let client: PinpointSMSVoiceV2Client;

beforeAll(async () => {
  server = await serveAws((req) => service.handler(req), { host: '127.0.0.1', port: 0 });
  client = new PinpointSMSVoiceV2Client({
    endpoint: server.url,
    region: 'eu-west-3',
    credentials,
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client.destroy();
  await server.close();
});

beforeEach(() => {
  service = new SmsVoiceV2Service({ now: () => T0, region: 'eu-west-3', account: '123456789012' });
  identity = service.addOriginationIdentity('+33700000001');
});

const voice = (overrides: Partial<ConstructorParameters<typeof SendVoiceMessageCommand>[0]> = {}) =>
  new SendVoiceMessageCommand({
    DestinationPhoneNumber: PROSPECT,
    OriginationIdentity: identity.arn,
    MessageBody: SSML,
    MessageBodyTextType: 'SSML',
    VoiceId: 'LEA',
    ConfigurationSetName: 'relance',
    Context: { messageKey: 'run-1#confirm-call' },
    ...overrides,
  });

describe('End User Messaging v2 stand-in', () => {
  it('places a voice call to a verified destination and reports its completion to the event destination', async () => {
    service.verifyDestination(PROSPECT);
    const events: SmsVoiceEvent[] = [];
    service.onEvent((event) => events.push(event));

    const { MessageId } = await client.send(voice());

    expect(MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(service.outbox()).toEqual([
      expect.objectContaining({
        messageId: MessageId,
        channel: 'VOICE',
        body: SSML,
        bodyType: 'SSML',
        voiceId: 'LEA',
        originationIdentity: identity.id,
        status: 'COMPLETED',
      }),
    ]);
    expect(events).toEqual([
      {
        detailType: 'Voice Message Delivery Status Updated',
        configurationSetName: 'relance',
        record: expect.objectContaining({
          eventType: 'VOICE_COMPLETED',
          messageId: MessageId,
          messageStatus: 'COMPLETED',
          isFinal: true,
          destinationPhoneNumber: PROSPECT,
          originationPhoneNumber: '+33700000001',
          context: { messageKey: 'run-1#confirm-call' },
        }),
      },
    ]);
  });

  it('refuses a call to an unverified destination while the account is in the sandbox', async () => {
    const error = await rejection(client.send(voice()));

    expect(error).toBeInstanceOf(ConflictException);
    expect((error as ConflictException).Reason).toBe('DESTINATION_PHONE_NUMBER_NOT_VERIFIED');
    expect(service.outbox()).toEqual([]);

    service.setSandbox(false);
    await client.send(voice());
    expect(service.outbox()).toHaveLength(1);
  });

  it('refuses texts and calls to a number on the identity opt-out list, set over the API', async () => {
    service.verifyDestination(PROSPECT);
    await client.send(new PutOptedOutNumberCommand({ OptOutListName: 'Default', OptedOutNumber: PROSPECT }));

    const text = await rejection(
      client.send(
        new SendTextMessageCommand({
          DestinationPhoneNumber: PROSPECT,
          OriginationIdentity: identity.id,
          MessageBody: 'Rendez-vous confirmé',
        }),
      ),
    );
    const call = await rejection(client.send(voice()));

    expect((text as ConflictException).Reason).toBe('DESTINATION_PHONE_NUMBER_OPTED_OUT');
    expect((call as ConflictException).Reason).toBe('DESTINATION_PHONE_NUMBER_OPTED_OUT');
    expect(service.outbox()).toEqual([]);
  });

  it('uses the opt-out list of the identity the message is sent from', async () => {
    service.setSandbox(false);
    const other = service.addOriginationIdentity('+33700000002', { pool: true, optOutListName: 'marketing' });
    service.optOut(PROSPECT, 'marketing');

    await client.send(voice());
    const error = await rejection(client.send(voice({ OriginationIdentity: other.id })));

    expect(other.arn).toBe(`arn:aws:sms-voice:eu-west-3:123456789012:pool/${other.id}`);
    expect((error as ConflictException).Reason).toBe('DESTINATION_PHONE_NUMBER_OPTED_OUT');
    expect(service.outbox()).toHaveLength(1);
  });

  it('sends a text with its price cap and reports delivery, or a failure for an unreachable carrier', async () => {
    service.setSandbox(false);
    service.markUnreachable('+33699999999');
    const events: SmsVoiceEvent[] = [];
    service.onEvent((event) => events.push(event));
    const text = (destination: string, maxPrice: string) =>
      new SendTextMessageCommand({
        DestinationPhoneNumber: destination,
        OriginationIdentity: identity.phoneNumber,
        MessageBody: 'Rendez-vous confirmé',
        MessageType: 'TRANSACTIONAL',
        ConfigurationSetName: 'relance',
        MaxPrice: maxPrice,
      });

    await client.send(text(PROSPECT, '0.05'));
    await client.send(text('+33699999999', '0.05'));
    const tooCheap = await rejection(client.send(text(PROSPECT, '0.001')));

    expect(
      events.map((event) => [event.detailType, event.record.eventType, event.record.messageStatus]),
    ).toEqual([
      ['Text Message Delivery Status Updated', 'TEXT_DELIVERED', 'DELIVERED'],
      ['Text Message Delivery Status Updated', 'TEXT_CARRIER_UNREACHABLE', 'CARRIER_UNREACHABLE'],
    ]);
    expect(tooCheap).toBeInstanceOf(ValidationException);
    expect((tooCheap as ValidationException).Reason).toBe('PRICE_OVER_THRESHOLD');
    expect(service.outbox()).toHaveLength(2);
  });

  it('enforces the documented body limits (voice TEXT 3000, SSML 6000) and a known identity', async () => {
    service.setSandbox(false);
    const longText = await rejection(
      client.send(voice({ MessageBody: 'a'.repeat(3001), MessageBodyTextType: 'TEXT' })),
    );
    await client.send(voice({ MessageBody: `<speak>${'a'.repeat(5980)}</speak>` }));
    const unknown = await rejection(client.send(voice({ OriginationIdentity: 'phone-unknown' })));

    expect((longText as ValidationException).Reason).toBe('MAXIMUM_SIZE_EXCEEDED');
    expect(unknown).toBeInstanceOf(ResourceNotFoundException);
    expect(service.outbox()).toHaveLength(1);
  });
});

describe('End User Messaging v2 requests under IAM', () => {
  const names = { region: 'eu-west-3', account: '123456789012' };
  const request = (operation: string, body: Record<string, unknown>) => ({
    method: 'POST',
    path: '/',
    query: new URLSearchParams(),
    headers: {
      'x-amz-target': `PinpointSMSVoiceV2.${operation}`,
      'content-type': 'application/x-amz-json-1.0',
    },
    body: JSON.stringify(body),
  });

  it('routes by X-Amz-Target and asks for the send on the identity and the configuration set', () => {
    const send = request('SendVoiceMessage', {
      OriginationIdentity: '+33700000001',
      ConfigurationSetName: 'relance',
      DestinationPhoneNumber: PROSPECT,
    });

    expect(serviceFor(send)).toBe('sms-voice');
    expect(
      checksFor('sms-voice', send, { ...names, originationArn: (ref) => service.originationArn(ref) }),
    ).toEqual([
      { action: 'sms-voice:SendVoiceMessage', resource: identity.arn },
      {
        action: 'sms-voice:SendVoiceMessage',
        resource: 'arn:aws:sms-voice:eu-west-3:123456789012:configuration-set/relance',
      },
    ]);
    expect(
      checksFor('sms-voice', request('SendTextMessage', { OriginationIdentity: 'pool-abc' }), names),
    ).toEqual([
      {
        action: 'sms-voice:SendTextMessage',
        resource: 'arn:aws:sms-voice:eu-west-3:123456789012:pool/pool-abc',
      },
    ]);
    expect(
      checksFor(
        'sms-voice',
        request('PutOptedOutNumber', { OptOutListName: 'Default', OptedOutNumber: PROSPECT }),
        names,
      ),
    ).toEqual([
      {
        action: 'sms-voice:PutOptedOutNumber',
        resource: 'arn:aws:sms-voice:eu-west-3:123456789012:opt-out-list/Default',
      },
    ]);
  });

  it('refuses a denied call the way the SDK reads an AccessDeniedException', async () => {
    const denied = accessDeniedResponse('sms-voice', 'not authorized');
    const denyingServer = await serveAws(async () => denied, { host: '127.0.0.1', port: 0 });
    const denyingClient = new PinpointSMSVoiceV2Client({
      endpoint: denyingServer.url,
      region: 'eu-west-3',
      credentials,
      maxAttempts: 1,
    });
    try {
      const error = await rejection(denyingClient.send(voice()));
      expect(error).toBeInstanceOf(AccessDeniedException);
      expect(error.$metadata.httpStatusCode).toBe(403);
    } finally {
      denyingClient.destroy();
      await denyingServer.close();
    }
  });
});
