// A lead nobody answers goes down the routing line, SLA after SLA, and ends with the fallback
// queue's manager: never without an owner.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hours, type LocalSystem, startLocalSystem } from '../support/local-system.ts';

let system: LocalSystem;

beforeAll(async () => {
  // Monday 2 March 2026, 11:00 in Paris.
  system = await startLocalSystem({ start: Date.parse('2026-03-02T10:00:00Z') });
});
afterAll(async () => {
  await system.stop();
});

describe('a lead nobody answers', () => {
  it('ends with the fallback queue’s manager, who keeps it and is reminded', async () => {
    // Prepare: a grade B Paris lead (1 h to answer, 1 h more after the reminder)
    const answer = await fetch(`${system.endpoint}/v1/leads`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://shop.example.com' },
      body: new URLSearchParams({
        email: 'ignored@client.example',
        companySize: '300',
        country: 'FR',
        postcode: '75011',
        productInterest: 'analytics',
        language: 'fr',
      }).toString(),
    });
    const { leadId } = (await answer.json()) as { leadId: string };

    // Act: twelve hours, then four more
    await system.advance(hours(12));
    const { AssignmentRepository } = await import('../../functions/leads/assignment-repository.ts');
    const leads = new AssignmentRepository(system.tables.leads ?? '');
    const after12 = await leads.lead(leadId);
    await system.advance(hours(4));
    const after16 = await leads.lead(leadId);

    // Assess
    expect(after12).toMatchObject({ owner: 'grace-hopper', status: 'assigned' });
    const lapsed = after12?.history.filter((h) => h.what === 'reassigned').map((h) => h.repId) ?? [];
    expect(lapsed.slice(0, 2)).toEqual(['julien-moreau', 'claire-martin']);
    expect(new Set(lapsed).size).toBe(lapsed.length);
    expect(lapsed).not.toContain('grace-hopper');
    expect(after16).toMatchObject({ owner: 'grace-hopper', status: 'assigned' });
    const reminders = system.runtime.ses
      .emails()
      .filter((e) => e.destination.to.includes('grace.hopper@example.com') && /^Reminder:/.test(e.subject));
    expect(reminders.length).toBeGreaterThanOrEqual(2);
  });
});
