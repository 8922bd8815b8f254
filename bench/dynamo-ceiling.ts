/**
 * The DynamoDB stand-in's own ceiling: dynalite (in memory) driven in process through the same
 * `LocalDynamo.handle` the edge calls, with no SDK and no HTTP, 32 requests in flight. With the
 * number of each operation a sign-up makes, it bounds the sign-ups per second the local runtime
 * can reach whatever else gets faster.
 */
import { LocalDynamo } from '../local/aws/dynamodb.ts';
import type { AwsRequest } from '../local/aws/protocol.ts';
import { count, type Table } from './report.ts';

const TABLE = 'Ceiling';
const IN_FLIGHT = 32;
const MEASURE_MS = 2_000;

function request(operation: string, input: unknown): AwsRequest {
  return {
    method: 'POST',
    path: '/',
    query: new URLSearchParams(),
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `DynamoDB_20120810.${operation}`,
      'x-amz-date': '20260302T100000Z',
      authorization:
        'AWS4-HMAC-SHA256 Credential=local/20260302/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: JSON.stringify(input),
  };
}

/** A contact-like item of about 600 bytes. */
const item = (n: number) => ({
  pk: { S: `CONTACT#${n % 5000}` },
  sk: { S: `EVENT#${n}` },
  email: { S: `someone.${n}@example.com` },
  attributes: { M: { plan: { S: 'pro' }, country: { S: 'FR' }, score: { N: String(n % 97) } } },
  history: { S: 'x'.repeat(400) },
});

const OPERATIONS: Record<string, (n: number) => unknown> = {
  PutItem: (n) => ({ TableName: TABLE, Item: item(n) }),
  GetItem: (n) => ({ TableName: TABLE, Key: { pk: item(n).pk, sk: item(n).sk } }),
  UpdateItem: (n) => ({
    TableName: TABLE,
    Key: { pk: item(n).pk, sk: { S: 'AGGREGATE' } },
    UpdateExpression: 'ADD events :one SET lastSeen = :now',
    ExpressionAttributeValues: { ':one': { N: '1' }, ':now': { S: '2026-03-02T10:00:00Z' } },
  }),
  Query: (n) => ({
    TableName: TABLE,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': item(n).pk },
    Limit: 10,
  }),
};

async function rate(dynamo: LocalDynamo, operation: string, make: (n: number) => unknown): Promise<number> {
  let done = 0;
  let n = 0;
  const stopAt = performance.now() + MEASURE_MS;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (performance.now() < stopAt) {
        const answer = await dynamo.handle(request(operation, make(n++)));
        if (answer.status !== 200) throw new Error(`${operation}: ${answer.status} ${answer.body}`);
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

/**
 * Operations per second for each operation, and the sign-ups per second those rates allow for the
 * given mix (operations of each kind per sign-up).
 */
export async function dynamoCeiling(
  mix: ReadonlyMap<string, number>,
): Promise<{ table: Table; signupsPerSecond: number }> {
  const dynamo = new LocalDynamo();
  await dynamo.start();
  try {
    await dynamo.handle(
      request('CreateTable', {
        TableName: TABLE,
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    // ACTIVE on dynalite's next timer, as a new DynamoDB table is after a while.
    while (!(await dynamo.handle(request('DescribeTable', { TableName: TABLE }))).body.includes('"ACTIVE"'))
      await new Promise((resolve) => setTimeout(resolve, 5));
    const rates = new Map<string, number>();
    for (const [operation, make] of Object.entries(OPERATIONS))
      rates.set(operation, await rate(dynamo, operation, make));
    const mean = [...rates.values()].reduce((a, b) => a + b, 0) / rates.size;
    // Seconds of dynalite per sign-up: each operation of the mix at its measured rate (others at the mean).
    let secondsPerSignup = 0;
    let opsPerSignup = 0;
    for (const [operation, perSignup] of mix) {
      secondsPerSignup += perSignup / (rates.get(operation) ?? mean);
      opsPerSignup += perSignup;
    }
    const signupsPerSecond = secondsPerSignup > 0 ? 1 / secondsPerSignup : Number.POSITIVE_INFINITY;
    const mixText = [...mix]
      .filter(([, n]) => n >= 0.05)
      .map(([operation, n]) => `${operation} ${n.toFixed(1)}`)
      .join(', ');
    return {
      signupsPerSecond,
      table: {
        title: `The DynamoDB stand-in's own ceiling: dynalite in process, no SDK, no HTTP (${IN_FLIGHT} in flight, ${MEASURE_MS / 1000} s each)`,
        columns: ['operation', 'per second'],
        rows: [
          ...[...rates].map(([operation, perSecond]) => [operation, count(Math.round(perSecond))]),
          [
            `sign-ups/s this allows (${opsPerSignup.toFixed(1)} operations each)`,
            count(Math.round(signupsPerSecond)),
          ],
        ],
        notes: [
          `a sign-up's operations, measured in the run above: ${mixText}`,
          'the whole runtime shares one main thread with dynalite: its other work only lowers this bound',
        ],
      },
    };
  } finally {
    await dynamo.close();
  }
}
