/**
 * Amazon SQS stand-in for the local runtime. The only call served is SendMessage, because that is
 * the only call that reaches SQS here: functions send rejected events and malformed feedback, and
 * the runtime delivers to Lambda on-failure destinations and rule dead-letter queues. Nothing reads
 * the queues through the API. They are created from the template (`ensureQueue`) and keep what was
 * sent, so the local page and the tests can read it with `queues()`.
 *
 * The wire protocol is AWS JSON 1.0, as current SDKs use it (`X-Amz-Target: AmazonSQS.SendMessage`,
 * `application/x-amz-json-1.0`). Errors carry both the JSON `__type` and the
 * `x-amzn-query-error: <Code>;Sender` header, which the SDK's awsQueryCompatible mode reads to raise
 * the modelled exception (QueueDoesNotExist and friends). SendMessage follows the SQS API Reference:
 * - the body may only use the allowed characters;
 * - body plus attributes must be at most 1 MiB;
 * - at most 10 message attributes, with the documented naming and type rules;
 * - MD5 digests of the body and of the attributes (the SDK checks the body's).
 */
import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  type AwsRequest,
  type AwsResponse,
  type AwsServiceHandler,
  header,
  jsonResponse,
  newRequestId,
  parseJsonObject,
} from './protocol.ts';
import { WriteAheadJournal } from './write-ahead-journal.ts';

const CONTENT_TYPE = 'application/x-amz-json-1.0';
const TARGET_PREFIX = 'AmazonSQS.';
/** SQS's maximum (and default) MaximumMessageSize: body plus attribute names, types and values. */
const MAX_PAYLOAD = 1024 * 1024;
const MAX_ATTRIBUTES = 10;

const attributeValueSchema = z.object({
  DataType: z.string(),
  StringValue: z.string().optional(),
  BinaryValue: z.string().optional(),
});

/** A message attribute as SQS stores it; BinaryValue is base64. */
export type SqsAttributeValue = z.infer<typeof attributeValueSchema>;

const messageSchema = z.object({
  messageId: z.string(),
  body: z.string(),
  messageAttributes: z.record(z.string(), attributeValueSchema),
  sentAt: z.number(),
});

type StoredMessage = z.infer<typeof messageSchema>;

const queueSchema = z.object({ name: z.string(), messages: z.array(messageSchema) });

type StoredQueue = z.infer<typeof queueSchema>;

const snapshotSchema = z.object({ queues: z.array(queueSchema) });

/** The persisted state of the SQS stand-in. */
export type SqsSnapshot = z.infer<typeof snapshotSchema>;

/** One message as the page sees it. */
export interface SqsMessageView {
  readonly messageId: string;
  readonly body: string;
  readonly messageAttributes: Record<string, SqsAttributeValue>;
  /** When it was sent, ISO 8601. */
  readonly sentAt: string;
}

/** One queue with its messages, oldest first. */
export interface SqsQueueView {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  readonly messages: SqsMessageView[];
}

/** Constructor options: where queue URLs point, and the clock the runtime owns. */
export interface SqsOptions {
  baseUrl: () => string;
  accountId?: string;
  region?: string;
  now?: () => number;
  /** Where each message is written before SendMessage answers: `adoptJournal` takes them back after a crash. */
  journal?: WriteAheadJournal<JournaledMessage>;
}

/** A message as the journal keeps it, with its queue. */
export interface JournaledMessage {
  readonly queue: string;
  readonly message: StoredMessage;
}

/** The journal an SQS stand-in keeps its messages in, at `path`. */
export function messageJournal(path: string): WriteAheadJournal<JournaledMessage> {
  return new WriteAheadJournal<JournaledMessage>(path, (entry) => entry.message.messageId);
}

/** The error an action raises: HTTP status, the modelled shape name, and the awsQuery code. */
class SqsError extends Error {
  constructor(
    readonly status: number,
    readonly shape: string,
    readonly queryCode: string,
    message: string,
  ) {
    super(message);
  }
}

const invalidValue = (message: string) =>
  new SqsError(400, 'InvalidParameterValue', 'InvalidParameterValue', message);
const missing = (name: string) =>
  new SqsError(
    400,
    'MissingParameter',
    'MissingParameter',
    `The request must contain the parameter ${name}.`,
  );
const queueMissing = () =>
  new SqsError(
    400,
    'QueueDoesNotExist',
    'AWS.SimpleQueueService.NonExistentQueue',
    'The specified queue does not exist.',
  );

type Input = Record<string, unknown>;
type Output = Record<string, unknown>;

/** In-memory SQS: serve `handler`; create queues with `ensureQueue`; read them with `queues()`. */
export class SqsService {
  readonly accountId: string;
  readonly region: string;
  /** The JSON 1.0 endpoint; never throws. */
  readonly handler: AwsServiceHandler = (req) => Promise.resolve(this.handle(req));

  private readonly baseUrl: () => string;
  private readonly now: () => number;
  private store = new Map<string, StoredQueue>();
  private readonly journal: WriteAheadJournal<JournaledMessage> | undefined;

  constructor(options: SqsOptions) {
    this.baseUrl = options.baseUrl;
    this.journal = options.journal;
    this.accountId = options.accountId ?? '000000000000';
    this.region = options.region ?? 'us-east-1';
    this.now = options.now ?? Date.now;
  }

  /** Creates a standard queue unless it exists (a template's queue); returns its URL. */
  ensureQueue(name: string): string {
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) {
      // A `.fifo` name lands here too: FIFO queues are not modelled locally.
      throw new Error(`The local SQS stand-in cannot create queue ${name}: standard queue names only`);
    }
    if (!this.store.has(name)) this.store.set(name, { name, messages: [] });
    return this.queueUrl(name);
  }

  /** The URL a queue has (or would have) at the current base URL. */
  queueUrl(name: string): string {
    return `${this.baseUrl().replace(/\/+$/, '')}/${this.accountId}/${name}`;
  }

  /** Every queue with its messages (copies). */
  queues(): SqsQueueView[] {
    return [...this.store.values()].map((queue) => ({
      name: queue.name,
      url: this.queueUrl(queue.name),
      arn: `arn:aws:sqs:${this.region}:${this.accountId}:${queue.name}`,
      messages: queue.messages.map((m) => ({
        messageId: m.messageId,
        body: m.body,
        messageAttributes: structuredClone(m.messageAttributes),
        sentAt: new Date(m.sentAt).toISOString(),
      })),
    }));
  }

  /** JSON-serializable state for persistence. */
  snapshot(): SqsSnapshot {
    return structuredClone({ queues: [...this.store.values()] });
  }

  /** Replaces the state with a snapshot; throws on data that is not one. */
  restore(data: unknown): void {
    const parsed = snapshotSchema.safeParse(data);
    if (!parsed.success) throw new Error(`Invalid SQS snapshot: ${parsed.error.message}`);
    this.store = new Map(parsed.data.queues.map((q) => [q.name, q]));
  }

  /**
   * Takes the journal's messages as the queues' contents (it holds every message sent, so it is
   * newer than any snapshot), then starts it afresh with them; without a journal yet, starts one
   * with the snapshot's. Returns how many messages it gave back that the snapshot did not have.
   */
  adoptJournal(): number {
    const journal = this.journal;
    if (!journal) return 0;
    let recovered = 0;
    if (journal.exists()) {
      const known = new Set([...this.store.values()].flatMap((q) => q.messages.map((m) => m.messageId)));
      for (const queue of this.store.values()) queue.messages = [];
      for (const { queue, message } of journal.pending()) {
        if (!known.has(message.messageId)) recovered++;
        let stored = this.store.get(queue);
        if (!stored) {
          stored = { name: queue, messages: [] };
          this.store.set(queue, stored);
        }
        stored.messages.push(message);
      }
    }
    journal.reset(
      [...this.store.values()].flatMap((q) => q.messages.map((message) => ({ queue: q.name, message }))),
    );
    return recovered;
  }

  /** Writes nothing more to the journal: what a process that dies leaves behind. */
  closeJournal(): void {
    this.journal?.close();
  }

  private handle(req: AwsRequest): AwsResponse {
    try {
      const target = header(req, 'x-amz-target') ?? '';
      if (!target.startsWith(TARGET_PREFIX)) {
        throw new SqsError(
          400,
          'UnknownOperationException',
          'InvalidAction',
          'Missing or unknown X-Amz-Target.',
        );
      }
      const input = parseJsonObject(req.body);
      if (input === undefined) {
        throw new SqsError(
          400,
          'SerializationException',
          'SerializationException',
          'Request body is not a JSON object.',
        );
      }
      const action = target.slice(TARGET_PREFIX.length);
      if (action !== 'SendMessage') {
        throw new SqsError(
          400,
          'UnknownOperationException',
          'InvalidAction',
          `The local SQS stand-in serves SendMessage only, not ${action}.`,
        );
      }
      return jsonResponse(200, CONTENT_TYPE, this.sendMessage(input));
    } catch (err) {
      return errorResponse(err);
    }
  }

  /** The queue a request's QueueUrl names; only the `/<account>/<name>` path counts, not the host. */
  private resolve(input: Input): StoredQueue {
    const url = requiredString(input, 'QueueUrl');
    const [account, name] = pathOf(url).split('/').filter(Boolean).slice(-2);
    const queue = name === undefined ? undefined : this.store.get(name);
    if (queue === undefined || account !== this.accountId) throw queueMissing();
    return queue;
  }

  private sendMessage(input: Input): Output {
    const queue = this.resolve(input);
    const body = input.MessageBody;
    if (typeof body !== 'string' || body === '') throw missing('MessageBody');
    validateBody(body);
    const messageAttributes = parseMessageAttributes(input.MessageAttributes);
    if (payloadSize(body, messageAttributes) > MAX_PAYLOAD) {
      throw invalidValue(
        `One or more parameters are invalid. Reason: Message must be shorter than ${MAX_PAYLOAD} bytes.`,
      );
    }
    // Accepted as SQS accepts it; nothing receives, so a delay would never show.
    optionalInteger(input, 'DelaySeconds', 0, 900);
    if (input.MessageDeduplicationId !== undefined && input.MessageDeduplicationId !== null) {
      throw invalidValue(
        'Value for parameter MessageDeduplicationId is invalid. Reason: The request includes a parameter that is not valid for this queue type.',
      );
    }
    const message: StoredMessage = {
      messageId: randomUUID(),
      body,
      messageAttributes,
      sentAt: this.now(),
    };
    queue.messages.push(message);
    this.journal?.opened({ queue: queue.name, message });
    return {
      MessageId: message.messageId,
      MD5OfMessageBody: md5Hex(body),
      ...(Object.keys(messageAttributes).length > 0
        ? { MD5OfMessageAttributes: md5OfMessageAttributes(messageAttributes) }
        : {}),
    };
  }
}

// ----- wire helpers -----------------------------------------------------------------------------

function errorResponse(err: unknown): AwsResponse {
  const error =
    err instanceof SqsError
      ? err
      : new SqsError(
          500,
          'InternalFailure',
          'InternalFailure',
          err instanceof Error ? err.message : String(err),
        );
  const fault = error.status >= 500 ? 'Receiver' : 'Sender';
  return {
    status: error.status,
    headers: {
      'content-type': CONTENT_TYPE,
      'x-amzn-requestid': newRequestId(),
      'x-amzn-query-error': `${error.queryCode};${fault}`,
      'x-amzn-errortype': error.shape,
    },
    body: JSON.stringify({ __type: `com.amazonaws.sqs#${error.shape}`, message: error.message }),
  };
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url; // A bare "/<account>/<name>" path is accepted too.
  }
}

function requiredString(input: Input, key: string): string {
  const value = input[key];
  if (value === undefined || value === null || value === '') throw missing(key);
  if (typeof value !== 'string')
    throw invalidValue(`Value for parameter ${key} is invalid. Reason: must be a string.`);
  return value;
}

function optionalInteger(input: Input, key: string, min: number, max: number): number | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidValue(
      `Value ${String(value)} for parameter ${key} is invalid. Reason: Must be between ${min} and ${max}.`,
    );
  }
  return value;
}

/** SQS accepts only these XML-safe characters in a body. */
function validateBody(body: string): void {
  for (const char of body) {
    const c = char.codePointAt(0) ?? 0;
    const ok =
      c === 0x9 ||
      c === 0xa ||
      c === 0xd ||
      (c >= 0x20 && c <= 0xd7ff) ||
      (c >= 0xe000 && c <= 0xfffd) ||
      c >= 0x10000;
    if (!ok) {
      throw new SqsError(
        400,
        'InvalidMessageContents',
        'InvalidMessageContents',
        'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
      );
    }
  }
}

function parseMessageAttributes(value: unknown): Record<string, SqsAttributeValue> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw invalidValue('MessageAttributes must be a map.');
  const entries = Object.entries(value);
  if (entries.length > MAX_ATTRIBUTES) {
    throw invalidValue(
      `Number of message attributes [${entries.length}] exceeds the allowed maximum [${MAX_ATTRIBUTES}].`,
    );
  }
  const out: Record<string, SqsAttributeValue> = {};
  for (const [name, raw] of entries) out[name] = parseAttribute(name, raw);
  return out;
}

function parseAttribute(name: string, raw: unknown): SqsAttributeValue {
  if (
    !/^[A-Za-z0-9_\-.]{1,256}$/.test(name) ||
    name.startsWith('.') ||
    name.endsWith('.') ||
    name.includes('..')
  ) {
    throw invalidValue(`Message (user) attribute name '${name}' is invalid.`);
  }
  if (/^(aws|amazon)\./i.test(name))
    throw invalidValue(`Message (user) attribute name '${name}' is reserved.`);
  const parsed = attributeValueSchema.safeParse(raw);
  if (!parsed.success) throw invalidValue(`Message (user) attribute '${name}' is malformed.`);
  const { DataType, StringValue, BinaryValue } = parsed.data;
  if (!/^(String|Number|Binary)(\.[A-Za-z0-9_\-.]+)?$/.test(DataType)) {
    throw invalidValue(
      `The type of message (user) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`,
    );
  }
  const binary = DataType.startsWith('Binary');
  const value = binary ? BinaryValue : StringValue;
  if (value === undefined || value === '') {
    throw invalidValue(
      `Message (user) attribute '${name}' must contain a non-empty value of type '${DataType}'.`,
    );
  }
  if (DataType.startsWith('Number') && !Number.isFinite(Number(value))) {
    throw invalidValue(`Message (user) attribute '${name}' value is not a number.`);
  }
  return binary ? { DataType, BinaryValue: value } : { DataType, StringValue: value };
}

/** Body plus attribute names, types and values: what counts toward the size limit. */
function payloadSize(body: string, attributes: Record<string, SqsAttributeValue>): number {
  let size = Buffer.byteLength(body, 'utf8');
  for (const [name, attribute] of Object.entries(attributes)) {
    const value = attribute.BinaryValue
      ? Buffer.from(attribute.BinaryValue, 'base64')
      : Buffer.from(attribute.StringValue ?? '', 'utf8');
    size += Buffer.byteLength(name + attribute.DataType, 'utf8') + value.length;
  }
  return size;
}

/** Hex MD5 of a UTF-8 string: MD5OfMessageBody. */
export function md5Hex(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

/**
 * MD5OfMessageAttributes per the SQS Developer Guide: attributes sorted by name, each encoded as
 * name, data type (both length-prefixed, 4-byte big-endian), a transport byte (1 string, 2 binary),
 * then the length-prefixed value bytes.
 */
export function md5OfMessageAttributes(attrs: Record<string, SqsAttributeValue>): string {
  const hash = createHash('md5');
  const lengthPrefixed = (bytes: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.length);
    hash.update(len);
    hash.update(bytes);
  };
  for (const name of Object.keys(attrs).sort()) {
    const attr = attrs[name];
    if (attr === undefined) continue;
    lengthPrefixed(Buffer.from(name, 'utf8'));
    lengthPrefixed(Buffer.from(attr.DataType, 'utf8'));
    const binary = attr.DataType.startsWith('Binary');
    hash.update(Buffer.from([binary ? 2 : 1]));
    lengthPrefixed(
      binary ? Buffer.from(attr.BinaryValue ?? '', 'base64') : Buffer.from(attr.StringValue ?? '', 'utf8'),
    );
  }
  return hash.digest('hex');
}
