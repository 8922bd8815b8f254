/**
 * Amazon SNS stand-in for the local runtime. It speaks the awsQuery protocol (form-encoded POST,
 * XML answers in the 2010-03-31 namespace) and keeps everything in memory. It serves Publish to a
 * phone number, the one call relance makes (its SMS sender), written from the SNS API Reference.
 * Nothing is delivered anywhere: every accepted Publish lands in an outbox that the runtime and the
 * local page read.
 *
 * Opt-outs follow AWS: a Publish to an opted-out number is accepted (200, a MessageId) and then the
 * delivery fails ("Phone is currently opted out" in SNS's delivery-status logs). So the outbox
 * record carries `status: 'FAILURE'`; the call does not throw. Numbers join the opt-out list
 * through `optOut`, as a recipient's STOP reply does.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { Outbox } from './outbox.ts';
import {
  type AwsRequest,
  type AwsResponse,
  type AwsServiceHandler,
  awsQueryError,
  newRequestId,
} from './protocol.ts';

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const MAX_MESSAGE_BYTES = 256 * 1024;
const OPTED_OUT_RESPONSE = 'Phone is currently opted out';

/** One published SMS as the outbox keeps it. */
export interface SnsMessage {
  messageId: string;
  /** When it was accepted, ISO 8601. */
  at: string;
  /** E.164, with its `+`. */
  phoneNumber: string;
  message: string;
  /** Message attributes by name; Binary values are base64. */
  attributes: Record<string, string>;
  /** SUCCESS when it would reach the phone; FAILURE when SNS drops it (opted-out number). */
  status: 'SUCCESS' | 'FAILURE';
  /** Why a FAILURE was not delivered, worded as SNS's delivery-status logs word it. */
  providerResponse?: string;
}

/** Errors `failNext` can inject into Publish. */
export type SnsInjectedFailure = 'Throttling' | 'InvalidParameter';

/** Constructor options; `now` lets the runtime's clock stamp messages. */
export interface SnsOptions {
  now?: () => number;
  /** Messages the outbox keeps (./outbox.ts). */
  outboxLimit?: number;
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

const snapshotSchema = z.object({
  optedOut: z.array(z.string()),
  outbox: z.array(
    z.object({
      messageId: z.string(),
      at: z.string(),
      phoneNumber: z.string(),
      message: z.string(),
      attributes: z.record(z.string(), z.string()),
      status: z.enum(['SUCCESS', 'FAILURE']),
      providerResponse: z.string().optional(),
    }),
  ),
});

/** The persisted state of the SNS stand-in. */
export type SnsSnapshot = z.infer<typeof snapshotSchema>;

/** In-memory SNS: serve `handler`, read `outbox()`, observe with `onPublish`. */
export class SnsService {
  /** The awsQuery endpoint; never throws. */
  readonly handler: AwsServiceHandler = (req) => Promise.resolve(this.handle(req));

  private readonly now: () => number;
  private optedOut = new Set<string>();
  /** Accepted Publish calls, most recent kept (./outbox.ts). */
  readonly sent: Outbox<SnsMessage>;
  private listeners = new Set<PublishListener>();
  private injected: SnsInjectedFailure[] = [];

  constructor(options: SnsOptions = {}) {
    this.now = options.now ?? Date.now;
    this.sent = new Outbox(options.outboxLimit);
  }

  /** The accepted Publish calls kept (the most recent), oldest first (copies). */
  outbox(): SnsMessage[] {
    return this.sent.kept().map((m) => ({ ...m, attributes: { ...m.attributes } }));
  }

  /** Calls `listener` for each accepted Publish; returns an unsubscribe function. */
  onPublish(listener: PublishListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Makes the next `count` Publish calls fail with `code` (Throttling is retried by SDKs). */
  failNext(code: SnsInjectedFailure, count = 1): void {
    for (let i = 0; i < count; i++) this.injected.push(code);
  }

  /** Simulates a recipient replying STOP: the number joins the account's opt-out list. */
  optOut(phoneNumber: string): void {
    this.optedOut.add(normalizePhone(phoneNumber) ?? phoneNumber);
  }

  /** JSON-serializable state for persistence. */
  snapshot(): SnsSnapshot {
    return { optedOut: [...this.optedOut], outbox: this.outbox() };
  }

  /** Replaces the state with a snapshot; throws on data that is not one. */
  restore(data: unknown): void {
    const parsed = snapshotSchema.safeParse(data);
    if (!parsed.success) throw new Error(`Invalid SNS snapshot: ${parsed.error.message}`);
    this.optedOut = new Set(parsed.data.optedOut);
    this.sent.restore(parsed.data.outbox);
  }

  private handle(req: AwsRequest): AwsResponse {
    try {
      const params = formParams(req);
      const action = params.get('Action');
      if (action === undefined || action === '') {
        throw new SnsError(400, 'MissingAction', 'The request must contain the parameter Action.');
      }
      if (action !== 'Publish') {
        throw new SnsError(400, 'InvalidAction', `The action ${action} is not valid for this web service.`);
      }
      return queryResponse(action, `<MessageId>${this.publish(params)}</MessageId>`);
    } catch (err) {
      if (err instanceof SnsError) return awsQueryError(err.status, err.code, err.message, { xmlns: XMLNS });
      const message = err instanceof Error ? err.message : String(err);
      return awsQueryError(500, 'InternalError', message, { type: 'Receiver', xmlns: XMLNS });
    }
  }

  private publish(params: Params): string {
    const injected = this.injected.shift();
    if (injected === 'Throttling') throw new SnsError(400, 'Throttling', 'Rate exceeded');
    if (injected === 'InvalidParameter') throw invalidParameter('Invalid parameter: injected failure');

    const phoneNumber = publishDestination(params);
    const message = publishText(params);
    const optedOut = this.optedOut.has(phoneNumber);
    const entry: SnsMessage = {
      messageId: randomUUID(),
      at: new Date(this.now()).toISOString(),
      phoneNumber,
      message,
      attributes: parseMessageAttributes(params),
      status: optedOut ? 'FAILURE' : 'SUCCESS',
      ...(optedOut ? { providerResponse: OPTED_OUT_RESPONSE } : {}),
    };
    this.sent.add(entry);
    this.notify(entry);
    return entry.messageId;
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
}

/**
 * The phone number a Publish names. Exactly one of TopicArn, TargetArn and PhoneNumber names where
 * the message goes; the local account has no topics or platform endpoints, so an ARN is not found.
 */
function publishDestination(params: Params): string {
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
  if (topicArn !== undefined) throw new SnsError(404, 'NotFound', 'Topic does not exist');
  if (targetArn !== undefined) throw new SnsError(404, 'NotFound', 'Endpoint does not exist');
  const phoneNumber = normalizePhone(phone ?? '');
  if (phoneNumber === undefined) {
    throw invalidParameter(`Invalid parameter: PhoneNumber Reason: ${phone} is not valid to publish to`);
  }
  return phoneNumber;
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

/** E.164 with or without the leading `+`; returns the `+` form, or undefined when invalid. */
function normalizePhone(value: string): string | undefined {
  const match = /^\+?([1-9]\d{1,14})$/.exec(value.trim());
  return match === null ? undefined : `+${match[1]}`;
}

/** The text to deliver; with MessageStructure=json the `sms` key (or `default`) is used. */
function publishText(params: Params): string {
  const message = params.get('Message') ?? '';
  if (message === '') throw invalidParameter('Invalid parameter: Empty message');
  if (Buffer.byteLength(message, 'utf8') > MAX_MESSAGE_BYTES) {
    throw invalidParameter('Invalid parameter: Message too long');
  }
  if (params.get('MessageStructure') !== 'json') return message;
  const structured = parseStructuredMessage(message);
  const text = structured.sms ?? structured.default;
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
