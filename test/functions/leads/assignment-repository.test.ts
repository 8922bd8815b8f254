// Lead assignment against a real DynamoDB API (dynalite in process): conditional writes, idempotent
// retries, the crash window between claiming a lead and taking capacity, and races: many leads for
// few slots, many reps for one lead.
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssignmentRepository as Repository } from '../../../functions/leads/assignment-repository.ts';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.ts';

const TABLE = 'leads-test';
const AT = '2026-11-23T10:00:00.000Z';

let dynamo: LocalDynamo;
let raw: DynamoDBDocumentClient;
let repository: Repository;

beforeAll(async () => {
  dynamo = await startDynalite();
  raw = dynamo.documents;
  await dynamo.createTable(TABLE);
  const { AssignmentRepository } = await import('../../../functions/leads/assignment-repository.ts');
  repository = new AssignmentRepository(TABLE);
});

afterAll(async () => {
  await dynamo?.stop();
});

describe('assign', () => {
  it('gives the lead an owner, counts it in the rep’s load and records why', async () => {
    // Prepare
    await repository.recordScore(
      'l-1',
      { score: 72.5, grade: 'A', fired: [{ ruleId: 'demo', points: 30 }] },
      AT,
    );

    // Act
    const result = await repository.assign('l-1', 'rep-1', 2, AT, { rule: 'round_robin', passDelta: 0.5 });

    // Assess
    // The lead as the claim left it comes back with the answer: the router need not read it again.
    expect(result).toEqual({
      outcome: 'assigned',
      repId: 'rep-1',
      resumed: false,
      lead: await repository.lead('l-1'),
    });
    expect(await repository.lead('l-1')).toMatchObject({
      leadId: 'l-1',
      owner: 'rep-1',
      rule: 'round_robin',
      status: 'assigned',
      score: 72.5,
      grade: 'A',
      fired: [{ ruleId: 'demo', points: 30 }],
      history: [{ at: AT, what: 'assigned', repId: 'rep-1', rule: 'round_robin' }],
    });
    expect(await repository.loads(['rep-1', 'rep-never'])).toEqual({
      'rep-1': { repId: 'rep-1', open: 1, leads: ['l-1'], pass: 0.5, lastAssignedAt: AT },
      'rep-never': { repId: 'rep-never', open: 0, leads: [] },
    });
  });

  it('claims from the caller’s copy of the lead without reading it, and a stale copy gives no second owner', async () => {
    // Prepare: the router's copy, written before another invocation claimed the lead.
    const copy = await repository.recordScore('l-copy', { score: 40, grade: 'B', fired: [] }, AT);
    await repository.assign('l-copy', 'rep-copy-a', 5, AT, { rule: 'round_robin' });
    const fresh = await repository.recordScore('l-copy-fresh', { score: 40, grade: 'B', fired: [] }, AT);

    // Act
    const stale = await repository.assign('l-copy', 'rep-copy-b', 5, AT, {
      rule: 'round_robin',
      known: copy,
    });
    const claimed = await repository.assign('l-copy-fresh', 'rep-copy-b', 5, AT, {
      rule: 'round_robin',
      known: fresh,
    });

    // Assess: the claim's condition read the truth; the fresh copy was claimed as written.
    expect(stale).toEqual({ outcome: 'lead_taken', owner: 'rep-copy-a', status: 'assigned' });
    expect((await repository.lead('l-copy'))?.owner).toBe('rep-copy-a');
    expect((await repository.loads(['rep-copy-b']))['rep-copy-b']).toMatchObject({ leads: ['l-copy-fresh'] });
    expect(claimed).toMatchObject({
      outcome: 'assigned',
      lead: { owner: 'rep-copy-b', score: 40, grade: 'B' },
    });
  });

  it('is idempotent: a repeated call counts the lead once', async () => {
    // Act
    await repository.assign('l-2', 'rep-2', 5, AT, { rule: 'territory_skills' });
    const again = await repository.assign('l-2', 'rep-2', 5, AT, { rule: 'territory_skills' });

    // Assess
    expect(again).toEqual({ outcome: 'assigned', repId: 'rep-2', resumed: true });
    expect((await repository.loads(['rep-2']))['rep-2']).toMatchObject({ open: 1, leads: ['l-2'] });
    expect((await repository.lead('l-2'))?.history).toHaveLength(1);
  });

  it('refuses a lead that has another owner', async () => {
    // Prepare
    await repository.assign('l-3', 'rep-3a', 5, AT);

    // Act
    const result = await repository.assign('l-3', 'rep-3b', 5, AT);

    // Assess
    expect(result).toEqual({ outcome: 'lead_taken', owner: 'rep-3a', status: 'assigned' });
    expect((await repository.loads(['rep-3b']))['rep-3b']?.open).toBe(0);
  });

  it('answers capacity_full for a full rep and leaves the lead as it was', async () => {
    // Prepare
    await repository.recordScore('l-4', { score: 10, grade: 'C', fired: [] }, AT);
    await repository.assign('l-4-other', 'rep-4', 1, AT);

    // Act
    const result = await repository.assign('l-4', 'rep-4', 1, AT, { rule: 'round_robin' });

    // Assess
    expect(result).toEqual({ outcome: 'capacity_full', repId: 'rep-4' });
    const lead = await repository.lead('l-4');
    expect(lead).toMatchObject({ status: 'new' });
    expect(lead?.owner).toBeUndefined();
    expect(lead?.rule).toBeUndefined();
    expect(lead?.history.map((h) => h.what)).toEqual(['assigned', 'skipped']);
    expect((await repository.loads(['rep-4']))['rep-4']).toMatchObject({ open: 1, leads: ['l-4-other'] });
  });

  it('counts a key-account lead without a capacity limit', async () => {
    // Prepare
    await repository.assign('l-12-other', 'rep-12', 1, AT);

    // Act
    const result = await repository.assign('l-12', 'rep-12', Number.POSITIVE_INFINITY, AT, {
      rule: 'key_account',
    });
    const again = await repository.assign('l-12', 'rep-12', Number.POSITIVE_INFINITY, AT, {
      rule: 'key_account',
    });

    // Assess
    expect(result).toMatchObject({
      outcome: 'assigned',
      repId: 'rep-12',
      resumed: false,
      lead: { owner: 'rep-12' },
    });
    expect(again).toEqual({ outcome: 'assigned', repId: 'rep-12', resumed: true });
    expect((await repository.loads(['rep-12']))['rep-12']).toMatchObject({
      open: 2,
      leads: ['l-12', 'l-12-other'],
    });
  });

  it('takes no capacity from a rep with none', async () => {
    // Assess
    expect(await repository.assign('l-5', 'rep-5', 0, AT)).toEqual({
      outcome: 'capacity_full',
      repId: 'rep-5',
    });
    expect(await repository.lead('l-5')).toBeUndefined();
  });
});

/** What a crash between the two writes leaves behind: the lead claimed, the capacity not taken. */
async function claimOnly(leadId: string, repId: string): Promise<void> {
  await raw.send(
    new UpdateCommand({
      TableName: TABLE,
      Key: { pk: `LEAD#${leadId}`, sk: 'LEAD' },
      UpdateExpression: 'SET #owner = :rep, #status = :assigned, priorStatus = :new, #history = :history',
      ExpressionAttributeNames: { '#owner': 'owner', '#status': 'status', '#history': 'history' },
      ExpressionAttributeValues: {
        ':rep': repId,
        ':assigned': 'assigned',
        ':new': 'new',
        ':history': [{ at: AT, what: 'assigned', repId, rule: 'round_robin' }],
      },
    }),
  );
}

// Speed to lead: the router took the lead from these writes instead of reading it back after each.
describe('what the router writes, as it now is', () => {
  it('gives the submission back as stored: the first one wins, and a routed lead shows its owner', async () => {
    // Prepare
    const submission = { contactId: 'c-s1', detail: { leadId: 'l-s1', company: 'Radium' }, submittedAt: AT };
    const first = await repository.recordSubmission('l-s1', submission, AT);
    await repository.assign('l-s1', 'rep-s1', 5, AT, { rule: 'territory_skills' });

    // Act
    const redelivered = await repository.recordSubmission(
      'l-s1',
      { ...submission, detail: { leadId: 'l-s1', company: 'Changed' } },
      '2026-11-23T10:05:00.000Z',
    );

    // Assess
    expect(first).toMatchObject({ leadId: 'l-s1', contactId: 'c-s1', status: 'new' });
    expect(first.owner).toBeUndefined();
    expect(redelivered).toMatchObject({
      owner: 'rep-s1',
      status: 'assigned',
      submission: { company: 'Radium' },
    });
    expect(redelivered).toEqual(await repository.lead('l-s1'));
  });

  it('gives the scored lead back as stored', async () => {
    // Prepare
    await repository.recordSubmission('l-s2', { contactId: 'c-s2', detail: {}, submittedAt: AT }, AT);

    // Act
    const scored = await repository.recordScore('l-s2', { score: 55, grade: 'B', fired: [] }, AT);

    // Assess
    expect(scored).toMatchObject({ leadId: 'l-s2', contactId: 'c-s2', score: 55, grade: 'B', status: 'new' });
    expect(scored).toEqual(await repository.lead('l-s2'));
  });
});

describe('crash between the lead claim and the capacity', () => {
  it('is repaired by the retry for the same rep', async () => {
    // Prepare
    await claimOnly('l-6', 'rep-6');

    // Act
    const result = await repository.assign('l-6', 'rep-6', 3, AT, { rule: 'round_robin' });

    // Assess
    expect(result).toEqual({ outcome: 'assigned', repId: 'rep-6', resumed: true });
    expect((await repository.loads(['rep-6']))['rep-6']).toMatchObject({ open: 1, leads: ['l-6'] });
  });

  it('is repaired by a retry that chose another rep: the owner’s assignment is completed first', async () => {
    // Prepare
    await claimOnly('l-7', 'rep-7a');

    // Act
    const result = await repository.assignFirst(
      'l-7',
      [{ repId: 'rep-7b', capacity: 3, passDelta: 1 }],
      AT,
      'round_robin',
      () => 3,
    );

    // Assess
    expect(result).toEqual({ outcome: 'assigned', repId: 'rep-7a', resumed: true });
    const loads = await repository.loads(['rep-7a', 'rep-7b']);
    expect(loads['rep-7a']).toMatchObject({ open: 1, leads: ['l-7'] });
    expect(loads['rep-7b']).toMatchObject({ open: 0, leads: [] });
  });

  it('lets go of the lead when the owner filled up meanwhile, and the next rep takes it', async () => {
    // Prepare: rep-8a crashed half-way on l-8, then took l-8-other, its only slot.
    await claimOnly('l-8', 'rep-8a');
    await repository.assign('l-8-other', 'rep-8a', 1, AT);

    // Act
    const result = await repository.assignFirst(
      'l-8',
      [{ repId: 'rep-8b', capacity: 3, passDelta: 1 }],
      AT,
      'round_robin',
      () => 1,
    );

    // Assess
    expect(result).toMatchObject({
      outcome: 'assigned',
      repId: 'rep-8b',
      resumed: false,
      lead: { owner: 'rep-8b' },
    });
    expect((await repository.lead('l-8'))?.owner).toBe('rep-8b');
    const loads = await repository.loads(['rep-8a', 'rep-8b']);
    expect(loads['rep-8a']).toMatchObject({ open: 1, leads: ['l-8-other'] });
    expect(loads['rep-8b']).toMatchObject({ open: 1, leads: ['l-8'], pass: 1 });
  });
});

describe('assignFirst', () => {
  it('tries the next rep when one is full and says when all are', async () => {
    // Prepare
    await repository.assign('l-9-other', 'rep-9a', 1, AT);

    // Act
    const next = await repository.assignFirst(
      'l-9',
      [
        { repId: 'rep-9a', capacity: 1, passDelta: 1 },
        { repId: 'rep-9b', capacity: 1, passDelta: 1 },
      ],
      AT,
      'round_robin',
    );
    const none = await repository.assignFirst(
      'l-9-more',
      [
        { repId: 'rep-9a', capacity: 1, passDelta: 1 },
        { repId: 'rep-9b', capacity: 1, passDelta: 1 },
      ],
      AT,
      'round_robin',
    );

    // Assess
    expect(next).toMatchObject({
      outcome: 'assigned',
      repId: 'rep-9b',
      resumed: false,
      lead: { owner: 'rep-9b' },
    });
    expect(none).toEqual({ outcome: 'all_full', tried: ['rep-9a', 'rep-9b'] });
  });
});

describe('release and status', () => {
  it('frees the slot on reassignment, idempotently, so the lead can go to someone else', async () => {
    // Prepare
    await repository.assign('l-10', 'rep-10a', 1, AT, { rule: 'territory_skills' });

    // Act
    await repository.release('l-10', 'rep-10a', AT, 'reassigned');
    await repository.release('l-10', 'rep-10a', AT, 'reassigned');
    const next = await repository.assign('l-10', 'rep-10b', 1, AT, { rule: 'round_robin' });

    // Assess
    expect(next.outcome).toBe('assigned');
    expect((await repository.loads(['rep-10a']))['rep-10a']).toMatchObject({ open: 0, leads: [] });
    const lead = await repository.lead('l-10');
    expect(lead).toMatchObject({ owner: 'rep-10b', status: 'assigned', rule: 'round_robin' });
    expect(lead?.history.map((h) => `${h.what} ${h.repId}`)).toEqual([
      'assigned rep-10a',
      'reassigned rep-10a',
      'assigned rep-10b',
    ]);
  });

  it('keeps the owner on record when a lead is closed, and frees the slot', async () => {
    // Prepare
    await repository.assign('l-11', 'rep-11', 1, AT);

    // Act
    expect(await repository.setStatus('l-11', 'rep-11', 'accepted', AT)).toBe(true);
    expect(await repository.setStatus('l-11', 'someone-else', 'contacted', AT)).toBe(false);
    await repository.release('l-11', 'rep-11', AT, 'closed');

    // Assess
    expect(await repository.lead('l-11')).toMatchObject({ owner: 'rep-11', status: 'closed' });
    expect((await repository.loads(['rep-11']))['rep-11']?.open).toBe(0);
    // A closed lead is not taken again, not even by its owner.
    expect(await repository.assign('l-11', 'rep-11', 1, AT)).toEqual({
      outcome: 'lead_taken',
      owner: 'rep-11',
      status: 'closed',
    });
    expect((await repository.loads(['rep-11']))['rep-11']?.open).toBe(0);
  });
});

describe('concurrency', () => {
  it('never exceeds capacity and never gives a lead two owners', async () => {
    // Prepare: 3 reps with 10 slots each; 50 leads, each trying the reps from a different start.
    const reps = ['race-a', 'race-b', 'race-c'];
    const leads = Array.from({ length: 50 }, (_, i) => `race-lead-${i}`);
    const order = (i: number) => [0, 1, 2].map((k) => reps[(i + k) % 3] ?? 'race-a');

    // Act: 50 leads at once, and 20 reps-at-once for one more lead.
    const results = await Promise.all(
      leads.map((leadId, i) =>
        repository.assignFirst(
          leadId,
          order(i).map((repId) => ({ repId, capacity: 10, passDelta: 1 })),
          AT,
          'round_robin',
        ),
      ),
    );
    const contested = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        repository.assign('contested-lead', `contender-${i % 4}`, 10, AT, { rule: 'round_robin' }),
      ),
    );

    // Assess: the 50 leads filled exactly the 30 slots.
    const loads = await repository.loads(reps);
    for (const repId of reps) {
      expect(loads[repId]?.open).toBe(10);
      expect(loads[repId]?.leads).toHaveLength(10);
    }
    const assigned = results.filter((r) => r.outcome === 'assigned');
    expect(assigned).toHaveLength(30);
    expect(results.filter((r) => r.outcome === 'all_full')).toHaveLength(20);
    const counted = reps.flatMap((repId) => loads[repId]?.leads ?? []);
    expect(new Set(counted).size).toBe(counted.length);
    for (const [i, leadId] of leads.entries()) {
      const lead = await repository.lead(leadId);
      const result = results[i];
      if (result?.outcome === 'assigned') {
        expect(lead?.owner).toBe(result.repId);
        expect(loads[result.repId]?.leads).toContain(leadId);
      } else {
        expect(lead?.owner).toBeUndefined();
        expect(counted).not.toContain(leadId);
      }
    }
    // One owner for the contested lead, counted once, in that owner's load only.
    const owner = (await repository.lead('contested-lead'))?.owner;
    expect(owner).toMatch(/^contender-/);
    for (const result of contested) {
      if (result.outcome === 'assigned') expect(result.repId).toBe(owner);
      else expect(result).toEqual({ outcome: 'lead_taken', owner, status: 'assigned' });
    }
    const contenders = await repository.loads(['contender-0', 'contender-1', 'contender-2', 'contender-3']);
    const total = Object.values(contenders).reduce((sum, load) => sum + load.open, 0);
    expect(total).toBe(1);
    expect(contenders[owner ?? '']?.leads).toEqual(['contested-lead']);
  });
});
