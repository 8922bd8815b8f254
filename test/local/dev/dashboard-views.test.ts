// The local page's JSON views of leads, reps, audience passes and segments, and the outbox's
// attachments, read through the page's own routes from the whole system on a virtual clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ContactView,
  dashboardWeb,
  type LeadView,
  type OutboxView,
  type PassesView,
  type RepsView,
  type SegmentView,
} from '../../../local/dev/dashboard.ts';
import { journeysByStateMachine } from '../../../local/dev/relance-template.ts';
import { segments } from '../../../workflows/segments/index.ts';
import { eventId, type LocalSystem, startLocalSystem } from '../../support/local-system.ts';

/** Monday 2 March 2026, 11:00 in Paris: the European reps are on duty, the American ones are not. */
const MONDAY_MORNING_PARIS = Date.parse('2026-03-02T10:00:00Z');
const SITE = 'https://shop.example.com';
const PROSPECT = 'ada.prospect@client.example';
const SECOND_PROSPECT = 'bob.prospect@client.example';
const BOOKER = 'irene.booked@client.example';
const BUYER = 'oscar.buyer@shop.example';
const iso = (ms: number) => new Date(ms).toISOString();

let system: LocalSystem;
/** The leads, in the order they were posted. */
const leadIds: string[] = [];

/** A view as the page fetches it, through the runtime's `web` answer. */
async function view<T>(name: string): Promise<T> {
  const answer = await dashboardWeb(system.runtime, {
    method: 'GET',
    path: `/_relance/${name}`,
    query: new URLSearchParams(),
    headers: {},
    body: '',
  });
  expect(answer).toMatchObject({ status: 200, headers: { 'content-type': 'application/json' } });
  return JSON.parse(answer?.body ?? '') as T;
}

const put = (type: string, detail: Record<string, unknown>) =>
  system.put(type, {
    eventId: eventId(type),
    occurredAt: iso(system.runtime.clock.now()),
    source: 'shop.test',
    ...detail,
  });

/** Posts the public form as a browser on the shop's site would. */
async function postLead(fields: Record<string, string>): Promise<void> {
  const answer = await fetch(`${system.endpoint}/v1/leads`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: SITE },
    body: new URLSearchParams(fields).toString(),
  });
  expect(answer.status).toBe(202);
  leadIds.push(((await answer.json()) as { leadId: string }).leadId);
  await system.runtime.idle();
}

async function contactIdOf(email: string): Promise<string | undefined> {
  return (await view<ContactView[]>('contacts')).find((c) => c.email === email)?.contactId;
}

beforeAll(async () => {
  system = await startLocalSystem({ start: MONDAY_MORNING_PARIS });
  // Two Paris leads a minute apart, both in Julien's postcode territory: a 300-person company (B),
  // then one that says nothing of its size (C).
  await postLead({
    email: PROSPECT,
    firstName: 'Ada',
    lastName: 'Prospect',
    company: 'Engines SA',
    companySize: '300',
    country: 'FR',
    postcode: '75011',
    productInterest: 'analytics',
    language: 'fr',
  });
  await system.advance(60_000);
  await postLead({
    email: SECOND_PROSPECT,
    country: 'FR',
    postcode: '75011',
    productInterest: 'analytics',
    language: 'fr',
  });
  // A demo booked with Claire on Wednesday 15:00 Paris: the confirmation carries an .ics.
  await put('contact.signed_up', { contact: { email: BOOKER }, firstName: 'Irène' });
  await put('appointment.booked', {
    source: 'calendar.test',
    contact: { email: BOOKER },
    appointmentId: 'apt-views-1',
    repId: 'claire-martin',
    startsAt: '2026-03-04T14:00:00Z',
    durationMinutes: 45,
    location: 'https://meet.example.com/claire',
    title: 'relance demo',
  });
  // A first order: the buyer enters `customers`.
  await put('contact.signed_up', { contact: { email: BUYER }, firstName: 'Oscar' });
  await put('order.completed', {
    contact: { email: BUYER },
    orderId: eventId('order'),
    items: [{ sku: 'LAMP-01', name: 'Brass desk lamp', qty: 1, price: 150 }],
    total: 150,
    currency: 'EUR',
  });
});

afterAll(async () => {
  await system?.stop();
});

describe('the JSON views of leads, reps, segments and passes', () => {
  it('lists the leads newest first, with the contact, owner, rule, score and history', async () => {
    // Prepare
    const first = iso(MONDAY_MORNING_PARIS);
    const second = iso(MONDAY_MORNING_PARIS + 60_000);
    const julien = { repId: 'julien-moreau', name: 'Julien Moreau' };
    const fit = [
      { ruleId: 'core-market', points: 10 },
      { ruleId: 'product-fit', points: 10 },
      { ruleId: 'team-language', points: 5 },
    ];

    // Act
    const leads = await view<LeadView[]>('leads');

    // Assess: 10 + 10 + 5 = 25 is a C; the 300-person company adds 10 + 10, a B (30 or more)
    expect(leads).toEqual([
      {
        leadId: leadIds[1],
        submittedAt: second,
        contactId: await contactIdOf(SECOND_PROSPECT),
        email: SECOND_PROSPECT,
        owner: julien,
        rule: 'territory_skills',
        score: 25,
        grade: 'C',
        fired: fit,
        status: 'assigned',
        history: [{ at: second, what: 'assigned', repId: 'julien-moreau', rule: 'territory_skills' }],
        updatedAt: second,
      },
      {
        leadId: leadIds[0],
        submittedAt: first,
        contactId: await contactIdOf(PROSPECT),
        email: PROSPECT,
        name: 'Ada Prospect',
        company: 'Engines SA',
        owner: julien,
        rule: 'territory_skills',
        score: 45,
        grade: 'B',
        fired: [{ ruleId: 'size-50-plus', points: 10 }, { ruleId: 'size-250-plus', points: 10 }, ...fit],
        status: 'assigned',
        history: [{ at: first, what: 'assigned', repId: 'julien-moreau', rule: 'territory_skills' }],
        updatedAt: first,
      },
    ]);
  });

  it('shows the roster with open leads against capacity and who is on duty at journey time', async () => {
    // Act
    const reps = await view<RepsView>('reps');

    // Assess: 11:01 in Paris and Berlin, 05:01 in New York, 02:01 in Los Angeles
    expect(reps.fallbackManagerId).toBe('grace-hopper');
    expect(reps.violations).toEqual([]);
    expect(reps.reps.map((r) => [r.id, r.open, r.capacity, r.onDuty, r.outOfOfficeNow])).toEqual([
      ['claire-martin', 0, 10, true, false],
      ['julien-moreau', 2, 30, true, false],
      ['jonas-weber', 0, 10, true, false],
      ['lena-schmidt', 0, 25, true, false],
      ['grace-hopper', 0, 10, false, false],
      ['ethan-brooks', 0, 25, false, false],
      ['olivia-chen', 0, 30, false, false],
    ]);
    expect(reps.reps[1]).toMatchObject({
      name: 'Julien Moreau',
      timezone: 'Europe/Paris',
      managerId: 'claire-martin',
      workingHours: { days: [1, 2, 3, 4, 5], start: '08:30', end: '18:30' },
      version: 0,
    });
  });

  it("lists an e-mail's attachments by name and type, with the .ics text", async () => {
    // Prepare
    const stored = system.runtime.ses
      .emails()
      .find((e) => e.destination.to.includes(BOOKER) && e.subject.startsWith('Your appointment'));
    const ics = stored?.attachments?.[0]?.content ?? '';

    // Act
    const { emails } = await view<OutboxView>('outbox');

    // Assess
    const confirmation = emails.find((e) => e.messageId === stored?.messageId);
    expect(confirmation?.attachments).toEqual([
      {
        fileName: 'relance-demo.ics',
        contentType: 'text/calendar; charset=UTF-8; method=REQUEST',
        bytes: Buffer.byteLength(ics, 'utf8'),
        text: ics,
      },
    ]);
    expect(ics).toContain('DTSTART:20260304T140000Z\r\nDTEND:20260304T144500Z');
    const welcome = emails.find((e) => e.to.includes(BUYER));
    expect(welcome).toBeDefined();
    expect(welcome).not.toHaveProperty('attachments');
  });

  it('counts the members of each deployed segment from the profiles', async () => {
    // Prepare: only the buyer has ordered; nobody opted in, opened, lapsed or has a birthday
    const buyer = await contactIdOf(BUYER);

    // Act
    const counted = await view<SegmentView[]>('segments');

    // Assess
    expect(counted).toEqual(
      segments.map((s) => ({
        id: s.id,
        description: s.description,
        members: s.id === 'customers' ? 1 : 0,
        sample: s.id === 'customers' ? [buyer] : [],
      })),
    );
  });

  it('reports the morning win-back pass with its workers and totals, and duty at the new time', async () => {
    // Act: Tuesday 08:10 in Paris, ten minutes after the daily win-back pass
    await system.advance(Date.parse('2026-03-03T07:10:00Z') - system.runtime.clock.now());
    const passes = await view<PassesView>('passes');
    const reps = await view<RepsView>('reps');

    // Assess: one worker reads the four profiles (two prospects, the booker, the buyer); nobody has lapsed
    expect(passes).toEqual([
      {
        passId: 'win-back.20260303T0700',
        journeyId: 'win-back',
        segment: 'lapsed-90',
        workers: 1,
        startedAt: '2026-03-03T07:00:00.000Z',
        status: 'finished',
        workersDone: 1,
        totals: { scanned: 4, matched: 0, notLocalTime: 0, heldOut: 0, admitted: 0 },
        finishedAt: '2026-03-03T07:00:00.000Z',
      },
    ]);
    // Only Lena (Berlin, from 08:00) has started her day
    expect(reps.reps.filter((r) => r.onDuty).map((r) => r.id)).toEqual(['lena-schmidt']);
  });
});

describe('the journeys of the template', () => {
  it('names the journey of every event-triggered state machine, from the naming rule functions get', () => {
    const byArn = journeysByStateMachine(system.runtime.app);
    for (const journey of ['welcome', 'abandoned-cart', 'back-in-stock', 'win-back']) {
      const machine = system.runtime.app.stateMachines.find((m) => byArn.get(m.arn) === journey);
      expect(machine, journey).toBeDefined();
    }
  });
});
