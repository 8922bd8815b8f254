// When a send step with a fallback tries its other channel: the channel cannot reach the contact.
import { describe, expect, it } from 'vitest';
import type { LedgerOutcome } from '../../../functions/delivery/ledger.ts';
import { needsFallback } from '../../../functions/journeys/actions.ts';

describe('needsFallback', () => {
  it.each<[LedgerOutcome, boolean]>([
    [{ status: 'skipped', reason: 'sms_opted_out' }, true],
    [{ status: 'skipped', reason: 'suppressed' }, true],
    [{ status: 'failed', reason: 'provider_rejected', detail: 'InvalidParameter: ...' }, true],
    [{ status: 'failed', reason: 'throttled' }, false],
    [{ status: 'skipped', reason: 'no_consent' }, false],
    [{ status: 'skipped', reason: 'cart_emptied' }, false],
    [{ status: 'deferred', reason: 'quiet_hours' }, false],
    [{ status: 'sent', providerMessageId: 'm-1' }, false],
  ])('%j → %s', (outcome, expected) => {
    expect(needsFallback(outcome)).toBe(expected);
  });
});
