/**
 * Frequency-cap items in the ledger table (`CAP#<contactId>#<channel>`): the recent marketing sends
 * of a contact on a channel. Updated with optimistic concurrency on a version, so two journeys
 * racing for the last slot cannot both take it: the loser re-reads and finds the cap reached.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { CapRule, Channel } from '#language/types.ts';
import { dynamo } from '#platform/clients/dynamo.ts';
import { isConditionFailure } from '#platform/dynamo-errors.ts';
import { type CapDecision, CapEntries, decideCap } from './frequency-cap.ts';

const ATTEMPTS = 8;

export class CapsRepository {
  constructor(private readonly tableName: string) {}

  /** Takes a slot for a send if the cap allows it; a send already counted keeps its slot. */
  async take(
    contactId: string,
    channel: Channel,
    rule: CapRule,
    ledgerKey: string,
    nowMs: number,
  ): Promise<CapDecision> {
    const key = { pk: `CAP#${contactId}#${channel}` };
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const { Item } = await dynamo.send(
        new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
      );
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
