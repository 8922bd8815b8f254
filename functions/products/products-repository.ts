/**
 * Products table, per SKU (`SKU#<sku>`): the stock level (`STOCK`), the price (`PRICE`), the
 * waitlist in arrival order (`WAIT#<waitlistedAt>#<contactId>`, with a `WAITING#<contactId>` marker
 * so a contact is on a list once), recent interest from carts and waitlists (`INTEREST#<contactId>`,
 * TTL) and price-drop notices (`NOTIFIED#<journey>#<contactId>`). Per cart (`CART#<cartId>` /
 * `STATE`, TTL): the content of its latest `cart.updated`, which messages render at send time.
 * Latest-state items are written on condition that they are newer (time, then event id), so an
 * event arriving late never replaces a newer one.
 */

import * as z from '#catalogue/zod.ts';
import { DeleteCommand, dynamo, GetCommand, PutCommand, QueryCommand } from '#platform/clients/dynamo.ts';
import { isConditionFailure } from '#platform/dynamo-errors.ts';

const skuKey = (sku: string) => `SKU#${sku}`;
const cartKey = (cartId: string) => ({ pk: `CART#${cartId}`, sk: 'STATE' });
const INTEREST_DAYS = 30;
/** A cart is kept this long after its last update (longer than any journey waits on one). */
const CART_DAYS = 90;

/** An instant as `toISOString()` writes it, so stored versions compare as text. */
export function versionTime(at: string): string {
  const ms = Date.parse(at);
  return Number.isNaN(ms) ? at : new Date(ms).toISOString();
}

/** Which event a latest-state item holds: when it happened, and its id to break ties. */
export const StateVersion = z.object({ updatedAt: z.string(), eventId: z.string() });
export type StateVersion = z.infer<typeof StateVersion>;

/** A cart as its latest `cart.updated` left it. */
export const CartState = z.extend(StateVersion, {
  cartId: z.string(),
  items: z.array(z.record(z.string(), z.unknown())),
  value: z.number(),
  currency: z.string(),
  cartUrl: z.optional(z.string()),
});
export type CartState = z.infer<typeof CartState>;

/** A SKU's latest price. */
export const PriceState = z.extend(StateVersion, { price: z.number(), currency: z.string() });
export type PriceState = z.infer<typeof PriceState>;

/** A SKU's latest stock level (`eventId` is absent on levels stored before it was recorded). */
export const StockState = z.object({
  quantity: z.number(),
  updatedAt: z.string(),
  eventId: z.optional(z.string()),
});
export type StockState = z.infer<typeof StockState>;

/** Writes `item` unless a newer version of it is stored; true when written (a retry rewrites the same). */
async function putIfNewer(tableName: string, item: Record<string, unknown> & StateVersion): Promise<boolean> {
  try {
    await dynamo.send(
      new PutCommand({
        TableName: tableName,
        Item: item,
        ConditionExpression:
          'attribute_not_exists(pk) OR updatedAt < :at OR (updatedAt = :at AND (attribute_not_exists(eventId) OR eventId <= :id))',
        ExpressionAttributeValues: { ':at': item.updatedAt, ':id': item.eventId },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

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
  async setStock(sku: string, quantity: number, at: string, eventId?: string): Promise<void> {
    const updatedAt = versionTime(at);
    try {
      await dynamo.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: skuKey(sku), sk: 'STOCK', quantity, updatedAt, ...(eventId ? { eventId } : {}) },
          ConditionExpression: 'attribute_not_exists(pk) OR updatedAt <= :at',
          ExpressionAttributeValues: { ':at': at },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** Keeps a cart's content unless a newer `cart.updated` of it is stored. */
  async saveCart(cart: CartState, nowMs: number): Promise<boolean> {
    return putIfNewer(this.tableName, {
      ...cartKey(cart.cartId),
      ...cart,
      updatedAt: versionTime(cart.updatedAt),
      expiresAt: Math.floor(nowMs / 1000) + CART_DAYS * 86_400,
    });
  }

  /** A cart as its latest `cart.updated` left it, if relance has seen one. */
  async cart(cartId: string): Promise<CartState | undefined> {
    const { Item } = await dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: cartKey(cartId), ConsistentRead: true }),
    );
    return Item ? CartState.parse(Item) : undefined;
  }

  /** Keeps a SKU's price unless a newer one is stored. */
  async setPrice(sku: string, state: PriceState): Promise<boolean> {
    return putIfNewer(this.tableName, {
      pk: skuKey(sku),
      sk: 'PRICE',
      ...state,
      updatedAt: versionTime(state.updatedAt),
    });
  }

  /** A SKU's latest price, if known. */
  async price(sku: string): Promise<PriceState | undefined> {
    const { Item } = await dynamo.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: skuKey(sku), sk: 'PRICE' },
        ConsistentRead: true,
      }),
    );
    return Item ? PriceState.parse(Item) : undefined;
  }

  /** A SKU's latest stock level with its time, if known. */
  async stockState(sku: string): Promise<StockState | undefined> {
    const { Item } = await dynamo.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: skuKey(sku), sk: 'STOCK' },
        ConsistentRead: true,
      }),
    );
    return typeof Item?.quantity === 'number' ? StockState.parse(Item) : undefined;
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
