// Leads end to end on the local runtime, where the model meets the data: behaviour events posted to
// the events API raise a lead's score (the event types the scoring model uses are in the catalogue),
// and when every rep and the fallback queue's manager are full, a lead goes to the unassigned queue:
// nobody past their capacity, no per-lead reminders, one digest to the managers per period.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relanceTables } from '../../local/dev/relance-template.ts';
import { PARIS_COMPANY } from '../support/leads.ts';
import { API_KEY, hours, type LocalSystem, minutes, startLocalSystem } from '../support/local-system.ts';

/** Monday 2 March 2026, 11:00 in Paris: the French reps are on duty. */
const MONDAY_MORNING_PARIS = Date.parse('2026-03-02T10:00:00Z');
const SITE = 'https://shop.example.com';
const GRACE = 'grace.hopper@example.com';

let system: LocalSystem;
let sequence = 0;

beforeAll(async () => {
  system = await startLocalSystem({
    start: MONDAY_MORNING_PARIS,
    environment: { LEAD_FORM_PER_CLIENT_PER_MINUTE: '100' },
  });
});
afterAll(async () => {
  await system.stop();
});

/** A Paris lead from a 300-person company interested in analytics (Julien's postcode territory). */
function parisLead(overrides: Record<string, string> = {}): Record<string, string> {
  sequence += 1;
  return {
    email: `overflow.${sequence}@client.example`,
    firstName: 'Marie',
    lastName: `Overflow${sequence}`,
    ...PARIS_COMPANY,
    ...overrides,
  };
}

async function submit(fields: Record<string, string>): Promise<string> {
  const answer = await fetch(`${system.endpoint}/v1/leads`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: SITE },
    body: new URLSearchParams(fields).toString(),
  });
  expect(answer.status).toBe(202);
  const { leadId } = (await answer.json()) as { leadId: string };
  await system.runtime.idle();
  return leadId;
}

async function postEvent(type: string, detail: Record<string, unknown>): Promise<Response> {
  sequence += 1;
  const response = await fetch(`${system.endpoint}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
    body: JSON.stringify({
      type,
      detail: {
        eventId: `behaviour-${sequence}`,
        occurredAt: new Date(system.runtime.clock.now() - minutes(5)).toISOString(),
        source: 'www.acme.example',
        ...detail,
      },
    }),
  });
  await system.runtime.idle();
  return response;
}

async function assignments() {
  const { AssignmentRepository } = await import('../../functions/leads/assignment-repository.ts');
  return new AssignmentRepository(relanceTables(system.runtime.app).leads ?? '');
}

async function roster() {
  const { loadRoster } = await import('../../functions/leads/roster.ts');
  return loadRoster();
}

describe('when nobody has room for a lead', () => {
  it('queues it unassigned: nobody over capacity, no reminders, one digest to the managers per period', async () => {
    // Prepare: every rep, the fallback queue's manager included, holds as many leads as their capacity
    const leads = await assignments();
    const { reps } = await roster();
    const at = new Date(system.runtime.clock.now()).toISOString();
    for (const rep of reps) {
      for (let n = 0; ; n++) {
        const result = await leads.assign(`held-${rep.id}-${n}`, rep.id, rep.capacity, at);
        if (result.outcome !== 'assigned') break;
      }
    }
    const mailsBefore = system.runtime.ses.emails().length;

    // Act: 24 leads, then the hourly pass (its first run is due now)
    const queued: string[] = [];
    for (let i = 0; i < 24; i++) queued.push(await submit(parisLead()));
    await system.advance(minutes(30));

    // Assess: nobody past their capacity
    const loads = await leads.loads(reps.map((rep) => rep.id));
    for (const rep of reps) expect(loads[rep.id]?.open, rep.id).toBeLessThanOrEqual(rep.capacity);
    // Each lead waits in the queue, owned by nobody
    for (const leadId of queued) {
      expect(await leads.lead(leadId), leadId).toMatchObject({ status: 'unassigned' });
      expect((await leads.lead(leadId))?.owner, leadId).toBeUndefined();
    }
    expect((await leads.unassigned()).map((q) => q.leadId).sort()).toEqual([...queued].sort());
    // No rep notification nor reminder per lead; one digest listing them all, to the managers
    const sent = system.runtime.ses.emails().slice(mailsBefore);
    const toReps = sent.filter((e) => e.destination.to.some((to) => to.endsWith('@example.com')));
    expect(toReps.filter((e) => /^(New lead|Reminder:)/.test(e.subject))).toEqual([]);
    const digests = toReps.filter((e) => e.subject.startsWith('Unassigned leads'));
    expect(digests).toHaveLength(1);
    expect(digests[0]?.subject).toBe('Unassigned leads: 24 waiting, everyone is at capacity');
    expect(digests[0]?.destination.to).toEqual([GRACE]);
    expect(digests[0]?.destination.cc).toEqual(
      expect.arrayContaining(['claire.martin@example.com', 'jonas.weber@example.com']),
    );
    expect(digests[0]?.body.text?.match(/^- Marie Overflow/gm)).toHaveLength(24);

    // Act + Assess: three more hours: one digest per pass, still no reminder, nobody over capacity
    await system.advance(hours(3));
    const later = system.runtime.ses.emails().slice(mailsBefore);
    expect(later.filter((e) => e.subject.startsWith('Unassigned leads'))).toHaveLength(4);
    expect(later.filter((e) => /^(New lead|Reminder:|SLA lapsed)/.test(e.subject))).toEqual([]);
    const after = await leads.loads(reps.map((rep) => rep.id));
    for (const rep of reps) expect(after[rep.id]?.open, rep.id).toBeLessThanOrEqual(rep.capacity);
  });

  it('gives a queued lead to the first rep who has room again, at the next pass', async () => {
    // Prepare: Julien closes one of his leads
    const leads = await assignments();
    const waiting = await leads.unassigned();
    const now = new Date(system.runtime.clock.now()).toISOString();
    await leads.release('held-julien-moreau-0', 'julien-moreau', now, 'closed');

    // Act
    await system.advance(hours(1));

    // Assess: the oldest waiting lead went to Julien, announced as usual; the digest lists the rest
    const first = waiting[0]?.leadId ?? '';
    expect(await leads.lead(first)).toMatchObject({ owner: 'julien-moreau', status: 'assigned' });
    expect((await leads.unassigned()).map((q) => q.leadId)).not.toContain(first);
    const notices = system.runtime.ses
      .emails()
      .filter(
        (e) => e.destination.to.includes('julien.moreau@example.com') && e.subject.startsWith('New lead'),
      );
    expect(notices.at(-1)?.subject).toMatch(/Marie Overflow/);
    const digests = system.runtime.ses.emails().filter((e) => e.subject.startsWith('Unassigned leads'));
    expect(digests.at(-1)?.subject).toBe('Unassigned leads: 23 waiting, everyone is at capacity');
  });
});

describe('lead scoring on behaviour posted to the events API', () => {
  // Everyone is still full here: the leads wait unassigned, and are scored all the same.
  it('accepts page.viewed, demo.requested and webinar.attended, and scores the lead that follows on them', async () => {
    // Prepare: one prospect who viewed pricing, asked for a demo and attended a webinar; one who did not
    const engaged = parisLead();
    const contact = { email: engaged.email };
    const answers = await Promise.all([
      postEvent('page.viewed', { contact, path: '/pricing', url: 'https://www.acme.example/pricing' }),
      postEvent('demo.requested', { contact, product: 'analytics' }),
      postEvent('webinar.attended', { contact, webinarId: 'wb-1', minutesAttended: 40 }),
    ]);

    // Act
    const engagedId = await submit(engaged);
    const quietId = await submit(parisLead());

    // Assess: the events API accepted them (it refused them as unknown before), and they count
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    const leads = await assignments();
    const [scored, quiet] = [await leads.lead(engagedId), await leads.lead(quietId)];
    expect(scored?.fired?.map((f) => f.ruleId)).toEqual(
      expect.arrayContaining(['pricing-page', 'demo-requested', 'webinar-attended']),
    );
    expect(quiet?.fired?.map((f) => f.ruleId)).not.toContain('demo-requested');
    // 15 + 30 + 10 points, decayed by five minutes at most.
    expect((scored?.score ?? 0) - (quiet?.score ?? 0)).toBeGreaterThan(54);
    expect(scored?.grade).toBe('A');
  });
});
