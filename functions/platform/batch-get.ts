/** BatchGetItem over any number of keys: 100 per call, unprocessed keys asked again with backoff. */
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '#platform/clients/dynamo.ts';

const BATCH_SIZE = 100;
const ATTEMPTS = 5;

/** The items found for `keys` (missing ones are absent), in no particular order; throws when DynamoDB keeps some unprocessed. */
export async function batchGetAll(
  tableName: string,
  keys: readonly Record<string, unknown>[],
  options: { consistent: boolean },
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (let start = 0; start < keys.length; start += BATCH_SIZE) {
    let pending: Record<string, unknown>[] = keys.slice(start, start + BATCH_SIZE);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt === ATTEMPTS) throw new Error(`${tableName}: unprocessed keys after ${ATTEMPTS} attempts`);
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 2 ** attempt * 25));
      const answer = await dynamo.send(
        new BatchGetCommand({
          RequestItems: { [tableName]: { Keys: pending, ConsistentRead: options.consistent } },
        }),
      );
      items.push(...(answer.Responses?.[tableName] ?? []));
      pending = answer.UnprocessedKeys?.[tableName]?.Keys ?? [];
    }
  }
  return items;
}
