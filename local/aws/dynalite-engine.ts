/**
 * dynalite's store and its DynamoDB API actions, called in process: the request checks and the
 * actions of dynalite's own request handler, without the Node HTTP request and response objects it
 * reads and writes. Every DynamoDB call of the local runtime used to go through those objects
 * (built by light-my-request): a third of the stand-in's CPU, none of it DynamoDB's behaviour.
 *
 * What dynalite's handler checks before its actions is checked here the same way, with the same
 * errors: a body that is not JSON or is empty (SerializationException), an unknown operation
 * (UnknownOperationException), a request without a signature (MissingAuthenticationTokenException);
 * then each action's own type and value validations (ValidationException...), as dynalite runs them.
 */
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { cacheRecentReads, type ReadCache } from './level-read-cache.ts';

const require = createRequire(import.meta.url);

type Callback = (error: unknown, result?: Record<string, unknown>) => void;
type Action = (store: DynaliteStore, data: Record<string, unknown>, callback: Callback) => void;
interface ActionValidation {
  readonly types: unknown;
  readonly custom?: unknown;
}
interface Validations {
  checkTypes(data: unknown, types: unknown): Record<string, unknown>;
  checkValidations(data: unknown, types: unknown, custom: unknown, store: DynaliteStore): void;
}
/** The part of dynalite's LevelDB (an abstract-level database) its queries and scans read through. */
interface LevelStreams {
  keys(options?: unknown): AsyncIterable<unknown>;
  values(options?: unknown): AsyncIterable<unknown>;
  createKeyStream(options?: unknown): Readable;
  createValueStream(options?: unknown): Readable;
}
interface DynaliteStore {
  readonly db: LevelStreams & { open(): Promise<void> };
  readonly lifecycleManager: { gracefulClose(callback: (error?: unknown) => void): void };
}
interface DynaliteDb {
  create(options: DynaliteOptions): DynaliteStore;
}

export interface DynaliteOptions {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}

/** The operations dynalite implements (its handler's list), by the name a request's target gives. */
const OPERATIONS = [
  'BatchGetItem',
  'BatchWriteItem',
  'CreateTable',
  'DeleteItem',
  'DeleteTable',
  'DescribeTable',
  'DescribeTimeToLive',
  'GetItem',
  'ListTables',
  'PutItem',
  'Query',
  'Scan',
  'TagResource',
  'UntagResource',
  'ListTagsOfResource',
  'UpdateItem',
  'UpdateTable',
] as const;

/** The API versions a target may name (`DynamoDB_20120810.GetItem`). */
const API_VERSIONS = new Set(['DynamoDB_20111205', 'DynamoDB_20120810']);

const validations = require('dynalite/validations') as Validations;
const db = require('dynalite/db') as DynaliteDb;
const handlers = new Map<string, { action: Action; validation: ActionValidation }>(
  OPERATIONS.map((operation) => {
    const name = operation[0]?.toLowerCase() + operation.slice(1);
    return [
      operation,
      {
        action: require(`dynalite/actions/${name}`) as Action,
        validation: require(`dynalite/validations/${name}`) as ActionValidation,
      },
    ];
  }),
);

/** An answer of the engine: the HTTP status and the JSON document dynalite would have sent. */
export interface EngineAnswer {
  readonly status: number;
  readonly document: Record<string, unknown>;
}

/** An answer to a request refused before its action; `text` when its body is not JSON. */
export interface CheckedAnswer extends EngineAnswer {
  readonly text?: string;
}

/** The content types dynalite reads a body in. */
const JSON_TYPES = new Set(['application/json', 'application/x-amz-json-1.0']);

/** A Content-Type header's media type, without its parameters (`; charset=...`). */
const mediaType = (contentType: string | undefined) => (contentType ?? '').split(';')[0]?.trim() ?? '';

/** The content type dynalite answers in: the JSON flavour the request was sent in. */
export function answerContentType(requestContentType: string | undefined): string {
  return mediaType(requestContentType) === 'application/x-amz-json-1.0'
    ? 'application/x-amz-json-1.0'
    : 'application/json';
}

const coral = (type: string, message?: string): EngineAnswer => ({
  status: 400,
  document: { __type: `com.amazon.coral.service#${type}`, ...(message ? { message } : {}) },
});

/** dynalite's errors carry the status and body to answer with; anything else is a fault of the stand-in. */
function answerFor(error: unknown): EngineAnswer {
  const { statusCode, body } = (error ?? {}) as { statusCode?: unknown; body?: unknown };
  if (typeof statusCode === 'number' && body && typeof body === 'object')
    return { status: statusCode, document: body as Record<string, unknown> };
  return {
    status: 500,
    document: {
      __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
      message: error instanceof Error ? error.message : String(error),
    },
  };
}

/**
 * dynalite reads a Query's or a Scan's items through a stream over a LevelDB iterator, and closes
 * the iterator, when the stream ends or is destroyed, with `iterator.return()`, which abstract-level's
 * iterators do not have: every Query and Scan left its iterator open in the database's resources,
 * holding a snapshot (in memory, the items as they were; on disk, LevelDB's memory and old
 * versions), so a runtime's memory grew with every query it answered. The streams are made here from
 * the iterators' own async iteration instead, which closes them when it ends or is stopped.
 */
function closeIteratorsWithTheirStreams(db: LevelStreams): void {
  db.createKeyStream = (options) => Readable.from(db.keys(options));
  db.createValueStream = (options) => Readable.from(db.values(options));
}

export class DynaliteEngine {
  private readonly store: DynaliteStore;
  /** The LevelDB folder, when the data is kept on disk. */
  private readonly path: string | undefined;
  /** Recent items kept in memory in front of LevelDB, when the data is kept on disk. */
  readonly readCache: ReadCache | undefined;

  constructor(options: DynaliteOptions = {}) {
    this.store = db.create({ ...options });
    closeIteratorsWithTheirStreams(this.store.db);
    this.path = options.path;
    this.readCache = options.path ? cacheRecentReads(this.store.db) : undefined;
  }

  /**
   * The checks dynalite's handler makes of a request before its action, in its order: the operation
   * and the input to call it with, or the answer it gives instead (`text`: a body that is not JSON).
   */
  check(request: {
    readonly method: string;
    readonly contentType: string | undefined;
    readonly target: string;
    readonly signed: boolean;
    readonly body: string;
  }): { readonly operation: string; readonly input: Record<string, unknown> } | CheckedAnswer {
    if (request.method !== 'POST' || (request.body && !JSON_TYPES.has(mediaType(request.contentType))))
      return { status: 404, document: {}, text: '<UnknownOperationException/>\n' };
    let data: unknown;
    if (request.body) {
      try {
        data = JSON.parse(request.body);
      } catch {
        return coral('SerializationException');
      }
    }
    const [version, operation = '', extra] = request.target.split('.');
    if (extra !== undefined || !API_VERSIONS.has(version ?? '') || !handlers.has(operation))
      return coral('UnknownOperationException');
    if (!request.signed)
      return coral('MissingAuthenticationTokenException', 'Request is missing Authentication Token');
    if (!request.body) return coral('SerializationException');
    // dynalite's handler throws on a `null` body, out of band (the process would end): refused here as
    // input that does not deserialize. Other JSON that is not an object, its type checks refuse.
    if (data === null) return coral('SerializationException');
    return { operation, input: data as Record<string, unknown> };
  }

  /** One operation with its input, validated and run as dynalite runs it (the input is not kept). */
  call(operation: string, input: unknown): Promise<EngineAnswer> {
    const handler = handlers.get(operation);
    if (!handler) return Promise.resolve(coral('UnknownOperationException'));
    let data: Record<string, unknown>;
    try {
      data = validations.checkTypes(input, handler.validation.types);
      validations.checkValidations(data, handler.validation.types, handler.validation.custom, this.store);
    } catch (error) {
      return Promise.resolve(answerFor(error));
    }
    return new Promise((resolve) => {
      try {
        handler.action(this.store, data, (error, result) =>
          resolve(error ? answerFor(error) : { status: 200, document: result ?? {} }),
        );
      } catch (error) {
        resolve(answerFor(error));
      }
    });
  }

  /**
   * Opens the store (LevelDB opens on its first operation otherwise), so a folder that cannot be
   * opened is said at start, by its path and why.
   */
  async open(): Promise<void> {
    try {
      await this.store.db.open();
    } catch (error) {
      const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
      const why =
        cause?.code === 'LEVEL_LOCKED'
          ? 'it is in use (is another relance dev running on this data folder?)'
          : String(cause?.message ?? (error as Error).message);
      throw new Error(`the local DynamoDB's data at ${this.path ?? '(memory)'} could not be opened: ${why}`, {
        cause: error,
      });
    }
  }

  /** Closes the store once the operations in progress are done (LevelDB's files, when on disk). */
  close(): Promise<void> {
    return new Promise((resolve, reject) =>
      this.store.lifecycleManager.gracefulClose((error) => (error ? reject(error) : resolve())),
    );
  }
}
