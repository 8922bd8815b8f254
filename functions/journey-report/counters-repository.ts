/**
 * Reads a journey's counters (./counters.ts) for a run of days: every shard of every day, from the
 * ledger table (messages) and the journey-state table (runs), with BatchGetItem.
 */
import { batchGetAll } from '#platform/batch-get.ts';
import { COUNTER_SHARDS, runCountersKey, sendCountersKey, sumCounters } from './counters.ts';

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
      batchGetAll(
        this.tables.ledger,
        keysOf((day, shard) => sendCountersKey(journeyId, day, shard)),
        { consistent: true },
      ),
      batchGetAll(
        this.tables.journeyState,
        keysOf((day, shard) => runCountersKey(journeyId, day, shard)),
        { consistent: true },
      ),
    ]);
    return { sends: sumCounters(sends), runs: sumCounters(runs) };
  }
}
