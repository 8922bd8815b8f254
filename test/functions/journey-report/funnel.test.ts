import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../../functions/delivery/ledger.ts';
import { formatFunnel, journeyFunnel } from '../../../functions/journey-report/funnel.ts';

const entry = (over: Partial<LedgerEntry>): LedgerEntry => ({
  ledgerKey: `k-${Math.random()}`,
  contactId: 'c-1',
  journeyId: 'abandoned-cart',
  runKey: 'r-1',
  gen: 0,
  stepId: 'first-reminder',
  channel: 'email',
  template: 'cart-reminder',
  category: 'marketing',
  status: 'sent',
  createdAt: '2026-03-02T11:00:00.000Z',
  updatedAt: '2026-03-02T11:00:01.000Z',
  ...over,
});

describe('journeyFunnel', () => {
  it('counts each step by status, skips by reason, and each provider event once per message', () => {
    // Arrange
    const entries = [
      entry({
        deliveryEvents: [
          '2026-03-02T11:00:02.000Z delivered',
          '2026-03-02T11:05:00.000Z opened',
          '2026-03-02T12:00:00.000Z opened',
          '2026-03-02T12:00:05.000Z clicked https://shop/cart',
        ],
      }),
      entry({ deliveryEvents: ['2026-03-02T11:00:02.000Z bounced Permanent'] }),
      entry({ status: 'skipped', reason: 'unsubscribed' }),
      entry({ status: 'skipped', reason: 'quiet_hours' }),
      entry({ status: 'skipped', reason: 'unsubscribed' }),
      entry({ status: 'failed', reason: 'provider_rejected' }),
      entry({ status: 'in_flight' }),
      entry({ stepId: 'last-call', createdAt: '2026-03-03T10:00:00.000Z' }),
      entry({ journeyId: 'welcome', stepId: 'welcome-email' }),
      entry({ status: 'sent', createdAt: '2026-03-01T00:00:00.000Z', stepId: 'older' }),
    ];

    // Act
    const funnel = journeyFunnel(entries, 'abandoned-cart', '2026-03-02T00:00:00.000Z');

    // Assess
    expect(funnel.steps.map((s) => s.id)).toEqual(['first-reminder', 'last-call']);
    expect(funnel.steps[0]).toEqual({
      id: 'first-reminder',
      sent: 2,
      skipped: 3,
      skippedBy: { unsubscribed: 2, quiet_hours: 1 },
      deferred: 0,
      failed: 1,
      inFlight: 1,
      delivered: 1,
      opened: 1,
      clicked: 1,
      bounced: 1,
      complained: 0,
      unsubscribed: 0,
    });
    expect(funnel.steps[1]?.sent).toBe(1);
    expect(formatFunnel(funnel)[1]).toBe(
      '  first-reminder: sent 2, skipped 3 (unsubscribed 2, quiet_hours 1), deferred 0, failed 1, in flight 1',
    );
  });

  it('says when a journey attempted nothing', () => {
    expect(formatFunnel(journeyFunnel([], 'welcome'))).toEqual(['journey welcome', '  no message attempted']);
  });
});
