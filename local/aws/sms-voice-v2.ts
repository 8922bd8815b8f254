/**
 * AWS End User Messaging SMS and Voice v2 stand-in for the local runtime. It speaks AWS JSON 1.0
 * (`X-Amz-Target: PinpointSMSVoiceV2.<Action>`, `application/x-amz-json-1.0`) and keeps everything
 * in memory. It serves SendTextMessage and SendVoiceMessage (the sending calls) and
 * PutOptedOutNumber / DeleteOptedOutNumber (how an opt-out list changes), written from the
 * End User Messaging SMS API Reference (apireference_smsvoicev2).
 *
 * Behaviour the service documents and this stand-in keeps:
 * - An origination identity (phone number id, ARN or the number itself; pool id or ARN) must exist,
 *   else ResourceNotFoundException. Each identity has an opt-out list ("Default" unless set).
 * - A new account is in the SMS and voice sandbox: it may only send to verified destination
 *   numbers. A send to any other number is refused with ConflictException, Reason
 *   DESTINATION_PHONE_NUMBER_NOT_VERIFIED.
 * - A send to a number on the identity's opt-out list is refused with ConflictException, Reason
 *   DESTINATION_PHONE_NUMBER_OPTED_OUT.
 * - Message body limits: text 1600 characters; voice TEXT 3000 and SSML 6000 characters.
 * - A MaxPrice / MaxPricePerMinute below the price of the message is refused with
 *   ValidationException, Reason PRICE_OVER_THRESHOLD.
 * Accepted messages land in an outbox; a configuration set's event destination is modelled by
 * `onEvent` listeners, which receive the event record (the service's event JSON) with the
 * EventBridge detail-type it carries, so the runtime can route them at the record's time: a second
 * after the send.
 */
import { randomUUID } from 'node:crypto';
import type { BusEventEnvelope } from './eventbridge/bus.ts';
import { Outbox } from './outbox.ts';
import {
  AwsJsonError,
  type AwsRequest,
  type AwsResponse,
  type AwsServiceHandler,
  awsJsonErrorResponse,
  header,
  jsonResponse,
  optionalStringMember,
  parseJsonObject,
} from './protocol.ts';

const CONTENT_TYPE = 'application/x-amz-json-1.0';
const TARGET_PREFIX = 'PinpointSMSVoiceV2.';
const DEFAULT_OPT_OUT_LIST = 'Default';
const E164 = /^\+[1-9][0-9]{1,18}$/;
/** SendTextMessage MessageBody: 1 to 1600 characters. */
const MAX_TEXT_CHARACTERS = 1600;
/** SendVoiceMessage MessageBody by MessageBodyTextType. */
const MAX_VOICE_CHARACTERS = { TEXT: 3000, SSML: 6000 } as const;
/** Local prices, in USD, so MaxPrice caps can be exercised. */
const LOCAL_PRICE_PER_PART = 0.0075;
const LOCAL_PRICE_PER_MINUTE = 0.013;
/**
 * A delivery receipt is dated a second after its request: carriers answer after the send, and a
 * receipt inside the send call raced the sending step's own write of its outcome.
 */
const RECEIPT_DELAY_MS = 1000;

export type SmsVoiceChannel = 'TEXT' | 'VOICE';

/** An origination identity the account owns: a phone number or a pool of them. */
export interface OriginationIdentity {
  /** `phone-…` or `pool-…`. */
  readonly id: string;
  readonly arn: string;
  /** The number calls and texts come from (a pool's first number). */
  readonly phoneNumber: string;
  readonly optOutListName: string;
}

/** One accepted message as the outbox keeps it. */
export interface SmsVoiceMessage {
  messageId: string;
  channel: SmsVoiceChannel;
  at: string;
  destinationPhoneNumber: string;
  originationIdentity: string;
  body: string;
  /** Voice only: TEXT or SSML. */
  bodyType?: 'TEXT' | 'SSML';
  voiceId?: string;
  configurationSetName?: string;
  messageType?: string;
  context: Record<string, string>;
  /** The final status the event destination reports. */
  status: 'DELIVERED' | 'COMPLETED' | 'FAILED';
}

/** A delivery event as a configuration set's event destination carries it. */
export interface SmsVoiceEvent {
  /** EventBridge detail-type of the event. */
  detailType: 'Text Message Delivery Status Updated' | 'Voice Message Delivery Status Updated';
  configurationSetName: string;
  record: {
    eventType: string;
    eventVersion: '1.0';
    eventTimestamp: number;
    isFinal: boolean;
    originationPhoneNumber: string;
    destinationPhoneNumber: string;
    messageId: string;
    messageRequestTimestamp: number;
    messageType?: string;
    messageStatus: string;
    messageStatusDescription: string;
    context: Record<string, string>;
  };
}

export interface SmsVoiceOptions {
  now?: () => number;
  region?: string;
  account?: string;
  /** New accounts start in the sandbox (verified destinations only); default true. */
  sandbox?: boolean;
  /** Messages the outbox keeps (./outbox.ts). */
  outboxLimit?: number;
}

type Input = Record<string, unknown>;
type EventListener = (event: SmsVoiceEvent) => void;

const validation = (message: string, reason = 'FIELD_VALIDATION_FAILED') =>
  new AwsJsonError(400, 'ValidationException', message, { Reason: reason });
const conflict = (message: string, reason: string) =>
  new AwsJsonError(400, 'ConflictException', message, { Reason: reason });

export class SmsVoiceV2Service {
  readonly handler: AwsServiceHandler = async (req) => this.handle(req);
  private readonly now: () => number;
  private readonly region: string;
  private readonly account: string;
  private sandbox: boolean;
  private readonly identityList: OriginationIdentity[] = [];
  private readonly optOutLists = new Map<string, Set<string>>([[DEFAULT_OPT_OUT_LIST, new Set()]]);
  private readonly verified = new Set<string>();
  private readonly unreachable = new Set<string>();
  /** Accepted messages, most recent kept (./outbox.ts). */
  readonly sent: Outbox<SmsVoiceMessage>;
  /** Messages this process accepted, by channel (the outbox keeps the most recent only). */
  readonly acceptedByChannel = { TEXT: 0, VOICE: 0 };
  private readonly listeners = new Set<EventListener>();

  constructor(options: SmsVoiceOptions = {}) {
    this.now = options.now ?? Date.now;
    this.region = options.region ?? 'us-east-1';
    this.account = options.account ?? '000000000000';
    this.sandbox = options.sandbox ?? true;
    this.sent = new Outbox(options.outboxLimit);
  }

  /**
   * Register a phone number (or, with `pool`, a pool holding it); returns the identity. `id` keeps
   * the one a template names (a new one is made otherwise); registering it again changes nothing.
   */
  addOriginationIdentity(
    phoneNumber: string,
    options: { pool?: boolean; optOutListName?: string; id?: string } = {},
  ): OriginationIdentity {
    const kind = options.pool ? 'pool' : 'phone-number';
    const id = options.id ?? `${options.pool ? 'pool' : 'phone'}-${randomUUID().replaceAll('-', '')}`;
    const known = this.findIdentity(id);
    if (known) return known;
    const optOutListName = options.optOutListName ?? DEFAULT_OPT_OUT_LIST;
    this.createOptOutList(optOutListName);
    const identity = { id, arn: this.arn(kind, id), phoneNumber, optOutListName };
    this.identityList.push(identity);
    return identity;
  }

  /** An opt-out list, as CreateOptOutList (or the template) makes it; an existing one is kept. */
  createOptOutList(name: string): void {
    if (!this.optOutLists.has(name)) this.optOutLists.set(name, new Set());
  }

  /** The origination identities the account owns. */
  identities(): readonly OriginationIdentity[] {
    return this.identityList;
  }

  /** A verified destination, as the console's verification code flow leaves it. */
  verifyDestination(phoneNumber: string): void {
    this.verified.add(phoneNumber);
  }

  /** Leave (or enter) the sandbox, as a production access request does. */
  setSandbox(sandbox: boolean): void {
    this.sandbox = sandbox;
  }

  /** A number whose carrier never delivers: its messages end FAILED. */
  markUnreachable(phoneNumber: string): void {
    this.unreachable.add(phoneNumber);
  }

  /** A recipient's STOP reply puts the number on the identity's opt-out list. */
  optOut(phoneNumber: string, optOutListName = DEFAULT_OPT_OUT_LIST): void {
    this.listOf(optOutListName).add(phoneNumber);
  }

  isOptedOut(phoneNumber: string, optOutListName = DEFAULT_OPT_OUT_LIST): boolean {
    return this.optOutLists.get(optOutListName)?.has(phoneNumber) ?? false;
  }

  /** The ARN IAM authorizes a send on, for an identity's id, ARN or phone number. */
  originationArn(reference: string): string | undefined {
    return this.findIdentity(reference)?.arn;
  }

  /** The accepted messages kept (the most recent), oldest first. */
  outbox(): readonly SmsVoiceMessage[] {
    return this.sent.kept();
  }

  /** Listen to delivery events (the configuration set's event destination); returns unsubscribe. */
  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private arn(kind: string, id: string): string {
    return `arn:aws:sms-voice:${this.region}:${this.account}:${kind}/${id}`;
  }

  private listOf(name: string): Set<string> {
    const list = this.optOutLists.get(name);
    if (list === undefined) {
      throw new AwsJsonError(404, 'ResourceNotFoundException', `Opt-out list ${name} does not exist.`);
    }
    return list;
  }

  private handle(req: AwsRequest): AwsResponse {
    try {
      const target = header(req, 'x-amz-target') ?? '';
      if (!target.startsWith(TARGET_PREFIX)) {
        throw new AwsJsonError(400, 'UnknownOperationException', 'Missing or unknown X-Amz-Target.');
      }
      const input = parseJsonObject(req.body);
      if (input === undefined) throw validation('Request body is not a JSON object.', 'CANNOT_PARSE');
      const action = target.slice(TARGET_PREFIX.length);
      switch (action) {
        case 'SendTextMessage':
          return jsonResponse(200, CONTENT_TYPE, this.send('TEXT', input));
        case 'SendVoiceMessage':
          return jsonResponse(200, CONTENT_TYPE, this.send('VOICE', input));
        case 'PutOptedOutNumber':
          return jsonResponse(200, CONTENT_TYPE, this.putOptedOut(input, true));
        case 'DeleteOptedOutNumber':
          return jsonResponse(200, CONTENT_TYPE, this.putOptedOut(input, false));
        default:
          throw new AwsJsonError(
            400,
            'UnknownOperationException',
            `The local End User Messaging stand-in does not serve ${action}.`,
          );
      }
    } catch (err) {
      return awsJsonErrorResponse(err, CONTENT_TYPE, 'InternalServerException');
    }
  }

  private putOptedOut(input: Input, add: boolean): Record<string, unknown> {
    const name = requiredString(input, 'OptOutListName');
    const number = requiredString(input, 'OptedOutNumber');
    if (!E164.test(number)) throw validation('OptedOutNumber must be in E.164 format.');
    const listName = name.startsWith('arn:') ? (name.split('/').at(-1) ?? name) : name;
    const list = this.listOf(listName);
    if (add) list.add(number);
    else list.delete(number);
    return {
      OptOutListArn: this.arn('opt-out-list', listName),
      OptOutListName: listName,
      OptedOutNumber: number,
      OptedOutTimestamp: this.now() / 1000,
      EndUserOptedOut: false,
    };
  }

  private findIdentity(reference: string): OriginationIdentity | undefined {
    return this.identityList.find(
      (identity) =>
        identity.id === reference || identity.arn === reference || identity.phoneNumber === reference,
    );
  }

  private send(channel: SmsVoiceChannel, input: Input): { MessageId: string } {
    const destination = requiredString(input, 'DestinationPhoneNumber');
    if (!E164.test(destination)) throw validation('DestinationPhoneNumber must be in E.164 format.');
    const originationReference = requiredString(input, 'OriginationIdentity');
    const body = requiredString(input, 'MessageBody');
    const bodyType = channel === 'VOICE' ? voiceBodyType(input) : undefined;
    const limit = bodyType === undefined ? MAX_TEXT_CHARACTERS : MAX_VOICE_CHARACTERS[bodyType];
    if (body.length > limit) {
      throw validation(`MessageBody is longer than ${limit} characters.`, 'MAXIMUM_SIZE_EXCEEDED');
    }
    const configurationSetName = optionalString(input, 'ConfigurationSetName');
    const context = contextOf(input);
    const price = channel === 'TEXT' ? LOCAL_PRICE_PER_PART : LOCAL_PRICE_PER_MINUTE;
    const cap = optionalString(input, channel === 'TEXT' ? 'MaxPrice' : 'MaxPricePerMinute');
    if (cap !== undefined && Number(cap) < price) {
      throw validation(`The price ${price} is over the requested maximum ${cap}.`, 'PRICE_OVER_THRESHOLD');
    }
    const identity = this.findIdentity(originationReference);
    if (identity === undefined) {
      throw new AwsJsonError(404, 'ResourceNotFoundException', 'The origination identity does not exist.');
    }
    if (this.sandbox && !this.verified.has(destination)) {
      throw conflict(
        'The account is in the sandbox and the destination phone number is not verified.',
        'DESTINATION_PHONE_NUMBER_NOT_VERIFIED',
      );
    }
    if (this.isOptedOut(destination, identity.optOutListName)) {
      throw conflict('The destination phone number is opted out.', 'DESTINATION_PHONE_NUMBER_OPTED_OUT');
    }
    if (input.DryRun === true) return { MessageId: '' };

    const at = this.now();
    const failed = this.unreachable.has(destination);
    const message: SmsVoiceMessage = {
      messageId: randomUUID(),
      channel,
      at: new Date(at).toISOString(),
      destinationPhoneNumber: destination,
      originationIdentity: identity.id,
      body,
      context,
      status: failed ? 'FAILED' : channel === 'TEXT' ? 'DELIVERED' : 'COMPLETED',
    };
    if (bodyType !== undefined) message.bodyType = bodyType;
    const voiceId = optionalString(input, 'VoiceId');
    if (voiceId !== undefined) message.voiceId = voiceId;
    const messageType = optionalString(input, 'MessageType');
    if (messageType !== undefined) message.messageType = messageType;
    if (configurationSetName !== undefined) message.configurationSetName = configurationSetName;
    this.sent.add(message);
    this.acceptedByChannel[channel]++;
    if (configurationSetName !== undefined) this.publish(message, identity, configurationSetName, at);
    return { MessageId: message.messageId };
  }

  private publish(
    message: SmsVoiceMessage,
    identity: OriginationIdentity,
    configurationSetName: string,
    requestedAt: number,
  ): void {
    const text = message.channel === 'TEXT';
    const failed = message.status === 'FAILED';
    const event: SmsVoiceEvent = {
      detailType: text ? 'Text Message Delivery Status Updated' : 'Voice Message Delivery Status Updated',
      configurationSetName,
      record: {
        eventType: text
          ? failed
            ? 'TEXT_CARRIER_UNREACHABLE'
            : 'TEXT_DELIVERED'
          : failed
            ? 'VOICE_FAILED'
            : 'VOICE_COMPLETED',
        eventVersion: '1.0',
        eventTimestamp: requestedAt + RECEIPT_DELAY_MS,
        isFinal: true,
        originationPhoneNumber: identity.phoneNumber,
        destinationPhoneNumber: message.destinationPhoneNumber,
        messageId: message.messageId,
        messageRequestTimestamp: requestedAt,
        messageStatus: message.status === 'FAILED' && text ? 'CARRIER_UNREACHABLE' : message.status,
        messageStatusDescription: failed
          ? 'The destination carrier could not be reached.'
          : text
            ? 'Message has been accepted by phone'
            : 'The call was answered and the message played.',
        context: message.context,
      },
    };
    if (message.messageType !== undefined) event.record.messageType = message.messageType;
    for (const listener of this.listeners) listener(event);
  }
}

/**
 * A delivery event as an EventBridge event destination delivers it to the default bus: source
 * `aws.sms-voice`, the event's detail-type, the event record as `detail`.
 */
export function smsVoiceBusEvent(
  event: SmsVoiceEvent,
  where: { account: string; region: string },
): BusEventEnvelope {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': event.detailType,
    source: 'aws.sms-voice',
    account: where.account,
    time: new Date(event.record.eventTimestamp).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: where.region,
    resources: [],
    detail: { ...event.record },
  };
}

// ----- wire helpers -----------------------------------------------------------------------------

function voiceBodyType(input: Input): 'TEXT' | 'SSML' {
  const type = optionalString(input, 'MessageBodyTextType') ?? 'TEXT';
  if (type !== 'TEXT' && type !== 'SSML') throw validation('MessageBodyTextType must be TEXT or SSML.');
  return type;
}

function contextOf(input: Input): Record<string, string> {
  const value = input.Context;
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw validation('Context must be a map.');
  const entries = Object.entries(value);
  if (entries.length > 5) throw validation('Context holds at most 5 entries.');
  const context: Record<string, string> = {};
  for (const [key, entry] of entries) {
    if (typeof entry !== 'string' || entry.length === 0 || entry.length > 800) {
      throw validation(`Context.${key} must be a string of 1 to 800 characters.`);
    }
    context[key] = entry;
  }
  return context;
}

function requiredString(input: Input, key: string): string {
  const value = optionalString(input, key);
  if (value === undefined || value === '') throw validation(`${key} is required.`, 'MISSING_PARAMETER');
  return value;
}

function optionalString(input: Input, key: string): string | undefined {
  return optionalStringMember(input, key, (message) => validation(message));
}
