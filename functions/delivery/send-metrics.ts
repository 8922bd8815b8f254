/**
 * The send metrics: every outcome a send attempt records on the ledger is counted once, by what it
 * was (sent by channel, skipped or deferred by reason, failed or throttled), so the dashboard and
 * the alarms read the ledger's decisions without scanning it.
 */
import type { Channel } from '#language/types.ts';
import { METRIC } from '#platform/metric-names.ts';
import { countMetric } from '#platform/metrics.ts';
import type { LedgerOutcome } from './ledger.ts';

/** Counts one recorded outcome of a send on `channel`. */
export function countSendOutcome(channel: Channel, outcome: LedgerOutcome): void {
  switch (outcome.status) {
    case 'sent':
      countMetric(METRIC.messagesSent, 1, { Channel: channel });
      return;
    case 'skipped':
      countMetric(METRIC.messagesSkipped, 1, { Reason: outcome.reason ?? 'unknown' });
      return;
    case 'deferred':
      countMetric(METRIC.messagesDeferred, 1, { Reason: outcome.reason ?? 'unknown' });
      return;
    case 'failed':
      countMetric(outcome.reason === 'throttled' ? METRIC.sendsThrottled : METRIC.sendsFailed);
      return;
    default:
      return;
  }
}

/** A ledger that counts each outcome it settles for `channel` (the repository's other calls pass through). */
export function countingLedger<
  L extends { settle(key: string, outcome: LedgerOutcome, at: string): Promise<void> },
>(ledger: L, channel: Channel): L {
  return Object.create(ledger, {
    settle: {
      value: async (key: string, outcome: LedgerOutcome, at: string) => {
        await ledger.settle(key, outcome, at);
        countSendOutcome(channel, outcome);
      },
    },
  }) as L;
}
