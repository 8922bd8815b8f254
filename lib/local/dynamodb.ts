/**
 * DynamoDB, locally: dynalite (in memory, or LevelDB under .relance/ to survive restarts), with the
 * template's tables created at start. The edge hands it requests directly; it never listens.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import type { LocalTable } from './template.ts';

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);
const READS = new Set(['GetItem', 'Query', 'Scan']);

export class LocalDynamo {
  private readonly server: Server;
  /** Requests per operation (GetItem, PutItem, UpdateItem...), for cost accounting. */
  readonly counts = new Map<string, number>();
  /** Estimated capacity units: writes by request size per started KB, reads one per request. */
  readonly units = { read: 0, write: 0 };

  constructor(path?: string) {
    this.server = dynalite({
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
      ...(path ? { path } : {}),
    });
  }

  /** Serves one HTTP request (X-Amz-Target: DynamoDB_20120810.*). */
  handle(req: IncomingMessage, res: ServerResponse): void {
    const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? 'unknown';
    this.counts.set(operation, (this.counts.get(operation) ?? 0) + 1);
    if (WRITES.has(operation)) {
      // The request body over-estimates the item's stored size (DynamoDB JSON is verbose): a conservative estimate.
      let bytes = 0;
      req.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      req.on('end', () => {
        this.units.write += Math.max(1, Math.ceil(bytes / 1024));
      });
    } else if (READS.has(operation)) this.units.read += 1;
    this.server.emit('request', req, res);
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
        if (existing.has(table.name)) continue;
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
    } finally {
      client.destroy();
    }
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      // dynalite closes its LevelDB store when its server closes; it was never listening.
      this.server.close(() => resolve());
      this.server.emit('close');
    });
  }
}
