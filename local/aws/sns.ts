/**
 * Amazon SNS stand-in for the local runtime: the awsQuery protocol (form-encoded POST, XML answers
 * in the 2010-03-31 namespace), in memory. Written from the SNS API Reference: Publish,
 * CreateTopic, ListTopics, Subscribe, CheckIfPhoneNumberIsOptedOut, OptInPhoneNumber and
 * ListPhoneNumbersOptedOut. Nothing is delivered anywhere: every accepted Publish lands in an
 * outbox the runtime and dashboard read.
 *
 * Opt-outs follow AWS: Publish to an opted-out number is accepted (200, a MessageId) and the
 * delivery then fails ("Phone is currently opted out" in SNS's delivery-status logs), so the
 * outbox record carries `status: 'FAILURE'` instead of the call throwing.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  type AwsRequest,
  type AwsResponse,
  type AwsServiceHandler,
  awsQueryError,
  newRequestId,
  xmlEscape,
} from './protocol.ts';

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const PAGE_SIZE = 100;
const MAX_MESSAGE_BYTES = 256 * 1024;
const OPTED_OUT_RESPONSE = 'Phone is currently opted out';
const SUBSCRIPTION_PROTOCOLS = new Set([
  'http',
  'https',
  'email',
  'email-json',
  'sms',
  'sqs',
  'application',
  'lambda',
  'firehose',
]);
// Protocols AWS confirms on the spot; the others wait for the endpoint to confirm.
const AUTO_CONFIRMED = new Set(['sms', 'sqs', 'application', 'lambda', 'firehose']);

/** One published message as the outbox keeps it. */
export interface SnsMessage {
  messageId: string;
  /** When it was accepted, ISO 8601. */
  at: string;
  phoneNumber?: string;
  topicArn?: string;
  targetArn?: string;
  message: string;
  subject?: string;
  /** Message attributes by name; Binary values are base64. */
  attributes: Record<string, string>;
  /** SUCCESS when it would reach the phone/topic; FAILURE when SNS drops it (opted-out number). */
  status: 'SUCCESS' | 'FAILURE';
  /** Why a FAILURE was not delivered, worded as SNS's delivery-status logs word it. */
  providerResponse?: string;
}

/** A topic created through CreateTopic. */
export interface SnsTopic {
  arn: string;
  name: string;
  attributes: Record<string, string>;
  tags: Record<string, string>;
}

/** A stored subscription (never delivered to). */
export interface SnsSubscription {
  arn: string;
  topicArn: string;
  protocol: string;
  endpoint: string;
  attributes: Record<string, string>;
  confirmed: boolean;
}

/** Errors `failNext` can inject into Publish. */
export type SnsInjectedFailure = 'Throttling' | 'InvalidParameter';

/** Constructor options; `now` lets the runtime's clock stamp messages. */
export interface SnsOptions {
  region?: string;
  accountId?: string;
  now?: () => number;
}

type PublishListener = (message: SnsMessage) => void;
type Params = Map<string, string>;

/** The error an action raises; the handler turns it into an awsQuery `<ErrorResponse>`. */
class SnsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const invalidParameter = (message: string) => new SnsError(400, 'InvalidParameter', message);

const record = z.record(z.string(), z.string());
const snapshotSchema = z.object({
  topics: z.array(z.object({ arn: z.string(), name: z.string(), attributes: record, tags: record })),
  subscriptions: z.array(
    z.object({
      arn: z.string(),
      topicArn: z.string(),
      protocol: z.string(),
      endpoint: z.string(),
      attributes: record,
      confirmed: z.boolean(),
    }),
  ),
  optedOut: z.array(z.string()),
  outbox: z.array(
    z.object({
      messageId: z.string(),
      at: z.string(),
      phoneNumber: z.string().optional(),
      topicArn: z.string().optional(),
      targetArn: z.string().optional(),
      message: z.string(),
      subject: z.string().optional(),
      attributes: record,
      status: z.enum(['SUCCESS', 'FAILURE']),
      providerResponse: z.string().optional(),
    }),
  ),
});

/** The persisted state of the SNS stand-in. */
export type SnsSnapshot = z.infer<typeof snapshotSchema>;

/** In-memory SNS: serve `handler`, read `outbox()`, observe with `onPublish`. */
export class SnsService {
  readonly region: string;
  readonly accountId: string;
  /** The awsQuery endpoint; never throws. */
  readonly handler: AwsServiceHandler = (req) => Promise.resolve(this.handle(req));

  private readonly now: () => number;
  private topicsByArn = new Map<string, SnsTopic>();
  private subscriptionsByArn = new Map<string, SnsSubscription>();
  private optedOut = new Set<string>();
  private messages: SnsMessage[] = [];
  private listeners = new Set<PublishListener>();
  private injected: SnsInjectedFailure[] = [];

  constructor(options: SnsOptions = {}) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
    this.now = options.now ?? Date.now;
  }

  /** Every accepted Publish, oldest first (copies). */
  outbox(): SnsMessage[] {
    return this.messages.map((m) => ({ ...m, attributes: { ...m.attributes } }));
  }

  /** Forget the outbox (topics, subscriptions and opt-outs stay). */
  clearOutbox(): void {
    this.messages = [];
  }

  /** Call `listener` for each accepted Publish; returns an unsubscribe function. */
  onPublish(listener: PublishListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Make the next `count` Publish calls fail with `code` (Throttling is retried by SDKs). */
  failNext(code: SnsInjectedFailure, count = 1): void {
    for (let i = 0; i < count; i++) this.injected.push(code);
  }

  /** Simulate a recipient replying STOP: the number joins the account's opt-out list. */
  optOut(phoneNumber: string): void {
    this.optedOut.add(normalizePhone(phoneNumber) ?? phoneNumber);
  }

  /** Whether a number is on the opt-out list. */
  isOptedOut(phoneNumber: string): boolean {
    return this.optedOut.has(normalizePhone(phoneNumber) ?? phoneNumber);
  }

  /** Topics created so far (copies). */
  topics(): SnsTopic[] {
    return [...this.topicsByArn.values()].map((t) => ({
      ...t,
      attributes: { ...t.attributes },
      tags: { ...t.tags },
    }));
  }

  /** Subscriptions stored so far (copies). */
  subscriptions(): SnsSubscription[] {
    return [...this.subscriptionsByArn.values()].map((s) => ({ ...s, attributes: { ...s.attributes } }));
  }

  /** Create a topic from the runtime side (idempotent); returns its ARN. */
  ensureTopic(name: string): string {
    return this.createTopic(name, {}, {});
  }

  /** JSON-serializable state for persistence and the dashboard. */
  snapshot(): SnsSnapshot {
    return {
      topics: this.topics(),
      subscriptions: this.subscriptions(),
      optedOut: [...this.optedOut],
      outbox: this.outbox(),
    };
  }

  /** Replace the state with a snapshot; throws on data that is not one. */
  restore(data: unknown): void {
    const parsed = snapshotSchema.safeParse(data);
    if (!parsed.success) throw new Error(`Invalid SNS snapshot: ${parsed.error.message}`);
    const snap = parsed.data;
    this.topicsByArn = new Map(snap.topics.map((t) => [t.arn, t]));
    this.subscriptionsByArn = new Map(snap.subscriptions.map((s) => [s.arn, s]));
    this.optedOut = new Set(snap.optedOut);
    this.messages = snap.outbox;
  }

  private handle(req: AwsRequest): AwsResponse {
    try {
      const params = formParams(req);
      const action = params.get('Action');
      if (action === undefined || action === '') {
        throw new SnsError(400, 'MissingAction', 'The request must contain the parameter Action.');
      }
      return this.dispatch(action, params);
    } catch (err) {
      if (err instanceof SnsError) return awsQueryError(err.status, err.code, err.message, { xmlns: XMLNS });
      const message = err instanceof Error ? err.message : String(err);
      return awsQueryError(500, 'InternalError', message, { type: 'Receiver', xmlns: XMLNS });
    }
  }

  private dispatch(action: string, params: Params): AwsResponse {
    switch (action) {
      case 'Publish':
        return queryResponse(action, `<MessageId>${this.publish(params)}</MessageId>`);
      case 'CreateTopic':
        return queryResponse(action, `<TopicArn>${xmlEscape(this.createTopicAction(params))}</TopicArn>`);
      case 'ListTopics':
        return queryResponse(action, this.listTopics(params));
      case 'Subscribe':
        return queryResponse(
          action,
          `<SubscriptionArn>${xmlEscape(this.subscribe(params))}</SubscriptionArn>`,
        );
      case 'CheckIfPhoneNumberIsOptedOut':
        return queryResponse(action, `<isOptedOut>${this.checkOptedOut(params)}</isOptedOut>`);
      case 'OptInPhoneNumber':
        this.optedOut.delete(requirePhone(params, 'phoneNumber'));
        return queryResponse(action, '');
      case 'ListPhoneNumbersOptedOut':
        return queryResponse(action, this.listOptedOut(params));
      default:
        throw new SnsError(400, 'InvalidAction', `The action ${action} is not valid for this web service.`);
    }
  }

  private publish(params: Params): string {
    const injected = this.injected.shift();
    if (injected === 'Throttling') throw new SnsError(400, 'Throttling', 'Rate exceeded');
    if (injected === 'InvalidParameter') throw invalidParameter('Invalid parameter: injected failure');

    const destination = this.publishDestination(params);
    const message = publishText(params, destination.phoneNumber !== undefined);
    const subject = params.get('Subject');
    if (subject !== undefined) validateSubject(subject);
    const optedOut = destination.phoneNumber !== undefined && this.optedOut.has(destination.phoneNumber);
    const entry: SnsMessage = {
      messageId: randomUUID(),
      at: new Date(this.now()).toISOString(),
      ...destination,
      message,
      ...(subject === undefined ? {} : { subject }),
      attributes: parseMessageAttributes(params),
      status: optedOut ? 'FAILURE' : 'SUCCESS',
      ...(optedOut ? { providerResponse: OPTED_OUT_RESPONSE } : {}),
    };
    this.messages.push(entry);
    this.notify(entry);
    return entry.messageId;
  }

  // Exactly one of TopicArn, TargetArn and PhoneNumber names where the message goes.
  private publishDestination(params: Params): Pick<SnsMessage, 'phoneNumber' | 'topicArn' | 'targetArn'> {
    const topicArn = params.get('TopicArn') || undefined;
    const targetArn = params.get('TargetArn') || undefined;
    const phone = params.get('PhoneNumber') || undefined;
    const given = [topicArn, targetArn, phone].filter((v) => v !== undefined).length;
    if (given === 0) {
      throw invalidParameter(
        'Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter',
      );
    }
    if (given > 1) {
      throw invalidParameter(
        'Invalid parameter: TopicArn or TargetArn Reason: Only one of TopicArn, TargetArn or PhoneNumber may be specified',
      );
    }
    if (phone !== undefined) {
      const phoneNumber = normalizePhone(phone);
      if (phoneNumber === undefined) {
        throw invalidParameter(`Invalid parameter: PhoneNumber Reason: ${phone} is not valid to publish to`);
      }
      return { phoneNumber };
    }
    if (topicArn !== undefined) {
      if (!this.topicsByArn.has(topicArn)) throw new SnsError(404, 'NotFound', 'Topic does not exist');
      return { topicArn };
    }
    // A TargetArn may name a topic or a platform endpoint; endpoints are not modelled here.
    const arn = targetArn ?? '';
    if (!this.topicsByArn.has(arn)) throw new SnsError(404, 'NotFound', 'Endpoint does not exist');
    return { targetArn: arn, topicArn: arn };
  }

  private notify(entry: SnsMessage): void {
    for (const listener of this.listeners) {
      try {
        listener({ ...entry, attributes: { ...entry.attributes } });
      } catch {
        // An observer's bug must not turn an accepted Publish into a failure.
      }
    }
  }

  private createTopicAction(params: Params): string {
    const name = params.get('Name') ?? '';
    return this.createTopic(name, collectMap(params, 'Attributes', 'key', 'value'), collectTags(params));
  }

  private createTopic(
    name: string,
    attributes: Record<string, string>,
    tags: Record<string, string>,
  ): string {
    validateTopicName(name, attributes);
    const arn = `arn:aws:sns:${this.region}:${this.accountId}:${name}`;
    const existing = this.topicsByArn.get(arn);
    if (existing === undefined) {
      this.topicsByArn.set(arn, { arn, name, attributes, tags });
    } else {
      // CreateTopic is idempotent; later calls only add what they name.
      Object.assign(existing.attributes, attributes);
      Object.assign(existing.tags, tags);
    }
    return arn;
  }

  private listTopics(params: Params): string {
    const arns = [...this.topicsByArn.keys()].sort();
    const { page, nextToken } = paginate(arns, params.get('NextToken'));
    const members = page.map((arn) => `<member><TopicArn>${xmlEscape(arn)}</TopicArn></member>`).join('');
    return `<Topics>${members}</Topics>${tokenXml('NextToken', nextToken)}`;
  }

  private subscribe(params: Params): string {
    const topicArn = params.get('TopicArn') ?? '';
    const protocol = params.get('Protocol') ?? '';
    const endpoint = params.get('Endpoint') ?? '';
    if (!this.topicsByArn.has(topicArn)) throw new SnsError(404, 'NotFound', 'Topic does not exist');
    if (!SUBSCRIPTION_PROTOCOLS.has(protocol)) {
      throw invalidParameter(`Invalid parameter: Protocol Reason: ${protocol} is not a valid protocol`);
    }
    if (endpoint === '') throw invalidParameter('Invalid parameter: Endpoint Reason: must not be empty');
    const existing = [...this.subscriptionsByArn.values()].find(
      (s) => s.topicArn === topicArn && s.protocol === protocol && s.endpoint === endpoint,
    );
    const subscription = existing ?? {
      arn: `${topicArn}:${randomUUID()}`,
      topicArn,
      protocol,
      endpoint,
      attributes: collectMap(params, 'Attributes', 'key', 'value'),
      confirmed: AUTO_CONFIRMED.has(protocol),
    };
    this.subscriptionsByArn.set(subscription.arn, subscription);
    const showArn = subscription.confirmed || params.get('ReturnSubscriptionArn') === 'true';
    return showArn ? subscription.arn : 'pending confirmation';
  }

  private checkOptedOut(params: Params): boolean {
    return this.optedOut.has(requirePhone(params, 'phoneNumber'));
  }

  private listOptedOut(params: Params): string {
    const numbers = [...this.optedOut].sort();
    const { page, nextToken } = paginate(numbers, params.get('nextToken'));
    const members = page.map((n) => `<member>${xmlEscape(n)}</member>`).join('');
    return `<phoneNumbers>${members}</phoneNumbers>${tokenXml('nextToken', nextToken)}`;
  }
}

/** Query-string and form-body parameters together, body winning, as awsQuery services read them. */
function formParams(req: AwsRequest): Params {
  const params: Params = new Map(req.query);
  for (const [key, value] of new URLSearchParams(req.body)) params.set(key, value);
  return params;
}

/** An awsQuery success document: `<ActionResponse><ActionResult>…</ActionResult>…`. */
function queryResponse(action: string, resultXml: string): AwsResponse {
  const requestId = newRequestId();
  const body =
    `<${action}Response xmlns="${XMLNS}"><${action}Result>${resultXml}</${action}Result>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
  return { status: 200, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
}

function tokenXml(element: string, token: string | undefined): string {
  return token === undefined ? '' : `<${element}>${token}</${element}>`;
}

/** Offset-based pages of `PAGE_SIZE`; the token is the next offset. */
function paginate<T>(items: T[], token: string | undefined): { page: T[]; nextToken?: string } {
  const start = token === undefined || token === '' ? 0 : Number(token);
  if (!Number.isInteger(start) || start < 0) throw invalidParameter('Invalid parameter: NextToken');
  const page = items.slice(start, start + PAGE_SIZE);
  const next = start + PAGE_SIZE;
  return next < items.length ? { page, nextToken: String(next) } : { page };
}

/** E.164 with or without the leading `+`; returns the `+` form, or undefined when invalid. */
function normalizePhone(value: string): string | undefined {
  const match = /^\+?([1-9]\d{1,14})$/.exec(value.trim());
  return match === null ? undefined : `+${match[1]}`;
}

function requirePhone(params: Params, name: string): string {
  const raw = params.get(name);
  if (raw === undefined || raw === '') {
    throw invalidParameter(`Invalid parameter: ${name} Reason: no value for required parameter`);
  }
  const phone = normalizePhone(raw);
  if (phone === undefined)
    throw invalidParameter(`Invalid parameter: PhoneNumber Reason: ${raw} is not valid`);
  return phone;
}

/** The text to deliver; with MessageStructure=json the per-protocol key (or `default`) is used. */
function publishText(params: Params, toPhone: boolean): string {
  const message = params.get('Message') ?? '';
  if (message === '') throw invalidParameter('Invalid parameter: Empty message');
  if (Buffer.byteLength(message, 'utf8') > MAX_MESSAGE_BYTES) {
    throw invalidParameter('Invalid parameter: Message too long');
  }
  if (params.get('MessageStructure') !== 'json') return message;
  const structured = parseStructuredMessage(message);
  const text = (toPhone ? structured.sms : undefined) ?? structured.default;
  if (typeof text !== 'string') {
    throw invalidParameter('Invalid parameter: Message Structure - No default entry in JSON message body');
  }
  return text;
}

function parseStructuredMessage(message: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(message);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // Falls through to the same error as a non-object.
  }
  throw invalidParameter('Invalid parameter: Message Structure - JSON message body failed to parse');
}

function validateSubject(subject: string): void {
  // AWS: ASCII text, no line breaks or control characters, at most 100 characters.
  if (subject === '' || subject.length > 100 || hasControlCharacter(subject)) {
    throw invalidParameter('Invalid parameter: Subject');
  }
}

function hasControlCharacter(text: string): boolean {
  for (const char of text) {
    const code = char.charCodeAt(0);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

function validateTopicName(name: string, attributes: Record<string, string>): void {
  const fifo = name.endsWith('.fifo');
  const base = fifo ? name.slice(0, -'.fifo'.length) : name;
  if (!/^[A-Za-z0-9_-]{1,256}$/.test(base) || name.length > 256) {
    throw invalidParameter('Invalid parameter: Topic Name');
  }
  if (fifo !== (attributes.FifoTopic === 'true') && (fifo || attributes.FifoTopic !== undefined)) {
    throw invalidParameter('Invalid parameter: Fifo Topic names must end with .fifo and must be made FIFO');
  }
}

/** `Prefix.entry.N.key` / `.value` pairs (how awsQuery flattens a map) into a record. */
function collectMap(
  params: Params,
  prefix: string,
  keyName: string,
  valueName: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of entryIndexes(params, `${prefix}.entry.`)) {
    const key = params.get(`${prefix}.entry.${n}.${keyName}`);
    if (key !== undefined) out[key] = params.get(`${prefix}.entry.${n}.${valueName}`) ?? '';
  }
  return out;
}

function collectTags(params: Params): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of entryIndexes(params, 'Tags.member.')) {
    const key = params.get(`Tags.member.${n}.Key`);
    if (key !== undefined) out[key] = params.get(`Tags.member.${n}.Value`) ?? '';
  }
  return out;
}

/** The distinct N of `prefixN.…` keys, in numeric order. */
function entryIndexes(params: Params, prefix: string): number[] {
  const seen = new Set<number>();
  for (const key of params.keys()) {
    if (!key.startsWith(prefix)) continue;
    const n = Number.parseInt(key.slice(prefix.length), 10);
    if (Number.isInteger(n)) seen.add(n);
  }
  return [...seen].sort((a, b) => a - b);
}

/** `MessageAttributes.entry.N.Name/Value.DataType/Value.StringValue|BinaryValue` into name → value. */
function parseMessageAttributes(params: Params): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of entryIndexes(params, 'MessageAttributes.entry.')) {
    const at = (suffix: string) => params.get(`MessageAttributes.entry.${n}.${suffix}`);
    const name = at('Name') ?? '';
    const dataType = at('Value.DataType') ?? '';
    const value = dataType.startsWith('Binary') ? at('Value.BinaryValue') : at('Value.StringValue');
    validateAttribute(name, dataType, value);
    out[name] = value ?? '';
  }
  return out;
}

function validateAttribute(name: string, dataType: string, value: string | undefined): void {
  const invalid = (message: string) => new SnsError(400, 'ParameterValueInvalid', message);
  if (
    !/^[A-Za-z0-9_\-.]{1,256}$/.test(name) ||
    name.startsWith('.') ||
    name.endsWith('.') ||
    name.includes('..')
  ) {
    throw invalid(`The message attribute name '${name}' is invalid.`);
  }
  if (!/^(String|Number|Binary)(\.[A-Za-z0-9_\-.]+)?$/.test(dataType) && dataType !== 'String.Array') {
    throw invalid(
      `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
    );
  }
  if (value === undefined || value === '') {
    throw invalid(
      `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${dataType}'.`,
    );
  }
  if (dataType.startsWith('Number') && !Number.isFinite(Number(value))) {
    throw invalid(`Could not cast message attribute '${name}' value to number.`);
  }
}
