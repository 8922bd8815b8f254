/**
 * Products table, per SKU (`SKU#<sku>`): the stock level (`STOCK`), the waitlist in arrival order
 * (`WAIT#<waitlistedAt>#<contactId>`, with a `WAITING#<contactId>` marker so a contact is on a list
 * once), recent interest from carts and waitlists (`INTEREST#<contactId>`, TTL) and price-drop
 * notices (`NOTIFIED#<journey>#<contactId>`).
 */
import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { dynamo } from '#platform/clients/dynamo.ts';
import { isConditionFailure } from '#platform/dynamo-errors.ts';

const skuKey = (sku: string) => `SKU#${sku}`;
const INTEREST_DAYS = 30;

export const WaitlistEntry = z.object({
  sku: z.string(),
  contactId: z.string(),
  waitlistedAt: z.string(),
  /** The entry's sort key, to take it off the list. */
  sk: z.string(),
});
export type WaitlistEntry = z.infer<typeof WaitlistEntry>;

export class ProductsRepository {
  constructor(private readonly tableName: string) {}

  /** Records a stock level unless a later one is already known (events can arrive out of order). */
  async setStock(sku: string, quantity: number, at: string): Promise<void> {
    try {
      await dynamo.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: skuKey(sku), sk: 'STOCK', quantity, updatedAt: at },
          ConditionExpression: 'attribute_not_exists(pk) OR updatedAt <= :at',
          ExpressionAttributeValues: { ':at': at },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** The last known stock of a SKU, if any. */
  async stock(sku: string): Promise<number | undefined> {
    const { Item } = await dynamo.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: skuKey(sku), sk: 'STOCK' },
        ConsistentRead: true,
      }),
    );
    return typeof Item?.quantity === 'number' ? Item.quantity : undefined;
  }

  /** Puts a contact on a SKU's waitlist once; a repeat request keeps the original place. */
  async addToWaitlist(sku: string, contactId: string, waitlistedAt: string): Promise<boolean> {
    const sk = `WAIT#${waitlistedAt}#${contactId}`;
    const marker = { pk: skuKey(sku), sk: `WAITING#${contactId}` };
    const { Item } = await dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: marker, ConsistentRead: true }),
    );
    if (Item && Item.entry !== sk) return false;
    // The entry first, then the marker: a crash in between is repaired by the redelivery.
    await dynamo.send(
      new PutCommand({ TableName: this.tableName, Item: { pk: skuKey(sku), sk, contactId, waitlistedAt } }),
    );
    await dynamo.send(new PutCommand({ TableName: this.tableName, Item: { ...marker, entry: sk } }));
    return true;
  }

  /** The first `limit` contacts on a SKU's waitlist, in arrival order. */
  async waitlist(sku: string, limit: number): Promise<WaitlistEntry[]> {
    const { Items } = await dynamo.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :wait)',
        ExpressionAttributeValues: { ':pk': skuKey(sku), ':wait': 'WAIT#' },
        ScanIndexForward: true,
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    return (Items ?? []).map((item) => WaitlistEntry.parse({ ...item, sku }));
  }

  /** Takes a contact off a waitlist. */
  async removeFromWaitlist(entry: WaitlistEntry): Promise<void> {
    await dynamo.send(
      new DeleteCommand({ TableName: this.tableName, Key: { pk: skuKey(entry.sku), sk: entry.sk } }),
    );
    await dynamo.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { pk: skuKey(entry.sku), sk: `WAITING#${entry.contactId}` },
      }),
    );
  }

  /** Notes that a contact showed interest in a SKU (carted or waitlisted it) at `at`. */
  async noteInterest(
    sku: string,
    contactId: string,
    at: string,
    reason: string,
    nowMs: number,
  ): Promise<void> {
    await dynamo
      .send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: skuKey(sku),
            sk: `INTEREST#${contactId}`,
            contactId,
            lastAt: at,
            reason,
            expiresAt: Math.floor(nowMs / 1000) + INTEREST_DAYS * 86_400,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR lastAt <= :at',
          ExpressionAttributeValues: { ':at': at },
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionFailure(error)) throw error;
      });
  }

  /** Contacts interested in a SKU since `sinceIso`, page by page. */
  async *interested(sku: string, sinceIso: string, pageSize: number): AsyncGenerator<string[]> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await dynamo.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :interest)',
          FilterExpression: 'lastAt >= :since',
          ExpressionAttributeValues: { ':pk': skuKey(sku), ':interest': 'INTEREST#', ':since': sinceIso },
          Limit: pageSize,
          ExclusiveStartKey: startKey,
        }),
      );
      startKey = page.LastEvaluatedKey;
      yield (page.Items ?? []).map((item) => String(item.contactId));
    } while (startKey);
  }

  /** Claims the right to notify a contact about a SKU, at most once per `days`; false if already notified. */
  async claimNotice(
    sku: string,
    journeyId: string,
    contactId: string,
    nowMs: number,
    days: number,
  ): Promise<boolean> {
    const cutoff = new Date(nowMs - days * 86_400_000).toISOString();
    try {
      await dynamo.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: skuKey(sku),
            sk: `NOTIFIED#${journeyId}#${contactId}`,
            notifiedAt: new Date(nowMs).toISOString(),
            expiresAt: Math.floor(nowMs / 1000) + days * 86_400,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR notifiedAt < :cutoff',
          ExpressionAttributeValues: { ':cutoff': cutoff },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
