/**
 * DynamoDB, locally: dynalite (in memory, or LevelDB under .relance/ to survive restarts) behind the
 * edge, with the template's tables created at start. Requests reach dynalite's checks and actions in
 * process (./dynalite-engine.ts), so no second HTTP hop, nor HTTP objects, follow the edge's. The
 * edge asks dynalite for the consumed capacity of every request (computed from item sizes, as
 * DynamoDB does) so the cost script counts real read and write units, then answers the caller as it
 * asked.
 */
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
import { answerContentType, DynaliteEngine, type EngineAnswer } from './dynalite-engine.ts';
import { type DynamoAnswer, LocalTransactions } from './dynamodb-transactions.ts';
import { type AwsRequest, type AwsResponse, header } from './protocol.ts';
import type { LocalTable } from './template.ts';

const JSON_1_0 = 'application/x-amz-json-1.0';

/** The answer to a request that reaches the stand-in after it stopped (the runtime is going down). */
const STOPPED: AwsResponse = {
  status: 500,
  headers: { 'content-type': JSON_1_0 },
  body: JSON.stringify({
    __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
    message: 'the local DynamoDB has stopped',
  }),
};

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);

interface Capacity {
  CapacityUnits?: number;
  TableName?: string;
}

const isCapacity = (value: unknown): value is Capacity =>
  typeof value === 'object' && value !== null && typeof (value as Capacity).CapacityUnits === 'number';

export class LocalDynamo {
  private readonly engine: DynaliteEngine;
  /** Requests per operation (GetItem, PutItem, UpdateItem...). */
  readonly counts = new Map<string, number>();
  /** Read units consumed, as DynamoDB would bill them on demand. */
  private readUnits = 0;
  /**
   * Also bill the writes a table write makes in its global secondary indexes (dynalite counts the
   * table only). Off by default: it reads the item before and after each single-item write to a
   * table with an index, which the cost measurement wants and nothing else needs.
   */
  billIndexWrites = false;
  /**
   * Write units by table and request (`<table>\t<operation>`; `<table>\tindex` for the copies a
   * write makes in the table's indexes, when billed): where the cost report's write units went.
   */
  readonly writeUnitsBy = new Map<string, number>();

  /**
   * Capacity units consumed, as DynamoDB would bill them on demand (`indexWrite`: the part of
   * `write` billed for GSIs); the writes summed from writeUnitsBy.
   */
  get units(): { read: number; write: number; indexWrite: number } {
    let write = 0;
    let indexWrite = 0;
    for (const [key, value] of this.writeUnitsBy) {
      write += value;
      if (key.endsWith('\tindex')) indexWrite += value;
    }
    return { read: this.readUnits, write, indexWrite };
  }
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
  /** Numbers the answers' request ids. */
  private requests = 0;

  private whenIdle(): Promise<void> {
    return new Promise((resolve) => this.idle.push(resolve));
  }

  constructor(path?: string) {
    this.engine = new DynaliteEngine({
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
      ...(path ? { path } : {}),
    });
  }

  /** Opens the store: a LevelDB folder another process holds fails here, not at the first request. */
  async start(): Promise<void> {
    await this.engine.open();
  }

  private addWriteUnits(table: string, request: string, units: number): void {
    if (units === 0) return;
    const key = `${table}\t${request}`;
    this.writeUnitsBy.set(key, (this.writeUnitsBy.get(key) ?? 0) + units);
  }

  /** Counts the units an answer reports and a failed conditional write's; takes them off when the caller did not ask. */
  private record(
    operation: string,
    answer: EngineAnswer,
    capacityRequested: boolean,
    tableName: string | undefined,
  ): void {
    const capacity = answer.document.ConsumedCapacity;
    if (answer.status === 200 && capacity !== undefined) {
      const list = Array.isArray(capacity) ? capacity : [capacity];
      for (const c of list) {
        if (!isCapacity(c)) continue;
        if (!WRITES.has(operation)) this.readUnits += c.CapacityUnits ?? 0;
        else this.addWriteUnits(c.TableName ?? tableName ?? 'unknown', operation, c.CapacityUnits ?? 0);
      }
    } else if (
      answer.status === 400 &&
      String(answer.document.__type).endsWith('ConditionalCheckFailedException')
    ) {
      // A failed conditional write is still billed (at least one unit).
      this.addWriteUnits(tableName ?? 'unknown', operation, 1);
    }
    if (!capacityRequested) delete answer.document.ConsumedCapacity;
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
    const { answer, units, written } = await this.transactions.write(input, {
      written: this.billIndexWrites,
    });
    for (const [table, value] of units) this.addWriteUnits(table, 'TransactWriteItems', value);
    if (this.billIndexWrites) {
      for (const { table, before, after } of written) {
        const indexed = this.indexedTables.get(table);
        if (!indexed) continue;
        this.addWriteUnits(table, 'index', indexWriteUnits(indexed, before, after));
      }
    }
    const body =
      answer.status === 200 && input.ReturnConsumedCapacity && input.ReturnConsumedCapacity !== 'NONE'
        ? JSON.stringify({
            ConsumedCapacity: [...units].map(([TableName, CapacityUnits]) => ({ TableName, CapacityUnits })),
          })
        : answer.body;
    return { status: answer.status, headers: { 'content-type': JSON_1_0 }, body };
  }

  /** One request to dynalite, in process, with the caller's input (a transaction's single-item steps). */
  private async dispatch(operation: string, input: Record<string, unknown>): Promise<DynamoAnswer> {
    // As it would arrive over the wire: a copy, without the attributes set to undefined.
    const answer = await this.engine.call(operation, JSON.parse(JSON.stringify(input)));
    return { status: answer.status, body: JSON.stringify(answer.document) };
  }

  private async handleOne(req: AwsRequest, operation: string): Promise<AwsResponse> {
    const contentType = header(req, 'content-type');
    const checked = this.engine.check({
      method: req.method,
      contentType,
      target: header(req, 'x-amz-target') ?? '',
      signed: header(req, 'authorization') !== undefined || req.query.has('X-Amz-Algorithm'),
      body: req.body,
    });
    const headers = {
      'content-type': answerContentType(contentType),
      'x-amzn-requestid': `LOCAL${String(++this.requests).padStart(20, '0')}`,
    };
    if ('status' in checked)
      return { status: checked.status, headers, body: checked.text ?? JSON.stringify(checked.document) };
    const { input } = checked;
    // Capacity is always asked of dynalite, to be counted; the caller gets it only when it asked.
    // (JSON that is not an object is refused by dynalite's type checks: nothing to ask of it.)
    const capacityRequested =
      typeof input !== 'object' ||
      input.ReturnConsumedCapacity === 'TOTAL' ||
      input.ReturnConsumedCapacity === 'INDEXES';
    if (!capacityRequested) input.ReturnConsumedCapacity = 'TOTAL';
    const indexed =
      this.billIndexWrites && typeof input === 'object' ? this.indexedWrite(operation, input) : undefined;
    const before = indexed ? await this.readItem(indexed) : undefined;
    const answer = await this.engine.call(operation, input);
    const tableName =
      typeof input === 'object' && typeof input.TableName === 'string' ? input.TableName : undefined;
    this.record(operation, answer, capacityRequested, tableName);
    if (indexed && answer.status === 200) {
      const units = indexWriteUnits(indexed.table, before, await this.readItem(indexed));
      this.addWriteUnits(indexed.table.name, 'index', units);
    }
    return { status: answer.status, headers, body: JSON.stringify(answer.document) };
  }

  /** The table and key of a single-item write to a table with a GSI (BatchWriteItem is not billed for its indexes). */
  private indexedWrite(
    operation: string,
    input: Record<string, unknown>,
  ): { table: LocalTable; key: Record<string, AttributeValue> } | undefined {
    if (operation !== 'PutItem' && operation !== 'UpdateItem' && operation !== 'DeleteItem') return undefined;
    const { TableName, Key, Item } = input as {
      TableName?: unknown;
      Key?: Record<string, AttributeValue>;
      Item?: Record<string, AttributeValue>;
    };
    const table = typeof TableName === 'string' ? this.indexedTables.get(TableName) : undefined;
    const source = Key ?? Item;
    if (!table || !source || typeof source !== 'object') return undefined;
    const key: Record<string, AttributeValue> = {};
    for (const { AttributeName } of table.keySchema) {
      const value = source[AttributeName];
      if (!value) return undefined;
      key[AttributeName] = value;
    }
    return { table, key };
  }

  /** The item a write concerns, read in process (never counted or billed). */
  private async readItem(write: {
    table: LocalTable;
    key: Record<string, AttributeValue>;
  }): Promise<Record<string, AttributeValue> | undefined> {
    const answer = await this.engine.call('GetItem', {
      TableName: write.table.name,
      Key: write.key,
      ConsistentRead: true,
    });
    if (answer.status !== 200) return undefined;
    return answer.document.Item as Record<string, AttributeValue> | undefined;
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
        // Read as dynalite answers, not serialized: a scan page is up to a megabyte.
        const answer = await this.engine.call('Scan', {
          TableName: table.name,
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        });
        if (answer.status !== 200)
          throw new Error(`scanning ${table.name}: ${JSON.stringify(answer.document)}`);
        const page = answer.document as {
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
    await this.engine.close();
  }
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
  await untilActive(client, table.name);
}

/** Waits for a new table to be ACTIVE, as a DynamoDB client must (dynalite turns it so on its next timer). */
export async function untilActive(client: DynamoDBClient, tableName: string): Promise<void> {
  while (
    (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table?.TableStatus !== 'ACTIVE'
  )
    await new Promise((resolve) => setTimeout(resolve, 5));
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
