// The weekly digest e-mail: a headline per active journey (entered, sent, conversion, uplift), the
// quiet ones named, each journey's report in full, and nothing a contact wrote unescaped in the HTML.
import { describe, expect, it } from 'vitest';
import { digestEmail } from '../../../functions/journey-report/digest.ts';
import type { JourneyReport } from '../../../functions/journey-report/journey-report.ts';

const group = (runs: number, converted: number) => ({
  runs,
  converted,
  rate: runs === 0 ? 0 : converted / runs,
  interval: { lower: 0.1, upper: 0.5 },
  revenue: converted * 10,
});
const runs = (entered: number) => ({
  entered,
  heldOut: 0,
  inProgress: 0,
  completed: entered,
  goalReached: 0,
  exited: 0,
  failed: 0,
});
const step = (id: string, sent: number) => ({
  id,
  sent,
  skipped: 0,
  skippedBy: {},
  deferred: 0,
  failed: 0,
  inFlight: 0,
  delivered: sent,
  opened: 0,
  clicked: 0,
  bounced: 0,
  complained: 0,
  unsubscribed: 0,
});

const winBack: JourneyReport = {
  journeyId: 'win-back',
  runs: { ...runs(40), heldOut: 4 },
  conversions: {
    goalEvent: 'order.completed',
    windowDays: 7,
    source: 'history',
    treated: group(36, 9),
    holdout: group(4, 0),
    uplift: { difference: 0.25, lower: 0.01, upper: 0.4, test: 'hybrid score' },
  },
  steps: [step('offer<b>', 36)],
};
const quiet: JourneyReport = {
  journeyId: 'birthday',
  runs: runs(0),
  conversions: {
    goalEvent: 'order.completed',
    windowDays: 7,
    source: 'history',
    treated: group(0, 0),
    holdout: group(0, 0),
  },
  steps: [],
};

describe('digestEmail', () => {
  it('heads with each active journey, names the quiet ones and includes every report', () => {
    const email = digestEmail([winBack, quiet], '2026-03-09T07:00:00.000Z', 'Relance Shop');

    expect(email.subject).toBe('relance weekly digest: 1 active journey, week to 2026-03-09');
    expect(email.text).toContain(
      'win-back: 40 entered, 36 sent, 25.0% converted, uplift +25.0% (95% 1.0% to 40.0%)',
    );
    expect(email.text).toContain('no activity: birthday');
    expect(email.text).toContain('  treated: 9/36 converted');
    expect(email.html).toContain('offer&lt;b&gt;');
    expect(email.html).not.toContain('offer<b>');
  });
});
