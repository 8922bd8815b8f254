/**
 * DynamoDB in process for repository tests: the local runtime's DynamoDB (dynalite, with the
 * transactions it lacks) on a loopback port, tables created on demand.
 * The adapters' shared SDK clients read AWS_ENDPOINT_URL when their module first loads, so start
 * this before importing them (lazily) and stop it in afterAll.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynaliteEngine } from '../../local/aws/dynalite-engine.ts';
import { LocalDynamo as LocalDynamoService, untilActive } from '../../local/aws/dynamodb.ts';
import { LocalTransactions } from '../../local/aws/dynamodb-transactions.ts';
import { serveAws } from '../../local/aws/http-adapter.ts';
import type { LocalTable } from '../../local/aws/template.ts';

export interface LocalDynamo {
  readonly endpoint: string;
  /** A document client on the local DynamoDB, for the test's own reads and writes. */
  readonly documents: DynamoDBDocumentClient;
  /** Creates a table keyed by `pk` (and `sk` unless `sortKey: false`), both strings. */
  createTable(name: string, options?: { sortKey?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

export async function startDynalite(): Promise<LocalDynamo> {
  const service = new LocalDynamoService();
  await service.start();
  const served = await serveAws((req) => service.handle(req), { host: '127.0.0.1', port: 0 });
  const endpoint = served.url;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1' });
  process.env.AWS_ENDPOINT_URL = endpoint;
  return {
    endpoint,
    documents: DynamoDBDocumentClient.from(client),
    async createTable(name, options = {}) {
      const keys = options.sortKey === false ? ['pk'] : ['pk', 'sk'];
      await client.send(
        new CreateTableCommand({
          TableName: name,
          KeySchema: keys.map((key, i) => ({ AttributeName: key, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
          AttributeDefinitions: keys.map((key) => ({ AttributeName: key, AttributeType: 'S' })),
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      // dynalite answers CREATING and turns the table ACTIVE on a timer, even with createTableMs 0:
      // a read before then gets ResourceNotFoundException, as DynamoDB's would.
      await untilActive(client, name);
    },
    async stop() {
      delete process.env.AWS_ENDPOINT_URL;
      client.destroy();
      await served.close();
      await service.close();
    },
  };
}

/**
 * The local DynamoDB with index writes billed as DynamoDB bills them (the cost script's setting),
 * on a loopback port, with tables declared as the template declares them (indexes, TTL).
 */
export async function startBilledDynamo(
  tables: readonly LocalTable[],
): Promise<{ dynamo: LocalDynamoService; endpoint: string; stop(): Promise<void> }> {
  const dynamo = new LocalDynamoService();
  dynamo.billIndexWrites = true;
  await dynamo.start();
  const served = await serveAws((req) => dynamo.handle(req), { host: '127.0.0.1', port: 0 });
  await dynamo.createTables(served.url, tables);
  return {
    dynamo,
    endpoint: served.url,
    async stop() {
      await served.close();
      await dynamo.close();
    },
  };
}

/**
 * The local transactions over a dynalite engine called in process, as LocalDynamo runs them;
 * `onRequest` hears each single-item request they make, `nowMs` is their clock (client tokens).
 */
export function engineTransactions(
  engine: DynaliteEngine,
  options: { readonly onRequest?: (operation: string) => void; readonly nowMs?: () => number } = {},
): LocalTransactions {
  return new LocalTransactions(async (operation, input) => {
    options.onRequest?.(operation);
    const answer = await engine.call(operation, JSON.parse(JSON.stringify(input)));
    return { status: answer.status, body: JSON.stringify(answer.document) };
  }, options.nowMs);
}

/** Creates a table keyed by a string `pk` on the engine, and waits until it is ACTIVE. */
export async function createEngineTable(engine: DynaliteEngine, name: string): Promise<void> {
  await engine.call('CreateTable', {
    TableName: name,
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  });
  // dynalite answers CREATING and turns the table ACTIVE on a timer, even with createTableMs 0.
  const status = async () =>
    (
      (await engine.call('DescribeTable', { TableName: name })).document as {
        Table?: { TableStatus?: string };
      }
    ).Table?.TableStatus;
  while ((await status()) !== 'ACTIVE') await new Promise((resolve) => setTimeout(resolve, 5));
}
