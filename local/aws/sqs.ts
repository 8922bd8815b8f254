/**
 * Amazon SQS stand-in for the local runtime, speaking the AWS JSON 1.0 protocol current SDKs use
 * (`X-Amz-Target: AmazonSQS.<Action>`, `application/x-amz-json-1.0`). Errors carry both the JSON
 * `__type` and the `x-amzn-query-error: <Code>;Sender` header, which the SDK's awsQueryCompatible
 * mode reads to raise the modelled exception (QueueDoesNotExist and friends).
 *
 * Written from the SQS API Reference and Developer Guide: visibility timeouts, delays, retention,
 * redrive to a dead-letter queue after maxReceiveCount, FIFO groups and 5-minute deduplication,
 * MD5 digests of bodies and message attributes (the SDK checks the body digests), long polling.
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

const CONTENT_TYPE = 'application/x-amz-json-1.0';
const TARGET_PREFIX = 'AmazonSQS.';
const MAX_BATCH = 10;
const MAX_PAYLOAD = 1024 * 1024;
const MAX_ATTRIBUTES = 10;
const DEDUP_WINDOW_MS = 5 * 60 * 1000;

/** Queue attributes a new queue starts with (SQS defaults). */
const DEFAULT_ATTRIBUTES: Readonly<Record<string, string>> = {
  VisibilityTimeout: '30',
  MessageRetentionPeriod: '345600',
  DelaySeconds: '0',
  MaximumMessageSize: String(MAX_PAYLOAD),
  ReceiveMessageWaitTimeSeconds: '0',
  SqsManagedSseEnabled: 'true',
};

/** Settable attributes with their allowed integer range, when they are integers. */
const SETTABLE_ATTRIBUTES: Readonly<Record<string, readonly [number, number] | null>> = {
  VisibilityTimeout: [0, 43200],
  MessageRetentionPeriod: [60, 1209600],
  DelaySeconds: [0, 900],
  MaximumMessageSize: [1024, MAX_PAYLOAD],
  ReceiveMessageWaitTimeSeconds: [0, 20],
  KmsDataKeyReusePeriodSeconds: [60, 86400],
  Policy: null,
  RedrivePolicy: null,
  RedriveAllowPolicy: null,
  KmsMasterKeyId: null,
  SqsManagedSseEnabled: null,
  FifoQueue: null,
  ContentBasedDeduplication: null,
  DeduplicationScope: null,
  FifoThroughputLimit: null,
};

const COMPUTED_ATTRIBUTES = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'QueueArn',
];

const MESSAGE_SYSTEM_ATTRIBUTES = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'SequenceNumber',
  'MessageDeduplicationId',
  'MessageGroupId',
  'AWSTraceHeader',
];

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
  md5OfBody: z.string(),
  messageAttributes: z.record(z.string(), attributeValueSchema),
  traceHeader: z.string().optional(),
  sentAt: z.number(),
  visibleAt: z.number(),
  receiveCount: z.number(),
  firstReceivedAt: z.number().optional(),
  receipt: z.string().optional(),
  groupId: z.string().optional(),
  deduplicationId: z.string().optional(),
  sequenceNumber: z.string().optional(),
});

type StoredMessage = z.infer<typeof messageSchema>;

const queueSchema = z.object({
  name: z.string(),
  createdAt: z.number(),
  modifiedAt: z.number(),
  attributes: z.record(z.string(), z.string()),
  tags: z.record(z.string(), z.string()),
  messages: z.array(messageSchema),
  dedup: z.array(
    z.object({
      id: z.string(),
      messageId: z.string(),
      sequenceNumber: z.string().optional(),
      at: z.number(),
    }),
  ),
});

type StoredQueue = z.infer<typeof queueSchema>;

const snapshotSchema = z.object({ queues: z.array(queueSchema), sequence: z.number() });

/** The persisted state of the SQS stand-in. */
export type SqsSnapshot = z.infer<typeof snapshotSchema>;

/** One message as the dashboard sees it. */
export interface SqsMessageView {
  messageId: string;
  body: string;
  messageAttributes: Record<string, SqsAttributeValue>;
  sentAt: string;
  state: 'visible' | 'inflight' | 'delayed';
  receiveCount: number;
  groupId?: string;
}

/** One queue with its messages, for the dashboard and the runtime. */
export interface SqsQueueView {
  name: string;
  url: string;
  arn: string;
  attributes: Record<string, string>;
  messages: SqsMessageView[];
}

/** Constructor options: where queue URLs point, and the clock the runtime owns. */
export interface SqsOptions {
  baseUrl: () => string;
  accountId?: string;
  region?: string;
  now?: () => number;
  /** Cap on a long poll's real waiting time (default 20 s, SQS's maximum); 0 answers at once. */
  maxWaitMs?: number;
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
const badReceipt = (handle: string) =>
  new SqsError(
    404,
    'ReceiptHandleIsInvalid',
    'ReceiptHandleIsInvalid',
    `The input receipt handle "${handle}" is not a valid receipt handle.`,
  );

type Input = Record<string, unknown>;
type Output = Record<string, unknown>;

/** Per-entry outcome of a batch action. */
type BatchResult = { ok: true; value: Output } | { ok: false; code: string; message: string };

/** In-memory SQS: serve `handler`; pre-create with `ensureQueue`; inspect with `queues()`. */
export class SqsService {
  readonly accountId: string;
  readonly region: string;
  /** The JSON 1.0 endpoint; never throws. */
  readonly handler: AwsServiceHandler = (req) => this.handle(req);

  private readonly baseUrl: () => string;
  private readonly now: () => number;
  private readonly maxWaitMs: number;
  private store = new Map<string, StoredQueue>();
  private sequence = 0;
  private waiters = new Map<string, Set<() => void>>();

  constructor(options: SqsOptions) {
    this.baseUrl = options.baseUrl;
    this.accountId = options.accountId ?? '000000000000';
    this.region = options.region ?? 'us-east-1';
    this.now = options.now ?? Date.now;
    this.maxWaitMs = options.maxWaitMs ?? 20_000;
  }

  /** Create the queue if it does not exist (runtime bootstrap); returns its URL. */
  ensureQueue(name: string, attributes: Record<string, string> = {}): string {
    if (!this.store.has(name)) this.createQueue(name, attributes, {});
    return this.queueUrl(name);
  }

  /** The URL a queue has (or would have) at the current base URL. */
  queueUrl(name: string): string {
    return `${this.baseUrl().replace(/\/+$/, '')}/${this.accountId}/${name}`;
  }

  /** Every queue with its messages (copies). */
  queues(): SqsQueueView[] {
    const now = this.now();
    return [...this.store.values()].map((queue) => ({
      name: queue.name,
      url: this.queueUrl(queue.name),
      arn: this.queueArn(queue.name),
      attributes: this.attributesOf(queue, ['All']),
      messages: queue.messages.map((m) => messageView(m, now)),
    }));
  }

  /** JSON-serializable state for persistence. */
  snapshot(): SqsSnapshot {
    return structuredClone({ queues: [...this.store.values()], sequence: this.sequence });
  }

  /** Replace the state with a snapshot; throws on data that is not one. */
  restore(data: unknown): void {
    const parsed = snapshotSchema.safeParse(data);
    if (!parsed.success) throw new Error(`Invalid SQS snapshot: ${parsed.error.message}`);
    this.store = new Map(parsed.data.queues.map((q) => [q.name, q]));
    this.sequence = parsed.data.sequence;
  }

  /** Release every pending long poll at once (shutdown). */
  wakeAll(): void {
    for (const set of this.waiters.values()) for (const wake of set) wake();
    this.waiters.clear();
  }

  private async handle(req: AwsRequest): Promise<AwsResponse> {
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
      const output = await this.dispatch(target.slice(TARGET_PREFIX.length), input);
      return jsonResponse(200, CONTENT_TYPE, output);
    } catch (err) {
      return errorResponse(err);
    }
  }

  private dispatch(action: string, input: Input): Output | Promise<Output> {
    switch (action) {
      case 'CreateQueue':
        return this.createQueueAction(input);
      case 'GetQueueUrl':
        return this.getQueueUrl(input);
      case 'ListQueues':
        return this.listQueues(input);
      case 'DeleteQueue':
        this.store.delete(this.resolve(input).name);
        return {};
      case 'SendMessage':
        return this.sendMessageAction(input);
      case 'SendMessageBatch':
        return this.sendMessageBatch(input);
      case 'ReceiveMessage':
        return this.receiveMessage(input);
      case 'DeleteMessage':
        this.deleteMessage(this.resolve(input), requiredString(input, 'ReceiptHandle'));
        return {};
      case 'DeleteMessageBatch':
        return this.deleteMessageBatch(input);
      case 'ChangeMessageVisibility':
        return this.changeVisibility(input);
      case 'GetQueueAttributes':
        return this.getQueueAttributes(input);
      case 'SetQueueAttributes':
        return this.setQueueAttributes(input);
      case 'PurgeQueue':
        this.resolve(input).messages = [];
        return {};
      default:
        throw new SqsError(400, 'UnknownOperationException', 'InvalidAction', `Unknown operation ${action}.`);
    }
  }

  // ----- queues -----------------------------------------------------------------------------

  private createQueueAction(input: Input): Output {
    const name = requiredString(input, 'QueueName');
    const attributes = stringRecord(input, 'Attributes');
    const existing = this.store.get(name);
    if (existing !== undefined) {
      // CreateQueue is idempotent unless it asks for different attribute values.
      const differs = Object.entries(attributes).some(([k, v]) => (existing.attributes[k] ?? '') !== v);
      if (differs) {
        throw new SqsError(
          400,
          'QueueNameExists',
          'QueueAlreadyExists',
          'A queue already exists with the same name and a different value for attribute(s).',
        );
      }
      return { QueueUrl: this.queueUrl(name) };
    }
    this.createQueue(name, attributes, stringRecord(input, 'tags'));
    return { QueueUrl: this.queueUrl(name) };
  }

  private createQueue(name: string, attributes: Record<string, string>, tags: Record<string, string>): void {
    validateQueueName(name, attributes);
    validateAttributes(attributes);
    const now = this.now();
    const base = name.endsWith('.fifo')
      ? { ...DEFAULT_ATTRIBUTES, ContentBasedDeduplication: 'false' }
      : DEFAULT_ATTRIBUTES;
    this.store.set(name, {
      name,
      createdAt: now,
      modifiedAt: now,
      attributes: { ...base, ...attributes },
      tags,
      messages: [],
      dedup: [],
    });
  }

  private getQueueUrl(input: Input): Output {
    const name = requiredString(input, 'QueueName');
    const owner = optionalString(input, 'QueueOwnerAWSAccountId');
    if (!this.store.has(name) || (owner !== undefined && owner !== this.accountId)) throw queueMissing();
    return { QueueUrl: this.queueUrl(name) };
  }

  private listQueues(input: Input): Output {
    const prefix = optionalString(input, 'QueueNamePrefix') ?? '';
    const max = optionalInteger(input, 'MaxResults', 1, 1000);
    const names = [...this.store.keys()].filter((n) => n.startsWith(prefix)).sort();
    const start = decodeOffset(optionalString(input, 'NextToken'));
    const end = max === undefined ? names.length : start + max;
    const urls = names.slice(start, end).map((n) => this.queueUrl(n));
    const output: Output = urls.length > 0 ? { QueueUrls: urls } : {};
    if (max !== undefined && end < names.length) output.NextToken = String(end);
    return output;
  }

  /** The queue a request's QueueUrl names; only the `/<account>/<name>` path counts, not the host. */
  private resolve(input: Input): StoredQueue {
    const url = requiredString(input, 'QueueUrl');
    const parts = pathOf(url).split('/').filter(Boolean);
    const [account, name] = parts.slice(-2);
    const queue = name === undefined ? undefined : this.store.get(name);
    if (queue === undefined || account !== this.accountId) throw queueMissing();
    return queue;
  }

  private queueArn(name: string): string {
    return `arn:aws:sqs:${this.region}:${this.accountId}:${name}`;
  }

  private getQueueAttributes(input: Input): Output {
    const queue = this.resolve(input);
    const names = stringList(input, 'AttributeNames');
    const known = new Set(['All', ...Object.keys(SETTABLE_ATTRIBUTES), ...COMPUTED_ATTRIBUTES]);
    const unknown = names.find((n) => !known.has(n));
    if (unknown !== undefined) {
      throw new SqsError(
        400,
        'InvalidAttributeName',
        'InvalidAttributeName',
        `Unknown Attribute ${unknown}.`,
      );
    }
    const attributes = this.attributesOf(queue, names);
    return Object.keys(attributes).length > 0 ? { Attributes: attributes } : {};
  }

  private attributesOf(queue: StoredQueue, names: string[]): Record<string, string> {
    const now = this.now();
    this.expire(queue, now);
    const counts = { visible: 0, inflight: 0, delayed: 0 };
    for (const m of queue.messages) counts[messageState(m, now)]++;
    const all: Record<string, string> = {
      ...queue.attributes,
      ApproximateNumberOfMessages: String(counts.visible),
      ApproximateNumberOfMessagesNotVisible: String(counts.inflight),
      ApproximateNumberOfMessagesDelayed: String(counts.delayed),
      CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
      LastModifiedTimestamp: String(Math.floor(queue.modifiedAt / 1000)),
      QueueArn: this.queueArn(queue.name),
    };
    if (names.includes('All')) return all;
    return Object.fromEntries(names.flatMap((n) => (all[n] === undefined ? [] : [[n, all[n]]])));
  }

  private setQueueAttributes(input: Input): Output {
    const queue = this.resolve(input);
    const attributes = stringRecord(input, 'Attributes');
    validateAttributes(attributes);
    if ('FifoQueue' in attributes && attributes.FifoQueue !== queue.attributes.FifoQueue) {
      throw invalidValue(
        'Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.',
      );
    }
    Object.assign(queue.attributes, attributes);
    queue.modifiedAt = this.now();
    return {};
  }

  // ----- sending ----------------------------------------------------------------------------

  private sendMessageAction(input: Input): Output {
    const queue = this.resolve(input);
    const result = this.send(queue, input);
    this.wake(queue.name);
    return result;
  }

  private sendMessageBatch(input: Input): Output {
    const queue = this.resolve(input);
    const entries = batchEntries(input);
    const size = entries.reduce((sum, e) => sum + payloadSize(e), 0);
    if (size > MAX_PAYLOAD) {
      throw new SqsError(
        400,
        'BatchRequestTooLong',
        'AWS.SimpleQueueService.BatchRequestTooLong',
        `Batch requests cannot be longer than ${MAX_PAYLOAD} bytes.`,
      );
    }
    const output = runBatch(entries, (entry) => this.send(queue, entry));
    this.wake(queue.name);
    return output;
  }

  /** Validate and enqueue one message; returns the SendMessage result fields. */
  private send(queue: StoredQueue, input: Input): Output {
    const body = input.MessageBody;
    if (typeof body !== 'string' || body === '') throw missing('MessageBody');
    validateBody(body);
    const messageAttributes = parseMessageAttributes(input.MessageAttributes);
    const maxSize = Number(queue.attributes.MaximumMessageSize ?? MAX_PAYLOAD);
    if (payloadSize(input) > maxSize) {
      throw invalidValue(
        `One or more parameters are invalid. Reason: Message must be shorter than ${maxSize} bytes.`,
      );
    }
    const now = this.now();
    const fifo = queue.attributes.FifoQueue === 'true';
    const delay = optionalInteger(input, 'DelaySeconds', 0, 900);
    if (fifo && delay !== undefined) {
      throw invalidValue(
        `Value ${delay} for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.`,
      );
    }
    const fifoFields = fifo ? this.fifoFields(queue, input, body, now) : standardFields(input);
    if (fifoFields.duplicateOf !== undefined) return fifoFields.duplicateOf;
    const message: StoredMessage = {
      messageId: randomUUID(),
      body,
      md5OfBody: md5Hex(body),
      messageAttributes,
      ...traceHeader(input),
      sentAt: now,
      visibleAt: now + 1000 * (delay ?? Number(queue.attributes.DelaySeconds ?? 0)),
      receiveCount: 0,
      ...fifoFields.fields,
    };
    queue.messages.push(message);
    if (fifo && message.deduplicationId !== undefined) {
      queue.dedup.push({
        id: message.deduplicationId,
        messageId: message.messageId,
        sequenceNumber: message.sequenceNumber,
        at: now,
      });
    }
    return sendResult(message);
  }

  /** FIFO rules: a group id is required, and a deduplication id (explicit or content-based). */
  private fifoFields(
    queue: StoredQueue,
    input: Input,
    body: string,
    now: number,
  ): { fields: Partial<StoredMessage>; duplicateOf?: Output } {
    const groupId = optionalString(input, 'MessageGroupId');
    if (groupId === undefined || groupId === '') throw missing('MessageGroupId');
    const explicit = optionalString(input, 'MessageDeduplicationId');
    const contentBased = queue.attributes.ContentBasedDeduplication === 'true';
    if (explicit === undefined && !contentBased) {
      throw invalidValue(
        'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
      );
    }
    const deduplicationId = explicit ?? createHash('sha256').update(body, 'utf8').digest('hex');
    queue.dedup = queue.dedup.filter((d) => now - d.at < DEDUP_WINDOW_MS);
    const previous = queue.dedup.find((d) => d.id === deduplicationId);
    if (previous !== undefined) {
      // A duplicate inside the window is accepted but not enqueued again (exactly-once send).
      const attrs = parseMessageAttributes(input.MessageAttributes);
      return {
        fields: {},
        duplicateOf: {
          MessageId: previous.messageId,
          MD5OfMessageBody: md5Hex(body),
          ...md5AttributesField(attrs, 'MD5OfMessageAttributes'),
          ...(previous.sequenceNumber === undefined ? {} : { SequenceNumber: previous.sequenceNumber }),
        },
      };
    }
    this.sequence += 1;
    return { fields: { groupId, deduplicationId, sequenceNumber: String(this.sequence).padStart(20, '1') } };
  }

  // ----- receiving --------------------------------------------------------------------------

  private async receiveMessage(input: Input): Promise<Output> {
    const queue = this.resolve(input);
    const max = optionalInteger(input, 'MaxNumberOfMessages', 1, 10) ?? 1;
    const visibility = optionalInteger(input, 'VisibilityTimeout', 0, 43200);
    const wait =
      optionalInteger(input, 'WaitTimeSeconds', 0, 20) ??
      Number(queue.attributes.ReceiveMessageWaitTimeSeconds ?? 0);
    const deadline = Date.now() + Math.min(wait * 1000, this.maxWaitMs);
    let messages = this.take(queue, max, visibility);
    // Long polling: wait (in real time) for a send to this queue instead of answering empty.
    while (messages.length === 0 && Date.now() < deadline && this.store.get(queue.name) === queue) {
      await this.waitForSend(queue.name, deadline - Date.now());
      messages = this.take(queue, max, visibility);
    }
    const systemNames = [
      ...stringList(input, 'AttributeNames'),
      ...stringList(input, 'MessageSystemAttributeNames'),
    ];
    const attributeNames = stringList(input, 'MessageAttributeNames');
    const rendered = messages.map((m) =>
      renderReceived(queue.name, m, systemNames, attributeNames, this.accountId),
    );
    return rendered.length > 0 ? { Messages: rendered } : {};
  }

  /** Pick up to `max` receivable messages and make them in flight. */
  private take(queue: StoredQueue, max: number, visibility: number | undefined): StoredMessage[] {
    const now = this.now();
    this.expire(queue, now);
    this.redrive(queue, now);
    const timeout = visibility ?? Number(queue.attributes.VisibilityTimeout ?? 30);
    const picked = receivable(queue, now).slice(0, max);
    for (const m of picked) {
      m.receiveCount += 1;
      m.firstReceivedAt ??= now;
      m.visibleAt = now + timeout * 1000;
      m.receipt = randomUUID();
    }
    return picked;
  }

  /** Drop messages older than the retention period. */
  private expire(queue: StoredQueue, now: number): void {
    const retentionMs = Number(queue.attributes.MessageRetentionPeriod ?? 345600) * 1000;
    queue.messages = queue.messages.filter((m) => now - m.sentAt < retentionMs);
  }

  /** Move visible messages received maxReceiveCount times to the dead-letter queue, as SQS does. */
  private redrive(queue: StoredQueue, now: number): void {
    const policy = parseRedrivePolicy(queue.attributes.RedrivePolicy);
    if (policy === undefined) return;
    const dlqName = policy.deadLetterTargetArn.split(':').pop() ?? '';
    const dlq = this.store.get(dlqName);
    if (dlq === undefined || dlq === queue) return;
    const exhausted = (m: StoredMessage) => m.visibleAt <= now && m.receiveCount >= policy.maxReceiveCount;
    const moved = queue.messages.filter(exhausted);
    if (moved.length === 0) return;
    queue.messages = queue.messages.filter((m) => !exhausted(m));
    for (const m of moved) {
      const { receipt: _receipt, ...rest } = m;
      // The message keeps its id, body and SentTimestamp; its receive count starts over.
      dlq.messages.push({ ...rest, receiveCount: 0, visibleAt: now });
    }
    this.wake(dlq.name);
  }

  private waitForSend(name: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const set = this.waiters.get(name) ?? new Set<() => void>();
      this.waiters.set(name, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      timer.unref();
      set.add(done);
    });
  }

  private wake(name: string): void {
    const set = this.waiters.get(name);
    if (set === undefined) return;
    this.waiters.delete(name);
    for (const wake of set) wake();
  }

  // ----- deleting and visibility ------------------------------------------------------------

  /** Delete by receipt handle; a stale handle succeeds without deleting, as SQS documents. */
  private deleteMessage(queue: StoredQueue, handle: string): void {
    const receipt = parseReceipt(handle);
    if (receipt === undefined || receipt.queue !== queue.name) throw badReceipt(handle);
    queue.messages = queue.messages.filter(
      (m) => !(m.messageId === receipt.messageId && m.receipt === receipt.nonce),
    );
  }

  private deleteMessageBatch(input: Input): Output {
    const queue = this.resolve(input);
    return runBatch(batchEntries(input), (entry) => {
      this.deleteMessage(queue, requiredString(entry, 'ReceiptHandle'));
      return {};
    });
  }

  private changeVisibility(input: Input): Output {
    const queue = this.resolve(input);
    const handle = requiredString(input, 'ReceiptHandle');
    const timeout = optionalInteger(input, 'VisibilityTimeout', 0, 43200);
    if (timeout === undefined) throw missing('VisibilityTimeout');
    const receipt = parseReceipt(handle);
    if (receipt === undefined || receipt.queue !== queue.name) throw badReceipt(handle);
    const now = this.now();
    const message = queue.messages.find(
      (m) => m.messageId === receipt.messageId && m.receipt === receipt.nonce,
    );
    if (message === undefined || message.visibleAt <= now) {
      throw new SqsError(
        400,
        'MessageNotInflight',
        'AWS.SimpleQueueService.MessageNotInflight',
        'Message is not in flight.',
      );
    }
    message.visibleAt = now + timeout * 1000;
    return {};
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

function optionalString(input: Input, key: string): string | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw invalidValue(`Value for parameter ${key} is invalid. Reason: must be a string.`);
  return value;
}

function requiredString(input: Input, key: string): string {
  const value = optionalString(input, key);
  if (value === undefined || value === '') throw missing(key);
  return value;
}

function optionalInteger(input: Input, key: string, min: number, max: number): number | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw invalidValue(
      `Value ${String(value)} for parameter ${key} is invalid. Reason: Must be between ${min} and ${max}.`,
    );
  }
  return n;
}

function stringRecord(input: Input, key: string): Record<string, string> {
  const value = input[key];
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidValue(`${key} must be a map.`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw invalidValue(`Value for ${key}.${k} must be a string.`);
    out[k] = v;
  }
  return out;
}

function stringList(input: Input, key: string): string[] {
  const value = input[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw invalidValue(`${key} must be a list of strings.`);
  }
  return value;
}

function decodeOffset(token: string | undefined): number {
  if (token === undefined) return 0;
  const n = Number(token);
  if (!Number.isInteger(n) || n < 0) throw invalidValue('Invalid NextToken value.');
  return n;
}

function validateQueueName(name: string, attributes: Record<string, string>): void {
  const fifo = name.endsWith('.fifo');
  const base = fifo ? name.slice(0, -'.fifo'.length) : name;
  if (!/^[A-Za-z0-9_-]{1,80}$/.test(base) || name.length > 80) {
    throw invalidValue(
      'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
    );
  }
  if (fifo !== (attributes.FifoQueue === 'true')) {
    throw invalidValue(
      'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length, and FifoQueue must be true.',
    );
  }
}

function validateAttributes(attributes: Record<string, string>): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (!(name in SETTABLE_ATTRIBUTES)) {
      throw new SqsError(400, 'InvalidAttributeName', 'InvalidAttributeName', `Unknown Attribute ${name}.`);
    }
    const range = SETTABLE_ATTRIBUTES[name];
    const n = Number(value);
    const bad =
      (range != null && (value.trim() === '' || !Number.isInteger(n) || n < range[0] || n > range[1])) ||
      (name === 'RedrivePolicy' && value !== '' && parseRedrivePolicy(value) === undefined);
    if (bad) {
      throw new SqsError(
        400,
        'InvalidAttributeValue',
        'InvalidAttributeValue',
        `Invalid value for the parameter ${name}.`,
      );
    }
  }
}

function parseRedrivePolicy(
  value: string | undefined,
): { deadLetterTargetArn: string; maxReceiveCount: number } | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = parseJsonObject(value);
  const arn = parsed?.deadLetterTargetArn;
  const count = Number(parsed?.maxReceiveCount);
  if (typeof arn !== 'string' || !Number.isInteger(count) || count < 1 || count > 1000) return undefined;
  return { deadLetterTargetArn: arn, maxReceiveCount: count };
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

function traceHeader(input: Input): { traceHeader?: string } {
  const system = input.MessageSystemAttributes;
  if (typeof system !== 'object' || system === null) return {};
  const trace = (system as Record<string, unknown>).AWSTraceHeader;
  const parsed = attributeValueSchema.safeParse(trace);
  const value = parsed.success ? parsed.data.StringValue : undefined;
  return value === undefined ? {} : { traceHeader: value };
}

/** On standard queues MessageGroupId is allowed (fair queues); a deduplication id is not. */
function standardFields(input: Input): { fields: Partial<StoredMessage>; duplicateOf?: Output } {
  if (optionalString(input, 'MessageDeduplicationId') !== undefined) {
    throw invalidValue(
      'Value for parameter MessageDeduplicationId is invalid. Reason: The request includes a parameter that is not valid for this queue type.',
    );
  }
  const groupId = optionalString(input, 'MessageGroupId');
  return { fields: groupId === undefined ? {} : { groupId } };
}

/** Body plus attribute names, types and values: what counts toward the size limit. */
function payloadSize(input: Input): number {
  let size = typeof input.MessageBody === 'string' ? Buffer.byteLength(input.MessageBody, 'utf8') : 0;
  const attrs = input.MessageAttributes;
  if (typeof attrs === 'object' && attrs !== null) {
    for (const [name, raw] of Object.entries(attrs)) {
      const parsed = attributeValueSchema.safeParse(raw);
      if (!parsed.success) continue;
      const value = parsed.data.StringValue ?? parsed.data.BinaryValue ?? '';
      size += Buffer.byteLength(name + parsed.data.DataType + value, 'utf8');
    }
  }
  return size;
}

function sendResult(message: StoredMessage): Output {
  return {
    MessageId: message.messageId,
    MD5OfMessageBody: message.md5OfBody,
    ...md5AttributesField(message.messageAttributes, 'MD5OfMessageAttributes'),
    ...(message.sequenceNumber === undefined ? {} : { SequenceNumber: message.sequenceNumber }),
  };
}

function md5AttributesField(attrs: Record<string, SqsAttributeValue>, key: string): Output {
  return Object.keys(attrs).length === 0 ? {} : { [key]: md5OfMessageAttributes(attrs) };
}

/** Entries of a batch request, checked the way SQS checks them before running any. */
function batchEntries(input: Input): Input[] {
  const raw = input.Entries;
  if (raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0)) {
    throw new SqsError(
      400,
      'EmptyBatchRequest',
      'AWS.SimpleQueueService.EmptyBatchRequest',
      'There should be at least one SendMessageBatchRequestEntry in the request.',
    );
  }
  if (!Array.isArray(raw) || !raw.every((e) => typeof e === 'object' && e !== null && !Array.isArray(e))) {
    throw invalidValue('Entries must be a list of objects.');
  }
  const entries = raw as Input[];
  if (entries.length > MAX_BATCH) {
    throw new SqsError(
      400,
      'TooManyEntriesInBatchRequest',
      'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${MAX_BATCH}. You have sent ${entries.length}.`,
    );
  }
  const ids = new Set<string>();
  for (const entry of entries) {
    const id = entry.Id;
    if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,80}$/.test(id)) {
      throw new SqsError(
        400,
        'InvalidBatchEntryId',
        'AWS.SimpleQueueService.InvalidBatchEntryId',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
      );
    }
    if (ids.has(id)) {
      throw new SqsError(
        400,
        'BatchEntryIdsNotDistinct',
        'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
        `Id ${id} repeated.`,
      );
    }
    ids.add(id);
  }
  return entries;
}

/** Run each entry on its own: failures become `Failed` entries, not a failed request. */
function runBatch(entries: Input[], run: (entry: Input) => Output): Output {
  const results = entries.map((entry): [string, BatchResult] => {
    const id = String(entry.Id);
    try {
      return [id, { ok: true, value: run(entry) }];
    } catch (err) {
      if (!(err instanceof SqsError)) throw err;
      return [id, { ok: false, code: err.queryCode, message: err.message }];
    }
  });
  return {
    Successful: results.flatMap(([Id, r]) => (r.ok ? [{ Id, ...r.value }] : [])),
    Failed: results.flatMap(([Id, r]) =>
      r.ok ? [] : [{ Id, SenderFault: true, Code: r.code, Message: r.message }],
    ),
  };
}

function messageState(m: StoredMessage, now: number): 'visible' | 'inflight' | 'delayed' {
  if (m.visibleAt <= now) return 'visible';
  return m.receiveCount > 0 ? 'inflight' : 'delayed';
}

function messageView(m: StoredMessage, now: number): SqsMessageView {
  return {
    messageId: m.messageId,
    body: m.body,
    messageAttributes: structuredClone(m.messageAttributes),
    sentAt: new Date(m.sentAt).toISOString(),
    state: messageState(m, now),
    receiveCount: m.receiveCount,
    ...(m.groupId === undefined ? {} : { groupId: m.groupId }),
  };
}

/** Visible messages in send order; on FIFO queues a group with a message in flight is held back. */
function receivable(queue: StoredQueue, now: number): StoredMessage[] {
  if (queue.attributes.FifoQueue !== 'true') return queue.messages.filter((m) => m.visibleAt <= now);
  const blocked = new Set<string>();
  const out: StoredMessage[] = [];
  for (const m of queue.messages) {
    const group = m.groupId ?? '';
    if (m.visibleAt > now) blocked.add(group);
    else if (!blocked.has(group)) out.push(m);
  }
  return out;
}

function renderReceived(
  queueName: string,
  m: StoredMessage,
  systemNames: string[],
  attributeNames: string[],
  accountId: string,
): Output {
  const attributes = systemAttributes(m, systemNames, accountId);
  const messageAttributes = selectAttributes(m.messageAttributes, attributeNames);
  return {
    MessageId: m.messageId,
    ReceiptHandle: encodeReceipt(queueName, m.messageId, m.receipt ?? ''),
    MD5OfBody: m.md5OfBody,
    Body: m.body,
    ...(Object.keys(attributes).length > 0 ? { Attributes: attributes } : {}),
    ...(Object.keys(messageAttributes).length > 0
      ? {
          MessageAttributes: messageAttributes,
          MD5OfMessageAttributes: md5OfMessageAttributes(messageAttributes),
        }
      : {}),
  };
}

function systemAttributes(m: StoredMessage, names: string[], accountId: string): Record<string, string> {
  const wanted = names.includes('All') ? MESSAGE_SYSTEM_ATTRIBUTES : names;
  const all: Record<string, string | undefined> = {
    SenderId: accountId,
    SentTimestamp: String(m.sentAt),
    ApproximateReceiveCount: String(m.receiveCount),
    ApproximateFirstReceiveTimestamp: m.firstReceivedAt === undefined ? undefined : String(m.firstReceivedAt),
    SequenceNumber: m.sequenceNumber,
    MessageDeduplicationId: m.deduplicationId,
    MessageGroupId: m.groupId,
    AWSTraceHeader: m.traceHeader,
  };
  const out: Record<string, string> = {};
  for (const name of wanted) {
    const value = all[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** Message attributes a receive asked for: `All`, `.*`, `prefix.*` or exact names. */
function selectAttributes(
  attrs: Record<string, SqsAttributeValue>,
  names: string[],
): Record<string, SqsAttributeValue> {
  const wants = (name: string) =>
    names.some(
      (n) => n === 'All' || n === '.*' || n === name || (n.endsWith('.*') && name.startsWith(n.slice(0, -1))),
    );
  return Object.fromEntries(Object.entries(attrs).filter(([name]) => wants(name)));
}

// A receipt handle carries queue, message id and that receive's nonce, so a stale one is told apart.
function encodeReceipt(queue: string, messageId: string, nonce: string): string {
  return Buffer.from(JSON.stringify([queue, messageId, nonce])).toString('base64');
}

function parseReceipt(handle: string): { queue: string; messageId: string; nonce: string } | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(handle, 'base64').toString('utf8'));
    if (Array.isArray(value) && value.length === 3 && value.every((v) => typeof v === 'string')) {
      return { queue: String(value[0]), messageId: String(value[1]), nonce: String(value[2]) };
    }
  } catch {
    // Not one of ours: reported as an invalid handle by the caller.
  }
  return undefined;
}

/** Hex MD5 of a UTF-8 string: MD5OfMessageBody / MD5OfBody. */
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
