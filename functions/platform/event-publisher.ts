/** Puts events on the relance bus, failing loudly when EventBridge rejects an entry. */
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { eventBridge } from '#platform/clients/eventbridge.ts';

export interface BusEvent {
  readonly source: string;
  readonly detailType: string;
  readonly detail: Record<string, unknown>;
  readonly time?: Date;
}

/** Publishes up to 10 events in one call; throws if any entry failed so the caller retries. */
export async function publishEvents(busName: string, events: readonly BusEvent[]): Promise<string[]> {
  if (events.length === 0) return [];
  if (events.length > 10) throw new Error('PutEvents takes at most 10 entries');
  const result = await eventBridge.send(
    new PutEventsCommand({
      Entries: events.map((e) => ({
        EventBusName: busName,
        Source: e.source,
        DetailType: e.detailType,
        Detail: JSON.stringify(e.detail),
        ...(e.time ? { Time: e.time } : {}),
      })),
    }),
  );
  if ((result.FailedEntryCount ?? 0) > 0) {
    const failure = result.Entries?.find((entry) => entry.ErrorCode);
    throw new Error(
      `PutEvents failed: ${failure?.ErrorCode ?? 'unknown'} ${failure?.ErrorMessage ?? ''}`.trim(),
    );
  }
  return (result.Entries ?? []).map((entry) => entry.EventId ?? '');
}
