import { branch, byField, defineJourney, emit, exit, send, waitFor } from '#language/builder.ts';
import type { Duration } from '#language/types.ts';

/**
 * The prospect's side of a lead: a confirmation e-mail at once, and an SMS when they ticked the
 * SMS box on the form and gave a number. Transactional: they asked to be contacted.
 */
export const leadConfirmation = defineJourney({
  id: 'lead-confirmation',
  description: 'Confirm to the prospect that their request reached sales',
  trigger: { event: 'lead.submitted' },
  entry: { reentry: true, dedupeKey: 'leadId' },
  steps: [
    send('confirmation-email', { channel: 'email', template: 'lead-received', category: 'transactional' }),
    branch('sms-consent', {
      cases: [
        {
          when: {
            all: [
              { field: 'trigger.consent.sms', op: 'isTrue' },
              { field: 'contact.phone', op: 'exists' },
            ],
          },
          steps: [
            send('confirmation-sms', {
              channel: 'sms',
              template: 'lead-received-sms',
              category: 'transactional',
            }),
          ],
        },
      ],
    }),
  ],
});

/** How long the owner of a lead has to accept or contact it, by grade, before a reminder; as long again before reassignment. */
export const LEAD_SLA: Readonly<Record<'A' | 'B' | 'C', Duration>> = {
  A: { minutes: 15 },
  B: { hours: 1 },
  C: { hours: 4 },
};

const responded = { event: 'lead.contacted', correlate: byField('leadId') } as const;
const breach = (stage: 'remind' | 'reassign') => ({
  event: 'lead.sla_breached' as const,
  detail: { leadId: { from: 'trigger.leadId' }, assignmentId: { from: 'trigger.assignmentId' }, stage },
});

/** Wait for a response; on timeout remind, wait again; on a second timeout, reassign. */
function slaFor(grade: 'A' | 'B' | 'C') {
  const id = grade.toLowerCase();
  return [
    waitFor(`respond-${id}`, {
      ...responded,
      timeout: LEAD_SLA[grade],
      onEvent: [exit()],
      onTimeout: [
        emit(`remind-${id}`, breach('remind')),
        waitFor(`respond-${id}-after-reminder`, {
          ...responded,
          timeout: LEAD_SLA[grade],
          onEvent: [exit()],
          onTimeout: [emit(`reassign-${id}`, breach('reassign')), exit()],
        }),
      ],
    }),
  ];
}

/**
 * The lead SLA: one run per assignment. If the owner neither accepts nor marks the lead contacted
 * in time (`lead.contacted` for the lead), the lead router reminds them; if still nothing, it
 * reassigns the lead by the same routing without them and tells their manager, which starts a new
 * run for the new assignment.
 */
export const leadSla = defineJourney({
  id: 'lead-sla',
  description: 'Remind, then reassign, a lead its owner has not responded to in time',
  trigger: { event: 'lead.assigned' },
  entry: { reentry: true, dedupeKey: 'assignmentId' },
  steps: [
    branch('by-grade', {
      cases: [
        { when: { field: 'trigger.grade', op: 'equals', value: 'A' }, steps: slaFor('A') },
        { when: { field: 'trigger.grade', op: 'equals', value: 'B' }, steps: slaFor('B') },
      ],
      otherwise: slaFor('C'),
    }),
  ],
});
