// The emit step checks the event it builds against the catalogue, which it now loads on its first
// call (not at the step function's cold start): a valid event is published once with an id the
// retry repeats, an invalid one fails the step naming the field and publishes nothing.
import { describe, expect, it } from 'vitest';
import { defineJourney, emit } from '#language/builder.ts';
import type { BusEvent } from '#platform/event-publisher.ts';
import { emit as emitStep } from '../../../functions/journeys/actions.ts';
import type { JourneyDeps } from '../../../functions/journeys/context.ts';

const journey = defineJourney({
  id: 'sla',
  description: 'emits a breach',
  trigger: { event: 'lead.assigned' },
  entry: { reentry: false },
  steps: [
    emit('breach', {
      event: 'lead.sla_breached',
      detail: {
        leadId: { from: 'trigger.leadId' },
        assignmentId: { from: 'trigger.assignmentId' },
        stage: 'remind',
      },
    }),
  ],
});

function depsPublishingTo(published: BusEvent[]): JourneyDeps {
  return {
    findJourney: () => journey,
    publish: async (events: BusEvent[]) => {
      published.push(...events);
    },
  } as unknown as JourneyDeps;
}

const context = (trigger: Record<string, unknown>) => ({
  proceed: true,
  journeyId: 'sla',
  runKey: 'lead:l-1',
  gen: 1,
  contactId: 'c-1',
  trigger,
});

describe('the emit step', () => {
  it('publishes the event its detail resolves to, with the same id when the step is retried', async () => {
    // Prepare
    const published: BusEvent[] = [];
    const deps = depsPublishingTo(published);
    const trigger = { leadId: 'l-1', assignmentId: 'l-1.1' };

    // Act
    const first = await emitStep(deps, 'sla', 'breach', context(trigger));
    const retried = await emitStep(deps, 'sla', 'breach', context(trigger));

    // Assess
    expect(retried.emitted).toBe(first.emitted);
    expect(published).toHaveLength(2);
    expect(published[0]).toMatchObject({
      detailType: 'lead.sla_breached',
      detail: { eventId: first.emitted, leadId: 'l-1', assignmentId: 'l-1.1', stage: 'remind' },
    });
  });

  it('fails naming the field when the detail is not a valid event, and publishes nothing', async () => {
    // Prepare
    const published: BusEvent[] = [];

    // Act
    const emitting = emitStep(depsPublishingTo(published), 'sla', 'breach', context({ leadId: 'l-1' }));

    // Assess
    await expect(emitting).rejects.toThrow(
      /emit step "breach" built an invalid lead\.sla_breached: .*assignmentId/,
    );
    expect(published).toHaveLength(0);
  });
});
