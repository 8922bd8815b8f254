/**
 * A journey's funnel per step: what each step sent, skipped (by reason), deferred and failed, and
 * what providers reported after the send (delivered, opened...). From the journey's counters for a
 * report, or from ledger entries (with the entries still in flight) for the local page.
 */
import type { LedgerEntry } from '../delivery/ledger.ts';

/** Provider events counted once per message (a second open of the same message is not a new open). */
const FEEDBACK = ['delivered', 'opened', 'clicked', 'bounced', 'complained', 'unsubscribed'] as const;
type Feedback = (typeof FEEDBACK)[number];

export interface StepFunnel {
  readonly id: string;
  sent: number;
  skipped: number;
  skippedBy: Record<string, number>;
  deferred: number;
  failed: number;
  /** Entries still waiting for an outcome (from ledger entries only: the counters count outcomes). */
  inFlight?: number;
  delivered: number;
  opened: number;
  clicked: number;
  bounced: number;
  complained: number;
  /** Contacts who unsubscribed through the message's link. */
  unsubscribed: number;
}

export interface JourneyFunnel {
  readonly journeyId: string;
  readonly since?: string;
  readonly steps: StepFunnel[];
}

/** The provider status a delivery event text records (`<at> <status> [detail]`). */
function feedbackOf(event: string): Feedback | undefined {
  const status = event.split(' ')[1];
  return (FEEDBACK as readonly string[]).includes(status ?? '') ? (status as Feedback) : undefined;
}

/** The step figures a counter adds to. */
const COUNTED: ReadonlySet<string> = new Set(['sent', 'skipped', 'deferred', 'failed', ...FEEDBACK]);

function emptyStep(id: string): StepFunnel {
  return {
    id,
    sent: 0,
    skipped: 0,
    skippedBy: {},
    deferred: 0,
    failed: 0,
    delivered: 0,
    opened: 0,
    clicked: 0,
    bounced: 0,
    complained: 0,
    unsubscribed: 0,
  };
}

/**
 * The funnel from message counters (`<version>|<step>|<metric>`), for every version or one, steps
 * in the definition's order (steps of earlier versions after them).
 */
export function funnelFromCounters(
  counters: ReadonlyMap<string, number>,
  stepOrder: readonly string[],
  version?: string,
): StepFunnel[] {
  const steps = new Map<string, StepFunnel>();
  for (const [name, count] of counters) {
    const [counterVersion, stepId, metric] = name.split('|');
    if (!stepId || !metric || (version && counterVersion !== version)) continue;
    if (count === 0) continue;
    let step = steps.get(stepId);
    if (!step) {
      step = emptyStep(stepId);
      steps.set(stepId, step);
    }
    if (metric.startsWith('skipped:')) {
      const reason = metric.slice('skipped:'.length);
      step.skippedBy[reason] = (step.skippedBy[reason] ?? 0) + count;
    } else if (COUNTED.has(metric)) {
      const counts = step as unknown as Record<string, number>;
      counts[metric] = (counts[metric] ?? 0) + count;
    }
  }
  const rank = (id: string) => {
    const at = stepOrder.indexOf(id);
    return at === -1 ? stepOrder.length : at;
  };
  return [...steps.values()].sort((a, b) => rank(a.id) - rank(b.id) || a.id.localeCompare(b.id));
}

/** Counts one journey's entries created at or after `since`, steps in order of first appearance. */
export function journeyFunnel(
  entries: readonly LedgerEntry[],
  journeyId: string,
  since?: string,
): JourneyFunnel {
  const steps = new Map<string, StepFunnel>();
  const chosen = entries
    // Test sends (`relance send-test`) went to the test list, not to the journey's contacts.
    .filter((e) => e.journeyId === journeyId && !e.test && (!since || e.createdAt >= since))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  for (const entry of chosen) {
    let step = steps.get(entry.stepId);
    if (!step) {
      step = { ...emptyStep(entry.stepId), inFlight: 0 };
      steps.set(entry.stepId, step);
    }
    if (entry.status === 'in_flight') step.inFlight = (step.inFlight ?? 0) + 1;
    else step[entry.status]++;
    if (entry.status === 'skipped') {
      const reason = entry.reason ?? 'unknown';
      step.skippedBy[reason] = (step.skippedBy[reason] ?? 0) + 1;
    }
    const seen = new Set((entry.deliveryEvents ?? []).map(feedbackOf).filter((f) => f !== undefined));
    for (const feedback of seen) step[feedback]++;
  }
  return { journeyId, ...(since ? { since } : {}), steps: [...steps.values()] };
}

/** The funnel as lines for a terminal. */
export function formatFunnel(funnel: JourneyFunnel): string[] {
  return [
    `journey ${funnel.journeyId}${funnel.since ? ` since ${funnel.since}` : ''}`,
    ...formatSteps(funnel.steps),
  ];
}

/** Two lines a step: what was attempted, then what providers reported. */
export function formatSteps(steps: readonly StepFunnel[]): string[] {
  if (steps.length === 0) return ['  no message attempted'];
  return steps.flatMap((s) => {
    const skipped = Object.entries(s.skippedBy)
      .map(([reason, n]) => `${reason} ${n}`)
      .join(', ');
    return [
      `  ${s.id}: sent ${s.sent}, skipped ${s.skipped}${skipped ? ` (${skipped})` : ''}, deferred ${s.deferred}, failed ${s.failed}${
        s.inFlight === undefined ? '' : `, in flight ${s.inFlight}`
      }`,
      `    delivered ${s.delivered}, opened ${s.opened}, clicked ${s.clicked}, bounced ${s.bounced}, complained ${s.complained}, unsubscribed ${s.unsubscribed}`,
    ];
  });
}
