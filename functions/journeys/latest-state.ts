/**
 * Messages render from the entity's latest state, not from the trigger a run started with: a cart
 * reminder sent an hour after the first `cart.updated` shows the cart as its last `cart.updated`
 * left it; a back-in-stock or price-drop message shows the SKU's stock level or price as last known.
 * Read at send time from the products table (ingest keeps the newest version of each, an event
 * arriving late never replacing a newer one). The version used is recorded in the ledger.
 *
 * Templates keep reading `trigger.*`: the trigger's entity fields are replaced by the latest ones.
 * A cart emptied since the run started is not reminded of (skipped `cart_emptied`), nor a price
 * drop that no longer holds (skipped `price_no_longer_lower`).
 */

import type { RenderedFrom } from '../delivery/ledger.ts';
import type { ProductsRepository, StateVersion } from '../products/products-repository.ts';
import { versionTime } from '../products/products-repository.ts';

export interface LatestState {
  /** The trigger with its entity fields as they are now. */
  readonly trigger: Record<string, unknown>;
  readonly renderedFrom: readonly RenderedFrom[];
  /** Set when the entity's latest state says the message no longer makes sense. */
  readonly skip?: { readonly reason: 'cart_emptied' | 'price_no_longer_lower'; readonly detail: string };
}

/** The cart fields each trigger type carries, replaced by the cart's latest ones. */
const CART_FIELDS: Readonly<Record<string, readonly string[]>> = {
  'cart.updated': ['items', 'value', 'currency', 'cartUrl'],
  'checkout.started': ['value', 'currency'],
};

/** Whether a stored version is newer than the trigger (by time, then event id). */
function newer(
  version: StateVersion | { updatedAt: string; eventId?: string },
  trigger: Record<string, unknown>,
) {
  const triggerAt = typeof trigger.occurredAt === 'string' ? versionTime(trigger.occurredAt) : '';
  if (version.updatedAt !== triggerAt) return version.updatedAt > triggerAt;
  return (
    version.eventId !== undefined && typeof trigger.eventId === 'string' && version.eventId > trigger.eventId
  );
}

function rendered(
  entity: RenderedFrom['entity'],
  id: string,
  version: { updatedAt: string; eventId?: string | undefined },
  newerThanTrigger: boolean,
): RenderedFrom {
  return {
    entity,
    id,
    updatedAt: version.updatedAt,
    ...(version.eventId ? { eventId: version.eventId } : {}),
    newerThanTrigger,
  };
}

/** The trigger with the latest state of the entity it is about, and the version used. */
export async function latestState(
  products: Pick<ProductsRepository, 'cart' | 'stockState' | 'price'>,
  triggerType: string | undefined,
  trigger: Record<string, unknown>,
): Promise<LatestState> {
  const cartFields = triggerType ? CART_FIELDS[triggerType] : undefined;
  if (cartFields && typeof trigger.cartId === 'string') {
    const cart = await products.cart(trigger.cartId);
    if (!cart) return { trigger, renderedFrom: [] };
    const isNewer = newer(cart, trigger);
    const version = [rendered('cart', cart.cartId, cart, isNewer)];
    if (!isNewer) return { trigger, renderedFrom: version };
    const latest: Record<string, unknown> = { ...trigger };
    for (const field of cartFields) {
      const value = (cart as Record<string, unknown>)[field];
      if (value === undefined) delete latest[field];
      else latest[field] = value;
    }
    const emptied =
      triggerType === 'cart.updated' && cart.items.length === 0
        ? {
            skip: {
              reason: 'cart_emptied' as const,
              detail: `cart.updated ${cart.eventId} at ${cart.updatedAt} has no items`,
            },
          }
        : {};
    return { trigger: latest, renderedFrom: version, ...emptied };
  }
  if (triggerType === 'product.stock_changed' && typeof trigger.sku === 'string') {
    const stock = await products.stockState(trigger.sku);
    if (!stock) return { trigger, renderedFrom: [] };
    const isNewer = newer(stock, trigger);
    return {
      trigger: isNewer ? { ...trigger, newQuantity: stock.quantity } : trigger,
      renderedFrom: [rendered('stock', trigger.sku, stock, isNewer)],
    };
  }
  if (triggerType === 'product.price_changed' && typeof trigger.sku === 'string') {
    const price = await products.price(trigger.sku);
    if (!price) return { trigger, renderedFrom: [] };
    const isNewer = newer(price, trigger);
    const renderedFrom = [rendered('price', trigger.sku, price, isNewer)];
    if (!isNewer) return { trigger, renderedFrom };
    const oldPrice = typeof trigger.oldPrice === 'number' ? trigger.oldPrice : undefined;
    const reverted =
      oldPrice !== undefined && price.price >= oldPrice && price.currency === trigger.currency
        ? {
            skip: {
              reason: 'price_no_longer_lower' as const,
              detail: `price ${price.price} ${price.currency} at ${price.updatedAt}, not below ${oldPrice}`,
            },
          }
        : {};
    return {
      trigger: { ...trigger, newPrice: price.price, currency: price.currency },
      renderedFrom,
      ...reverted,
    };
  }
  return { trigger, renderedFrom: [] };
}
