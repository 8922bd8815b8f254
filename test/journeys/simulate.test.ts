import { describe, expect, it } from 'vitest';
import { simulateJourney } from '../../local/dev/simulate.ts';
import { PROJECT_ROOT } from '../support/local-system.ts';

const cart = (cartId: string) => ({
  contact: { email: 'sim@example.com' },
  cartId,
  items: [{ sku: 'LAMP-01', name: 'Brass desk lamp', qty: 1, price: 89 }],
  value: 89,
  currency: 'EUR',
});

describe('relance simulate', () => {
  it('prints the timeline of a cart abandoned then ordered after the first reminder', async () => {
    // Act
    const timeline = await simulateJourney(
      'abandoned-cart',
      {
        events: [
          { at: '+0m', type: 'cart.updated', detail: cart('cart-s1') },
          {
            at: '+3h',
            type: 'order.completed',
            detail: {
              contact: { email: 'sim@example.com' },
              orderId: 'o-1',
              cartId: 'cart-s1',
              items: cart('x').items,
              total: 89,
              currency: 'EUR',
            },
          },
        ],
        runFor: '+2d',
      },
      { projectRoot: PROJECT_ROOT },
    );

    // Assess
    const lines = timeline.map((e) => `${e.kind}@${Math.round(e.offsetMs / 60_000)}m`);
    expect(lines).toEqual([
      'event@0m',
      'entered@0m',
      'waiting@0m',
      'resumed@60m',
      'branched@60m',
      'sent@60m',
      'waiting@60m',
      'event@180m',
      'ended@180m',
    ]);
    expect(timeline.find((e) => e.kind === 'sent')?.text).toContain('cart-reminder');
    expect(timeline.at(-1)?.text).toContain('goal_reached');
  });

  it('refuses an unknown journey with the names it knows', async () => {
    await expect(
      simulateJourney(
        'nope',
        { events: [{ type: 'cart.updated', detail: cart('c') }] },
        { projectRoot: PROJECT_ROOT },
      ),
    ).rejects.toThrow(/no journey "nope".*abandoned-cart/);
  });
});
