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
import { type AwsRequest, type AwsResponse, header } from './protocol.ts';
import type { LocalTable } from './template.ts';

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);

interface Capacity {
  CapacityUnits?: number;
}

export class LocalDynamo {
  private readonly server: Server;
  private readonly listener: RequestListener;
  /** Requests per operation (GetItem, PutItem, UpdateItem...). */
  readonly counts = new Map<string, number>();
  /** Capacity units consumed, as DynamoDB would bill them on demand. */
  readonly units = { read: 0, write: 0 };

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
    let parsed: { ConsumedCapacity?: Capacity | Capacity[]; __type?: string } | undefined;
    try {
      parsed = JSON.parse(body);
    } catch {
      return body;
    }
    if (!parsed) return body;
    if (status === 200 && parsed.ConsumedCapacity) {
      const list = Array.isArray(parsed.ConsumedCapacity)
        ? parsed.ConsumedCapacity
        : [parsed.ConsumedCapacity];
      const units = list.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
      if (isWrite) this.units.write += units;
      else this.units.read += units;
    } else if (status === 400 && String(parsed.__type).endsWith('ConditionalCheckFailedException')) {
      // A failed conditional write is still billed (at least one unit).
      this.units.write += 1;
    }
    if (capacityRequested || !parsed.ConsumedCapacity) return body;
    const { ConsumedCapacity: _dropped, ...rest } = parsed;
    return JSON.stringify(rest);
  }

  /** Serves one request (X-Amz-Target: DynamoDB_20120810.*) through dynalite. */
  async handle(req: AwsRequest): Promise<AwsResponse> {
    const operation = String(header(req, 'x-amz-target') ?? '').split('.')[1] ?? 'unknown';
    this.counts.set(operation, (this.counts.get(operation) ?? 0) + 1);
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
    // The body may have changed: its CRC32 no longer holds, and the SDK checks it only when present.
    const { 'x-amz-crc32': _crc, 'content-length': _length, ...rest } = answer.headers;
    return { status: answer.status, headers: rest, body: responseBody };
  }

  /** Creates the template's tables that do not exist yet (a persisted store keeps its own). */
  async createTables(endpoint: string, tables: readonly LocalTable[]): Promise<void> {
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

  async close(): Promise<void> {
    this.server.closeAllConnections?.();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
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
