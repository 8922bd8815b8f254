/**
 * DynamoDB, locally: dynalite (in memory, or LevelDB under .relance/ to survive restarts) behind the
 * edge, with the template's tables created at start. Requests reach dynalite's request listener in
 * process (light-my-request builds the node request and response objects it reads and writes), so
 * no second HTTP hop follows the edge's. The edge asks
 * dynalite for the consumed capacity of every request (computed from item sizes, as DynamoDB does)
 * so the cost script counts real read and write units, then answers the caller as it asked.
 */
import type { RequestListener, Server } from 'node:http';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { inject } from 'light-my-request';
import { type DynamoAnswer, LocalTransactions } from './dynamodb-transactions.ts';
import { type AwsRequest, type AwsResponse, header } from './protocol.ts';
import type { LocalTable } from './template.ts';

/** The headers of a signed request, as dynalite checks them (it verifies their form, not the signature). */
const LOCAL_SIGNATURE = {
  'content-type': 'application/x-amz-json-1.0',
  'x-amz-date': '20260101T000000Z',
  authorization:
    'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0',
};

/** The answer to a request that reaches the stand-in after it stopped (the runtime is going down). */
const STOPPED: AwsResponse = {
  status: 500,
  headers: { 'content-type': 'application/x-amz-json-1.0' },
  body: JSON.stringify({
    __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
    message: 'the local DynamoDB has stopped',
  }),
};

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);

interface Capacity {
  CapacityUnits?: number;
}

export class LocalDynamo {
  private readonly server: Server;
  private readonly listener: RequestListener;
  /** Requests per operation (GetItem, PutItem, UpdateItem...). */
  readonly counts = new Map<string, number>();
  /** Capacity units consumed, as DynamoDB would bill them on demand (`indexWrite`: the part of `write` billed for GSIs). */
  readonly units = { read: 0, write: 0, indexWrite: 0 };
  /**
   * Also bill the writes a table write makes in its global secondary indexes (dynalite counts the
   * table only). Off by default: it reads the item before and after each single-item write to a
   * table with an index, which the cost measurement wants and nothing else needs.
   */
  billIndexWrites = false;
  private readonly indexedTables = new Map<string, LocalTable>();
  private readonly transactions = new LocalTransactions((operation, input) =>
    this.dispatch(operation, input),
  );
  /** Set while a transaction runs: other requests wait for it. */
  private transaction: Promise<void> | undefined;
  private inProgress = 0;
  /** Closed: requests still arriving get a 500 instead of reaching a closed store. */
  private closed = false;
  /** Who waits for the requests in progress to be answered. */
  private readonly idle: Array<() => void> = [];

  private whenIdle(): Promise<void> {
    return new Promise((resolve) => this.idle.push(resolve));
  }

  constructor(path?: string) {
    this.server = dynalite({
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
      ...(path ? { path } : {}),
    });
    const [listener] = this.server.listeners('request') as RequestListener[];
    if (!listener) throw new Error('dynalite created a server without a request listener');
    this.listener = listener;
  }

  /**
   * Nothing connects to this port: dynalite's close(), which closes its LevelDB store gracefully,
   * expects a listening server.
   */
  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
  }

  private record(operation: string, status: number, body: string, capacityRequested: boolean): string {
    const isWrite = WRITES.has(operation);
    // A scan page is up to a megabyte: its capacity is read off the end rather than the whole body parsed.
    const trailing = status === 200 ? splitTrailingCapacity(body) : undefined;
    if (trailing) {
      this.count(isWrite, trailing.capacity);
      return capacityRequested ? body : trailing.rest;
    }
    let parsed: { ConsumedCapacity?: Capacity | Capacity[]; __type?: string } | undefined;
    try {
      parsed = JSON.parse(body);
    } catch {
      return body;
    }
    if (!parsed) return body;
    if (status === 200 && parsed.ConsumedCapacity) {
      this.count(isWrite, parsed.ConsumedCapacity);
    } else if (status === 400 && String(parsed.__type).endsWith('ConditionalCheckFailedException')) {
      // A failed conditional write is still billed (at least one unit).
      this.units.write += 1;
    }
    if (capacityRequested || !parsed.ConsumedCapacity) return body;
    const { ConsumedCapacity: _dropped, ...rest } = parsed;
    return JSON.stringify(rest);
  }

  private count(isWrite: boolean, capacity: Capacity | Capacity[]): void {
    const list = Array.isArray(capacity) ? capacity : [capacity];
    const units = list.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
    if (isWrite) this.units.write += units;
    else this.units.read += units;
  }

  /**
   * Serves one request (X-Amz-Target: DynamoDB_20120810.*) through dynalite; TransactWriteItems,
   * which dynalite lacks, runs alone (./dynamodb-transactions.ts).
   */
  async handle(req: AwsRequest): Promise<AwsResponse> {
    const operation = String(header(req, 'x-amz-target') ?? '').split('.')[1] ?? 'unknown';
    this.counts.set(operation, (this.counts.get(operation) ?? 0) + 1);
    if (operation === 'TransactWriteItems') return this.alone(() => this.transactWrite(req));
    while (this.transaction) await this.transaction;
    if (this.closed) return STOPPED;
    this.inProgress++;
    try {
      return await this.handleOne(req, operation);
    } finally {
      this.inProgress--;
      if (this.inProgress === 0) for (const resolve of this.idle.splice(0)) resolve();
    }
  }

  /** Runs `work` once no other transaction runs and the requests in progress have finished. */
  private async alone<T>(work: () => Promise<T>): Promise<T> {
    while (this.transaction) await this.transaction;
    let release = () => {};
    this.transaction = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      while (this.inProgress > 0) await this.whenIdle();
      if (this.closed) return STOPPED as T;
      return await work();
    } finally {
      this.transaction = undefined;
      release();
    }
  }

  private async transactWrite(req: AwsRequest): Promise<AwsResponse> {
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(req.body) as Record<string, unknown>;
    } catch {
      return {
        status: 400,
        headers: {},
        body: JSON.stringify({ __type: 'com.amazon.coral.service#SerializationException' }),
      };
    }
    const { answer, units, written } = await this.transactions.write(input);
    let total = 0;
    for (const value of units.values()) total += value;
    this.units.write += total;
    if (this.billIndexWrites) {
      for (const { table, before, after } of written) {
        const indexed = this.indexedTables.get(table);
        if (!indexed) continue;
        const indexUnits = indexWriteUnits(indexed, before, after);
        this.units.write += indexUnits;
        this.units.indexWrite += indexUnits;
      }
    }
    const body =
      answer.status === 200 && input.ReturnConsumedCapacity && input.ReturnConsumedCapacity !== 'NONE'
        ? JSON.stringify({
            ConsumedCapacity: [...units].map(([TableName, CapacityUnits]) => ({ TableName, CapacityUnits })),
          })
        : answer.body;
    return { status: answer.status, headers: { 'content-type': 'application/x-amz-json-1.0' }, body };
  }

  /** One request to dynalite, in process, with the caller's JSON body. */
  private async dispatch(operation: string, input: Record<string, unknown>): Promise<DynamoAnswer> {
    const payload = JSON.stringify(input);
    const answer = await inject(this.listener, {
      method: 'POST',
      url: '/',
      headers: {
        ...LOCAL_SIGNATURE,
        'x-amz-target': `DynamoDB_20120810.${operation}`,
        'content-length': String(Buffer.byteLength(payload)),
      },
      payload,
    });
    return { status: answer.statusCode, body: answer.payload };
  }

  private async handleOne(req: AwsRequest, operation: string): Promise<AwsResponse> {
    let body = req.body;
    let capacityRequested = true;
    try {
      const input = JSON.parse(body) as { ReturnConsumedCapacity?: string };
      if (input && typeof input === 'object' && !input.ReturnConsumedCapacity) {
        capacityRequested = false;
        body = JSON.stringify({ ...input, ReturnConsumedCapacity: 'TOTAL' });
      }
    } catch {
      // Not JSON: dynalite answers with the protocol's serialization error.
    }
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) if (value !== undefined) headers[key] = value;
    const indexed = this.billIndexWrites ? this.indexedWrite(operation, body) : undefined;
    const before = indexed ? await this.readItem(indexed, headers) : undefined;
    headers['content-length'] = String(Buffer.byteLength(body));
    const query = req.query.toString();
    const injected = await inject(this.listener, {
      method: req.method as 'POST',
      url: `${req.path}${query ? `?${query}` : ''}`,
      headers,
      payload: body,
    });
    const answer = {
      status: injected.statusCode,
      headers: Object.fromEntries(
        Object.entries(injected.headers).flatMap(([key, value]) =>
          typeof value === 'string'
            ? [[key, value]]
            : typeof value === 'number'
              ? [[key, String(value)]]
              : [],
        ),
      ) as Record<string, string>,
      body: injected.payload,
    };
    const responseBody = this.record(operation, answer.status, answer.body, capacityRequested);
    if (indexed && answer.status === 200) {
      const units = indexWriteUnits(indexed.table, before, await this.readItem(indexed, headers));
      this.units.write += units;
      this.units.indexWrite += units;
    }
    // The body may have changed: its CRC32 no longer holds, and the SDK checks it only when present.
    const { 'x-amz-crc32': _crc, 'content-length': _length, ...rest } = answer.headers;
    return { status: answer.status, headers: rest, body: responseBody };
  }

  /** The table and key of a single-item write to a table with a GSI (BatchWriteItem is not billed for its indexes). */
  private indexedWrite(
    operation: string,
    body: string,
  ): { table: LocalTable; key: Record<string, AttributeValue> } | undefined {
    if (operation !== 'PutItem' && operation !== 'UpdateItem' && operation !== 'DeleteItem') return undefined;
    try {
      const input = JSON.parse(body) as {
        TableName?: string;
        Key?: Record<string, AttributeValue>;
        Item?: Record<string, AttributeValue>;
      };
      const table = input.TableName ? this.indexedTables.get(input.TableName) : undefined;
      const source = input.Key ?? input.Item;
      if (!table || !source) return undefined;
      const key: Record<string, AttributeValue> = {};
      for (const { AttributeName } of table.keySchema) {
        const value = source[AttributeName];
        if (!value) return undefined;
        key[AttributeName] = value;
      }
      return { table, key };
    } catch {
      return undefined;
    }
  }

  /** The item a write concerns, read in process with the caller's headers (never counted or billed). */
  private async readItem(
    write: { table: LocalTable; key: Record<string, AttributeValue> },
    callerHeaders: Record<string, string>,
  ): Promise<Record<string, AttributeValue> | undefined> {
    const payload = JSON.stringify({ TableName: write.table.name, Key: write.key, ConsistentRead: true });
    const headers = Object.fromEntries(
      Object.entries(callerHeaders).filter(([name]) => !/^(x-amz-target|content-length)$/i.test(name)),
    );
    const answer = await inject(this.listener, {
      method: 'POST',
      url: '/',
      headers: {
        ...headers,
        'x-amz-target': 'DynamoDB_20120810.GetItem',
        'content-length': String(Buffer.byteLength(payload)),
      },
      payload,
    });
    if (answer.statusCode !== 200) return undefined;
    return (JSON.parse(answer.payload) as { Item?: Record<string, AttributeValue> }).Item;
  }

  /**
   * The byte-months each item of `tables` will bill as storage from `nowMs`, by table and key: its
   * size with its index copies (100 bytes of overhead each) times the months it stays, until its
   * TTL or for `horizonMonths` (an item without TTL, or one living longer). Read with consistent
   * scans; for the cost report.
   */
  async storedByteMonthsByItem(
    tables: readonly LocalTable[],
    nowMs: number,
    horizonMonths: number,
    /** Which items to count (all by default). */
    include: (item: Record<string, AttributeValue>) => boolean = () => true,
  ): Promise<Map<string, number>> {
    const monthSeconds = 30.4 * 86_400;
    const byteMonths = new Map<string, number>();
    for (const table of tables) {
      let start: Record<string, AttributeValue> | undefined;
      do {
        const answer = await this.dispatch('Scan', {
          TableName: table.name,
          ConsistentRead: true,
          ExclusiveStartKey: start,
        });
        if (answer.status !== 200) throw new Error(`scanning ${table.name}: ${answer.body}`);
        const page = JSON.parse(answer.body) as {
          Items?: Array<Record<string, AttributeValue>>;
          LastEvaluatedKey?: Record<string, AttributeValue>;
        };
        for (const item of page.Items ?? []) {
          if (!include(item)) continue;
          const expires = table.ttlAttribute ? Number(item[table.ttlAttribute]?.N) : Number.NaN;
          const months = Number.isFinite(expires)
            ? Math.min(horizonMonths, Math.max(0, expires - nowMs / 1000) / monthSeconds)
            : horizonMonths;
          const key = JSON.stringify(table.keySchema.map(({ AttributeName }) => item[AttributeName]));
          byteMonths.set(`${table.name} ${key}`, storedItemBytes(table, item) * months);
        }
        start = page.LastEvaluatedKey;
      } while (start);
    }
    return byteMonths;
  }

  /** Creates the template's tables that do not exist yet (a persisted store keeps its own). */
  async createTables(endpoint: string, tables: readonly LocalTable[]): Promise<void> {
    for (const table of tables)
      if (table.globalSecondaryIndexes.length > 0) this.indexedTables.set(table.name, table);
    const client = new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      const existing = new Set((await client.send(new ListTablesCommand({}))).TableNames ?? []);
      for (const table of tables) {
        if (existing.has(table.name)) {
          await addMissingIndexes(client, table);
          continue;
        }
        await createTable(client, table);
      }
    } finally {
      client.destroy();
    }
  }

  /**
   * Stops once the requests in progress are answered: a transaction is never cut in half, and
   * dynalite never sees a request after its store closed (it throws that out of band).
   */
  async close(): Promise<void> {
    while (this.transaction) await this.transaction;
    this.closed = true;
    while (this.inProgress > 0) await this.whenIdle();
    this.server.closeAllConnections?.();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const CAPACITY_KEY = '"ConsumedCapacity":';

const isCapacity = (value: unknown): value is Capacity =>
  typeof value === 'object' && value !== null && typeof (value as Capacity).CapacityUnits === 'number';

/**
 * A response body's top-level `ConsumedCapacity`, when it is the body's last member (where dynalite
 * writes it), and the body without it; undefined otherwise (the caller then parses the whole body).
 * The key cannot be matched inside a string value (its quotes would be escaped there); an attribute
 * of an item named so is never last at the top level, and then what follows it does not parse as
 * one value.
 */
export function splitTrailingCapacity(
  body: string,
): { readonly capacity: Capacity | Capacity[]; readonly rest: string } | undefined {
  const at = body.lastIndexOf(CAPACITY_KEY);
  const before = body[at - 1];
  if (at < 1 || (before !== ',' && before !== '{') || !body.endsWith('}')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.slice(at + CAPACITY_KEY.length, -1));
  } catch {
    return undefined;
  }
  let capacity: Capacity | Capacity[];
  if (isCapacity(parsed)) capacity = parsed;
  else if (Array.isArray(parsed) && parsed.every(isCapacity)) capacity = parsed as Capacity[];
  else return undefined;
  return { capacity, rest: before === '{' ? '{}' : `${body.slice(0, at - 1)}}` };
}

/**
 * The write units a table write costs in the table's GSIs, as DynamoDB bills them: an item entering
 * or leaving an index is one write there, an item whose index key changes is two (delete and put),
 * and an item that stays with the same key is one only when a projected attribute changed (never
 * for KEYS_ONLY). Each write is billed by the projected item's size, per 1 KB.
 */
export function indexWriteUnits(
  table: Pick<LocalTable, 'keySchema' | 'globalSecondaryIndexes'>,
  before: Record<string, AttributeValue> | undefined,
  after: Record<string, AttributeValue> | undefined,
): number {
  let units = 0;
  for (const gsi of table.globalSecondaryIndexes) {
    const keys = gsi.KeySchema.map((k) => k.AttributeName);
    const projected = (item: Record<string, AttributeValue>) => projectedItem(table, gsi, item);
    const inIndex = (item: Record<string, AttributeValue> | undefined) =>
      item !== undefined && keys.every((k) => item[k] !== undefined);
    const size = (item: Record<string, AttributeValue>) =>
      Math.max(1, Math.ceil(itemBytes(projected(item)) / 1024));
    const was = inIndex(before) ? before : undefined;
    const is = inIndex(after) ? after : undefined;
    if (was && is) {
      const sameKey = keys.every((k) => JSON.stringify(was[k]) === JSON.stringify(is[k]));
      if (!sameKey) units += size(was) + size(is);
      else if (JSON.stringify(projected(was)) !== JSON.stringify(projected(is))) units += size(is);
    } else if (was) units += size(was);
    else if (is) units += size(is);
  }
  return units;
}

type Gsi = LocalTable['globalSecondaryIndexes'][number];

/** What an index holds of an item: all of it, its keys, or its keys and the included attributes. */
function projectedItem(
  table: Pick<LocalTable, 'keySchema'>,
  gsi: Gsi,
  item: Record<string, AttributeValue>,
): Record<string, AttributeValue> {
  const projection = gsi.Projection as { ProjectionType?: string; NonKeyAttributes?: string[] };
  const type = projection.ProjectionType ?? 'ALL';
  if (type === 'ALL') return item;
  const names = new Set([
    ...gsi.KeySchema.map((k) => k.AttributeName),
    ...table.keySchema.map((k) => k.AttributeName),
    ...(type === 'INCLUDE' ? (projection.NonKeyAttributes ?? []) : []),
  ]);
  return Object.fromEntries(Object.entries(item).filter(([name]) => names.has(name)));
}

/** The bytes DynamoDB bills as storage for one item in a table and its indexes: 100 bytes of overhead per copy. */
export function storedItemBytes(
  table: Pick<LocalTable, 'keySchema' | 'globalSecondaryIndexes'>,
  item: Record<string, AttributeValue>,
): number {
  let bytes = itemBytes(item) + 100;
  for (const gsi of table.globalSecondaryIndexes) {
    if (gsi.KeySchema.every((k) => item[k.AttributeName] !== undefined))
      bytes += itemBytes(projectedItem(table, gsi, item)) + 100;
  }
  return bytes;
}

/** An item's size as DynamoDB counts it: attribute names plus values (numbers and nesting approximated). */
function itemBytes(item: Record<string, AttributeValue>): number {
  const valueBytes = (value: AttributeValue): number => {
    if (value.S !== undefined) return Buffer.byteLength(value.S);
    if (value.N !== undefined) return Math.ceil(value.N.length / 2) + 1;
    if (value.B !== undefined) return value.B.length;
    if (value.SS) return value.SS.reduce((sum, v) => sum + Buffer.byteLength(v), 0);
    if (value.NS) return value.NS.reduce((sum, v) => sum + Math.ceil(v.length / 2) + 1, 0);
    if (value.L) return 3 + value.L.reduce((sum, v) => sum + 1 + valueBytes(v), 0);
    if (value.M) return 3 + itemBytes(value.M) + Object.keys(value.M).length;
    return 1;
  };
  return Object.entries(item).reduce(
    (sum, [name, value]) => sum + Buffer.byteLength(name) + valueBytes(value),
    0,
  );
}

async function createTable(client: DynamoDBClient, table: LocalTable): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: table.name,
      KeySchema: table.keySchema as never,
      AttributeDefinitions: table.attributeDefinitions as never,
      BillingMode: 'PAY_PER_REQUEST',
      ...(table.globalSecondaryIndexes.length > 0
        ? {
            GlobalSecondaryIndexes: table.globalSecondaryIndexes.map((gsi) => ({
              IndexName: gsi.IndexName,
              KeySchema: gsi.KeySchema as never,
              Projection: (gsi.Projection ?? { ProjectionType: 'ALL' }) as never,
            })),
          }
        : {}),
    }),
  );
}

/**
 * A kept table the template has since given a new GSI (CloudFormation adds it and backfills it):
 * dynalite cannot add an index to a table, so the table is rebuilt with it and its items put back.
 */
async function addMissingIndexes(client: DynamoDBClient, table: LocalTable): Promise<void> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: table.name }));
  const present = new Set((Table?.GlobalSecondaryIndexes ?? []).map((gsi) => gsi.IndexName));
  if (table.globalSecondaryIndexes.every((gsi) => present.has(gsi.IndexName))) return;
  const items: Array<Record<string, AttributeValue>> = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table.name, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  await client.send(new DeleteTableCommand({ TableName: table.name }));
  await createTable(client, table);
  for (let i = 0; i < items.length; i += 25) {
    await client.send(
      new BatchWriteItemCommand({
        RequestItems: { [table.name]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
  }
}
