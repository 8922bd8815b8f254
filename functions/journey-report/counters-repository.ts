/**
 * Reads a journey's counters (./counters.ts) for a run of days: every shard of every day, from the
 * ledger table (messages) and the journey-state table (runs), in batches of 100 keys.
 */
import { BatchGetCommand, dynamo } from '#platform/clients/dynamo.ts';
import { COUNTER_SHARDS, runCountersKey, sendCountersKey, sumCounters } from './counters.ts';

/** BatchGetItem reads at most 100 keys a call. */
const BATCH = 100;

export interface JourneyCounters {
  /** `<version>|<step>|<metric>` → count. */
  readonly sends: Map<string, number>;
  /** `<version>|<metric>` → count. */
  readonly runs: Map<string, number>;
}

/** The UTC days from `first` to `last` (YYYY-MM-DD, both included). */
export function daysBetween(first: string, last: string): string[] {
  const days: string[] = [];
  for (let at = Date.parse(`${first}T00:00:00Z`); at <= Date.parse(`${last}T00:00:00Z`); at += 86_400_000)
    days.push(new Date(at).toISOString().slice(0, 10));
  return days;
}

export class CountersRepository {
  constructor(private readonly tables: { readonly ledger: string; readonly journeyState: string }) {}

  async read(journeyId: string, days: readonly string[]): Promise<JourneyCounters> {
    const shards = Array.from({ length: COUNTER_SHARDS }, (_, shard) => shard);
    const keysOf = <K>(key: (day: string, shard: number) => K) =>
      days.flatMap((day) => shards.map((shard) => key(day, shard)));
    const [sends, runs] = await Promise.all([
      this.readAll(
        this.tables.ledger,
        keysOf((day, shard) => sendCountersKey(journeyId, day, shard)),
      ),
      this.readAll(
        this.tables.journeyState,
        keysOf((day, shard) => runCountersKey(journeyId, day, shard)),
      ),
    ]);
    return { sends: sumCounters(sends), runs: sumCounters(runs) };
  }

  private async readAll(
    table: string,
    keys: ReadonlyArray<Record<string, string>>,
  ): Promise<Array<Record<string, unknown>>> {
    const items: Array<Record<string, unknown>> = [];
    for (let i = 0; i < keys.length; i += BATCH) {
      let pending: Array<Record<string, unknown>> = keys.slice(i, i + BATCH);
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0)
          await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
        const { Responses, UnprocessedKeys } = await dynamo.send(
          new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }),
        );
        items.push(...(Responses?.[table] ?? []));
        pending = UnprocessedKeys?.[table]?.Keys ?? [];
        if (attempt > 8 && pending.length > 0)
          throw new Error(`DynamoDB left ${pending.length} counter keys of ${table} unread; try again`);
      }
    }
    return items;
  }
}
