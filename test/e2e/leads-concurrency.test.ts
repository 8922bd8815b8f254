// Many leads at once through the public form: every lead gets exactly one owner, and no rep goes
// over the capacity set through the reps API, whatever the interleaving of the router's writes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, type LocalSystem, startLocalSystem } from '../support/local-system.ts';

/** Monday 2 March 2026, 11:00 in Paris: the French reps are on duty. */
const MONDAY_MORNING_PARIS = Date.parse('2026-03-02T10:00:00Z');
const LEADS = 40;

let system: LocalSystem;

beforeAll(async () => {
  system = await startLocalSystem({
    start: MONDAY_MORNING_PARIS,
    environment: { LEAD_FORM_PER_CLIENT_PER_MINUTE: '1000' },
  });
});
afterAll(async () => {
  await system.stop();
});

async function setCapacity(repId: string, capacity: number): Promise<void> {
  const url = `${system.endpoint}/v1/reps/${repId}`;
  const current = (await (await fetch(url, { headers: { 'x-api-key': API_KEY } })).json()) as {
    rep: Record<string, unknown>;
  };
  const answer = await fetch(url, {
    method: 'PUT',
    headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ ...current.rep, capacity }),
  });
  expect(answer.status).toBe(200);
}

describe('simultaneous leads', () => {
  it('never gives a lead two owners nor a rep more leads than their capacity', async () => {
    // Prepare: the two French reps can take 5 and 3 leads
    await setCapacity('julien-moreau', 5);
    await setCapacity('claire-martin', 3);

    // Act: 40 Paris leads posted at once
    const answers = await Promise.all(
      Array.from({ length: LEADS }, (_, i) =>
        fetch(`${system.endpoint}/v1/leads`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            origin: 'https://shop.example.com',
          },
          body: new URLSearchParams({
            email: `rush.${i}@client.example`,
            country: 'FR',
            postcode: '75002',
            productInterest: 'analytics',
            language: 'fr',
          }).toString(),
        }),
      ),
    );
    const leadIds = await Promise.all(
      answers.map(async (a) => ((await a.json()) as { leadId: string }).leadId),
    );
    await system.runtime.idle();

    // Assess
    expect(answers.map((a) => a.status)).toEqual(Array(LEADS).fill(202));
    const { AssignmentRepository } = await import('../../functions/leads/assignment-repository.ts');
    const assignments = new AssignmentRepository(system.tables.leads ?? '');
    const leads = await Promise.all(leadIds.map((id) => assignments.lead(id)));
    const owners = leads.map((lead) => lead?.owner);
    expect(owners.every((owner) => typeof owner === 'string')).toBe(true);
    const count = (repId: string) => owners.filter((owner) => owner === repId).length;
    expect(count('julien-moreau')).toBe(5);
    expect(count('claire-martin')).toBe(3);
    const loads = await assignments.loads(['julien-moreau', 'claire-martin']);
    expect(loads['julien-moreau']?.open).toBe(5);
    expect(loads['claire-martin']?.open).toBe(3);
    // One assignment each (a claim on a rep found full is undone, not counted)
    const { assignmentIdOf } = await import('../../functions/leads/lead-service.ts');
    for (const lead of leads) expect(lead && assignmentIdOf(lead)).toBe(`${lead?.leadId}.1`);
    // Every rep notified once per lead they own
    const julienMails = system.runtime.ses
      .emails()
      .filter((e) => e.destination.to.includes('julien.moreau@example.com'));
    expect(julienMails).toHaveLength(5);
  });
});
