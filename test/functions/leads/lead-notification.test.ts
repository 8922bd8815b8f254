// The round trips between a submitted lead and its rep's notification: each is a DynamoDB or
// provider call the rep waits for. The contact and its events are read while the submission is
// recorded and read once (for scoring and for the e-mail), and the rep's e-mail and SMS go out
// together. Assignments against the local DynamoDB; the contact, its events and the providers faked.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LeadSubmitted } from '#catalogue/lead-submitted.ts';
import type { HistoryEntry } from '../../../functions/contacts/events-repository.ts';
import { newContact } from '../../../functions/contacts/profile-update.ts';
import type { OutgoingEmail } from '../../../functions/delivery/email-sender.ts';
import type { OutgoingSms } from '../../../functions/delivery/sms-sender.ts';
import type { AssignmentRepository as Repository } from '../../../functions/leads/assignment-repository.ts';
import type { LeadDeps } from '../../../functions/leads/lead-service.ts';
import { defaultScoringModel } from '../../../functions/leads/scoring-model.ts';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.ts';
import { MONDAY_11_PARIS, rep, roster } from './fixtures.ts';

const TABLE = 'leads-notification';

let dynamo: LocalDynamo;
let assignmentRepository: new (table: string) => Repository;
let handleLeadSubmitted: typeof import('../../../functions/leads/lead-service.ts').handleLeadSubmitted;

beforeAll(async () => {
  dynamo = await startDynalite();
  await dynamo.createTable(TABLE);
  ({ AssignmentRepository: assignmentRepository } = await import(
    '../../../functions/leads/assignment-repository.ts'
  ));
  ({ handleLeadSubmitted } = await import('../../../functions/leads/lead-service.ts'));
});

afterAll(async () => {
  await dynamo?.stop();
});

/** Twelve events of the contact, newest first, as EventsRepository.recent answers. */
const EVENTS: HistoryEntry[] = Array.from({ length: 12 }, (_, i) => ({
  type: i % 2 === 0 ? 'page.viewed' : 'cart.updated',
  eventId: `e-${i}`,
  occurredAt: new Date(MONDAY_11_PARIS - (i + 1) * 3_600_000).toISOString(),
  detail: {},
}));

interface Calls {
  contact: number;
  history: number[];
  emails: OutgoingEmail[];
  sms: OutgoingSms[];
}

function deps(
  table: string,
  overrides: Partial<LeadDeps> = {},
): { deps: LeadDeps; calls: Calls; assignments: Repository } {
  const calls: Calls = { contact: 0, history: [], emails: [], sms: [] };
  const assignments = new assignmentRepository(table);
  const julien = rep('julien-moreau', { phone: '+33612345678', capacity: 10 });
  return {
    calls,
    assignments,
    deps: {
      assignments,
      roster: async () => roster([julien]),
      contact: async (contactId) => {
        calls.contact++;
        return newContact(contactId, '2026-11-01T09:00:00.000Z');
      },
      history: async (_contactId, limit) => {
        calls.history.push(limit);
        return EVENTS.slice(0, limit);
      },
      sendEmail: async (email) => {
        calls.emails.push(email);
        return `ses-${calls.emails.length}`;
      },
      sendSms: async (sms) => {
        calls.sms.push(sms);
        return `sns-${calls.sms.length}`;
      },
      publish: async () => undefined,
      links: { baseUrl: 'https://leads.example.test', key: async () => 'k'.repeat(64) },
      scoring: defaultScoringModel,
      sending: { fromAddress: 'Relance <hello@shop.example.com>' },
      nowMs: () => MONDAY_11_PARIS,
      ...overrides,
    },
  };
}

function lead(leadId: string): LeadSubmitted {
  return {
    eventId: `evt-${leadId}`,
    occurredAt: new Date(MONDAY_11_PARIS - 1000).toISOString(),
    source: 'relance.leads',
    contact: { contactId: `c-${leadId}`, email: `${leadId}@client.example` },
    leadId,
    firstName: 'Marie',
    lastName: 'Curie',
    company: 'Radium SA',
    companySize: 300,
    country: 'FR',
    postcode: '75011',
    productInterest: 'analytics',
    language: 'fr',
  };
}

describe('a submitted lead', () => {
  it("reads the contact's events once, for scoring and for the rep's e-mail (the newest 8 shown)", async () => {
    // Prepare
    const { deps: leadDeps, calls } = deps(TABLE);

    // Act
    const outcome = await handleLeadSubmitted(leadDeps, lead('l-once'));

    // Assess
    expect(outcome).toMatchObject({ outcome: 'assigned', repId: 'julien-moreau' });
    expect(calls.history).toEqual([100]);
    expect(calls.contact).toBe(1);
    const text = calls.emails[0]?.text ?? '';
    // Shown: the 8 newest (e-0 to e-7, one hour to eight hours before); the four older ones are not.
    expect(text.match(/page\.viewed|cart\.updated/g)).toHaveLength(8);
  });

  it('reads the contact and its events while the submission is being recorded', async () => {
    // Prepare: the submission's write completes only once the contact has been asked for.
    const { deps: leadDeps, calls, assignments } = deps(TABLE);
    const record = assignments.recordSubmission.bind(assignments);
    assignments.recordSubmission = async (...args) => {
      await vi.waitFor(() => expect(calls.contact).toBe(1));
      await vi.waitFor(() => expect(calls.history).toEqual([100]));
      return record(...args);
    };

    // Act
    const outcome = await handleLeadSubmitted(leadDeps, lead('l-parallel'));

    // Assess
    expect(outcome).toMatchObject({ outcome: 'assigned' });
  });

  it('makes five DynamoDB calls before the rep hears of it, none of them reading the lead back', async () => {
    // Prepare: every DynamoDB call the router makes, as sent, until the rep's e-mail.
    const { dynamo: client } = await import('#platform/clients/dynamo.ts');
    const send = vi.spyOn(client, 'send');
    let beforeEmail: string[] = [];
    const { deps: leadDeps, calls } = deps(TABLE, {
      sendEmail: async (email) => {
        beforeEmail = send.mock.calls.map(([command]) => command.constructor.name);
        calls.emails.push(email);
        return 'ses-1';
      },
    });

    // Act
    try {
      await handleLeadSubmitted(leadDeps, lead('l-round-trips'));
    } finally {
      send.mockRestore();
    }

    // Assess: the submission, the score, the claim (which answers the lead as it left it) and the
    // rep's load written; the reps' loads read once. The e-mail shows the score stored alongside.
    expect([...beforeEmail].sort()).toEqual([
      'BatchGetCommand',
      'UpdateCommand',
      'UpdateCommand',
      'UpdateCommand',
      'UpdateCommand',
    ]);
    expect(calls.emails[0]?.subject).toMatch(/^New lead \([ABC], \d+\)/);
  });

  it("stores the lead's score while the reps' loads are read", async () => {
    // Prepare: the score's write completes only once the loads have been asked for.
    const { deps: leadDeps, assignments } = deps(TABLE);
    const loads = vi.spyOn(assignments, 'loads');
    const recordScore = assignments.recordScore.bind(assignments);
    assignments.recordScore = async (...args) => {
      await vi.waitFor(() => expect(loads).toHaveBeenCalled());
      return recordScore(...args);
    };

    // Act
    const outcome = await handleLeadSubmitted(leadDeps, lead('l-score-alongside'));

    // Assess
    expect(outcome).toMatchObject({ outcome: 'assigned', repId: 'julien-moreau' });
    expect(await assignments.lead('l-score-alongside')).toMatchObject({
      owner: 'julien-moreau',
      grade: expect.any(String),
    });
  });

  it("sends the rep's SMS while the e-mail is still being sent, and fails if either fails", async () => {
    // Prepare: the e-mail is accepted only once the test lets it through.
    let acceptEmail: (id: string) => void = () => {};
    const { deps: leadDeps, calls } = deps(TABLE, {
      sendEmail: (email) => {
        calls.emails.push(email);
        return new Promise((resolve) => {
          acceptEmail = resolve;
        });
      },
    });

    // Act
    const routed = handleLeadSubmitted(leadDeps, lead('l-together'));
    await vi.waitFor(() => expect(calls.emails).toHaveLength(1));

    // Assess: the SMS went out while the e-mail waits.
    await vi.waitFor(() => expect(calls.sms).toHaveLength(1));
    expect(calls.sms[0]).toMatchObject({ to: '+33612345678', type: 'Transactional' });
    acceptEmail('ses-1');
    expect(await routed).toMatchObject({ outcome: 'assigned', repId: 'julien-moreau' });

    // A failed SMS fails the invocation (it is retried), though the e-mail was sent.
    const failing = deps(TABLE, {
      sendSms: async () => {
        throw new Error('SNS throttled');
      },
    });
    await expect(handleLeadSubmitted(failing.deps, lead('l-sms-fails'))).rejects.toThrow('SNS throttled');
    expect(failing.calls.emails).toHaveLength(1);
  });
});
