/**
 * Frequency-cap items in the ledger table (`CAP#<contactId>#<channel>`): the recent marketing sends
 * of a contact on a channel. Updated with optimistic concurrency on a version, so two journeys
 * racing for the last slot cannot both take it: the loser re-reads and finds the cap reached.
 */

import type { CapRule, Channel } from '#language/types.ts';
import { dynamo, GetCommand, PutCommand } from '#platform/clients/dynamo.ts';
import { isConditionFailure } from '#platform/dynamo-errors.ts';
import { type CapDecision, CapEntries, decideCap } from './frequency-cap.ts';

const ATTEMPTS = 8;

/** A contact's cap item on a channel as read (undefined: none yet). */
export type CapItem = Record<string, unknown> | undefined;

const capKey = (contactId: string, channel: Channel) => ({ pk: `CAP#${contactId}#${channel}` });

export class CapsRepository {
  constructor(private readonly tableName: string) {}

  /** The cap item, read consistently: to start reading it before `take` needs it. */
  async read(contactId: string, channel: Channel): Promise<CapItem> {
    const { Item } = await dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: capKey(contactId, channel), ConsistentRead: true }),
    );
    return Item;
  }

  /**
   * Takes a slot for a send if the cap allows it; a send already counted keeps its slot. `readAhead`
   * is the item as `read` answered earlier, used by the first attempt: if it changed since, the
   * write's condition fails and the next attempt reads it again.
   */
  async take(
    contactId: string,
    channel: Channel,
    rule: CapRule,
    ledgerKey: string,
    nowMs: number,
    readAhead?: Promise<CapItem>,
  ): Promise<CapDecision> {
    const key = capKey(contactId, channel);
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const Item = attempt === 0 && readAhead ? await readAhead : await this.read(contactId, channel);
      const version = typeof Item?.version === 'number' ? Item.version : undefined;
      const decision = decideCap(CapEntries.parse(Item?.entries), rule, ledgerKey, nowMs);
      if (!decision.allowed || !decision.changed) return decision;
      try {
        await dynamo.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              ...key,
              entries: decision.entries,
              version: (version ?? 0) + 1,
              expiresAt: Math.floor(nowMs / 1000) + (rule.windowDays + 1) * 86_400,
            },
            ConditionExpression: version === undefined ? 'attribute_not_exists(pk)' : 'version = :version',
            ...(version === undefined ? {} : { ExpressionAttributeValues: { ':version': version } }),
          }),
        );
        return decision;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    throw new Error(`cap for ${contactId}/${channel} kept changing; retry the step`);
  }
}
