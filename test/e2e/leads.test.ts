// Inbound leads end to end on the local runtime: the public form, routing to the rep with e-mail and
// SMS, the prospect's confirmation, the rep's links, the SLA journey on a virtual clock, and bad
// input refused with nothing stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PARIS_COMPANY } from '../support/leads.ts';
import { type LocalSystem, minutes, startLocalSystem } from '../support/local-system.ts';

/** Monday 2 March 2026, 11:00 in Paris: the French reps are on duty. */
const MONDAY_MORNING_PARIS = Date.parse('2026-03-02T10:00:00Z');
const SITE = 'https://shop.example.com';
const JULIEN = { email: 'julien.moreau@example.com', phone: '+33199001202' };
const CLAIRE = { email: 'claire.martin@example.com', phone: '+33199001201' };

const PER_CLIENT_LIMIT = 60;
let system: LocalSystem;
let sequence = 0;

beforeAll(async () => {
  // A per-client limit high enough for this suite's posts; the limit itself is tested below.
  system = await startLocalSystem({
    start: MONDAY_MORNING_PARIS,
    environment: { LEAD_FORM_PER_CLIENT_PER_MINUTE: String(PER_CLIENT_LIMIT) },
  });
});
afterAll(async () => {
  await system.stop();
});

/** A Paris lead from a 300-person company interested in analytics: grade B, Julien's postcode territory. */
function parisLead(overrides: Record<string, string> = {}): Record<string, string> {
  sequence += 1;
  return {
    email: `prospect.${sequence}@client.example`,
    phone: `+3361234${String(5000 + sequence).padStart(4, '0')}`,
    firstName: 'Marie',
    lastName: `Curie${sequence}`,
    ...PARIS_COMPANY,
    smsConsent: 'on',
    message: 'Nous voulons une démo.',
    ...overrides,
  };
}

async function postForm(
  fields: Record<string, string>,
  headers: Record<string, string> = { origin: SITE },
): Promise<Response> {
  return fetch(`${system.endpoint}/v1/leads`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

async function submit(fields: Record<string, string>): Promise<string> {
  const answer = await postForm(fields);
  expect(answer.status).toBe(202);
  const { leadId } = (await answer.json()) as { leadId: string };
  await system.runtime.idle();
  return leadId;
}

async function lead(leadId: string) {
  const { AssignmentRepository } = await import('../../functions/leads/assignment-repository.ts');
  return new AssignmentRepository(system.tables.leads ?? '').lead(leadId);
}

const mailTo = (address: string, subject: RegExp) =>
  system.emailsTo(address).filter((e) => subject.test(e.subject));

/** A link of the rep's latest e-mail about this lead, by its label. */
function repLink(address: string, leadName: string, label: 'Accept' | 'Mark contacted' | 'Pass it on') {
  const mail = system.emailsTo(address).findLast((e) => e.text.includes(leadName));
  const link = new RegExp(`${label}: (\\S+)`).exec(mail?.text ?? '')?.[1];
  if (!link) throw new Error(`no "${label}" link for ${leadName} in mail to ${address}`);
  return link;
}

describe('a lead posted by the website form', () => {
  it('reaches the right rep by e-mail and SMS, and the prospect gets a confirmation', async () => {
    // Prepare
    const fields = parisLead();

    // Act
    const leadId = await submit(fields);

    // Assess: routed by postcode territory to Julien, on duty, with everything he needs
    expect(await lead(leadId)).toMatchObject({
      owner: 'julien-moreau',
      rule: 'territory_skills',
      grade: 'B',
    });
    const [notice] = mailTo(JULIEN.email, new RegExp(`New lead \\(B, \\d+\\): Marie ${fields.lastName}`));
    expect(notice?.text).toContain('Radium SA');
    expect(notice?.text).toContain('Company size: 300');
    expect(notice?.text).toMatch(/Score \d+ \(grade B\): size-50-plus \+10, size-250-plus \+10/);
    expect(notice?.text).toContain('Recent activity:');
    expect(notice?.text).toMatch(/Accept: http.*\/leads\/actions\//);
    expect(system.smsTo(JULIEN.phone).some((s) => s.message.includes(`Marie ${fields.lastName}`))).toBe(true);
    expect(mailTo(fields.email ?? '', /We got your request/)).toHaveLength(1);
    expect(
      system
        .smsTo(fields.phone ?? '')
        .map((s) => s.message)
        .join(),
    ).toContain(leadId);
  });

  it('answers a retry with the same submission id with the same lead, and notifies once', async () => {
    // Prepare
    const fields = parisLead({ submissionId: `retry-${Date.now()}` });

    // Act
    const first = await submit(fields);
    const second = await submit(fields);

    // Assess
    expect(second).toBe(first);
    expect(mailTo(JULIEN.email, new RegExp(`Marie ${fields.lastName}`))).toHaveLength(1);
  });

  it('refuses a reused submission id with different content (409)', async () => {
    // Prepare
    const submissionId = `reuse-${Date.now()}`;
    await submit(parisLead({ submissionId }));

    // Act
    const answer = await postForm(parisLead({ submissionId }));

    // Assess
    expect(answer.status).toBe(409);
    expect(await answer.json()).toEqual({
      errors: [{ field: 'submissionId', message: expect.stringContaining('different submission') }],
    });
  });
});

describe('bad input to the form', () => {
  const refusals: Array<[string, () => Promise<Response>, number, string]> = [
    [
      'malformed JSON',
      () =>
        fetch(`${system.endpoint}/v1/leads`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: SITE },
          body: '{"email": "a@b.example",',
        }),
      400,
      'body',
    ],
    [
      'a wrong type',
      () =>
        fetch(`${system.endpoint}/v1/leads`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: SITE },
          body: JSON.stringify({ email: 'typed@client.example', companySize: 'huge' }),
        }),
      400,
      'companySize',
    ],
    [
      'an oversize body',
      () => postForm({ email: 'big@client.example', message: 'x'.repeat(20_000) }),
      413,
      'body',
    ],
    [
      'an unknown field',
      () => postForm({ email: 'curious@client.example', nickname: 'Bob' }),
      400,
      'nickname',
    ],
    [
      'a filled honeypot',
      () => postForm({ email: 'bot@client.example', website: 'http://spam.example' }),
      400,
      'website',
    ],
    [
      'a foreign origin',
      () => postForm({ email: 'foreign@client.example' }, { origin: 'https://evil.example' }),
      403,
      'origin',
    ],
    ['no e-mail nor phone', () => postForm({ firstName: 'Nobody' }), 400, 'email'],
  ];

  it.each(refusals)('refuses %s with a clear 4xx and stores nothing', async (_name, send, status, field) => {
    // Prepare
    const emailsBefore = system.runtime.ses.emails().length;
    const eventsBefore = system.runtime.bus.events.length;

    // Act
    const answer = await send();
    await system.runtime.idle();

    // Assess
    expect(answer.status).toBe(status);
    const body = (await answer.json()) as { errors: Array<{ field: string }> };
    expect(body.errors.map((e) => e.field)).toContain(field);
    expect(system.runtime.ses.emails()).toHaveLength(emailsBefore);
    expect(system.runtime.bus.events).toHaveLength(eventsBefore);
  });
});

describe('the per-client limit', () => {
  it('answers 429 with Retry-After once a client is over its limit, and lets it in the next minute', async () => {
    // Act: one client posting as fast as the stage lets it (invalid forms count too: the limit
    // comes first). API Gateway's own throttle (20/s, burst 40) answers 429 without Retry-After
    // before the function is reached: the client waits a little and posts again, as a browser would.
    let refused: Response | undefined;
    for (let attempt = 0; attempt <= PER_CLIENT_LIMIT && !refused; attempt++) {
      let answer = await postForm({ email: 'flood@client.example', website: 'bot' });
      while (answer.headers.get('x-amzn-errortype') === 'TooManyRequestsException') {
        await new Promise((resolve) => setTimeout(resolve, 100));
        answer = await postForm({ email: 'flood@client.example', website: 'bot' });
      }
      if (answer.status === 429) refused = answer;
    }
    await system.advance(minutes(1));
    const nextMinute = await postForm(parisLead());
    await system.runtime.idle();

    // Assess
    expect(refused?.status).toBe(429);
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(nextMinute.status).toBe(202);
  });
});

describe('the rep and the SLA journey', () => {
  it('stops the SLA when the rep accepts in time: no reminder', async () => {
    // Prepare
    const fields = parisLead();
    const leadId = await submit(fields);
    const name = `Marie ${fields.lastName}`;

    // Act: Julien accepts from his e-mail, then two hours pass
    const accepted = await fetch(repLink(JULIEN.email, name, 'Accept'), { method: 'POST' });
    await system.advance(minutes(125));

    // Assess
    expect(accepted.status).toBe(200);
    expect(await lead(leadId)).toMatchObject({ owner: 'julien-moreau', status: 'accepted' });
    expect(mailTo(JULIEN.email, new RegExp(`Reminder: ${name}`))).toEqual([]);
  });

  it('reminds the rep after the grade B SLA, then reassigns and tells the manager', async () => {
    // Prepare
    const fields = parisLead();
    const leadId = await submit(fields);
    const name = `Marie ${fields.lastName}`;

    // Act: one hour without a response
    await system.advance(minutes(61));

    // Assess: reminded, still his
    expect(mailTo(JULIEN.email, new RegExp(`Reminder: ${name}`))).toHaveLength(1);
    expect((await lead(leadId))?.owner).toBe('julien-moreau');

    // Act: another hour
    await system.advance(minutes(61));

    // Assess: Claire (France by country) has it, and Claire, Julien's manager, was told
    expect(await lead(leadId)).toMatchObject({ owner: 'claire-martin', status: 'assigned' });
    expect(mailTo(CLAIRE.email, new RegExp(`New lead .*${name}`))).toHaveLength(1);
    expect(mailTo(CLAIRE.email, new RegExp(`SLA lapsed: ${name}`))).toHaveLength(1);
    expect(mailTo(CLAIRE.email, new RegExp(`New lead .*${name}`))[0]?.text).toContain(
      "reassigned to you after the previous owner's SLA lapsed",
    );
  });

  it('passes the lead on when the rep follows the pass link; the old links stop working', async () => {
    // Prepare
    const fields = parisLead();
    const leadId = await submit(fields);
    const name = `Marie ${fields.lastName}`;
    const acceptLink = repLink(JULIEN.email, name, 'Accept');

    // Act
    const passed = await fetch(repLink(JULIEN.email, name, 'Pass it on'), { method: 'POST' });
    const lateAccept = await fetch(acceptLink, { method: 'POST' });

    // Assess
    expect(passed.status).toBe(200);
    expect(await lead(leadId)).toMatchObject({ owner: 'claire-martin' });
    expect(mailTo(CLAIRE.email, new RegExp(`New lead .*${name}`))[0]?.text).toContain(
      'passed on by a colleague',
    );
    expect(lateAccept.status).toBe(409);
  });

  it('shows a confirmation page on GET and changes nothing (mail scanners prefetch links)', async () => {
    // Prepare
    const fields = parisLead();
    const leadId = await submit(fields);

    // Act
    const page = await fetch(repLink(JULIEN.email, `Marie ${fields.lastName}`, 'Accept'));

    // Assess
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post">');
    expect((await lead(leadId))?.status).toBe('assigned');
  });

  it('refuses a forged action link with 403 and changes nothing', async () => {
    // Prepare
    const fields = parisLead();
    const leadId = await submit(fields);
    const link = repLink(JULIEN.email, `Marie ${fields.lastName}`, 'Pass it on');
    const forged = link.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));

    // Act
    const answer = await fetch(forged, { method: 'POST' });

    // Assess
    expect(answer.status).toBe(403);
    expect((await lead(leadId))?.owner).toBe('julien-moreau');
  });
});

describe('appointments', () => {
  it('confirms with an .ics invitation and an SMS, tells the rep, and reminds the day before', async () => {
    // Prepare: a contact who booked a demo with Claire on Wednesday 15:00 Paris
    const email = 'booked.demo@client.example';
    const phone = '+33612349999';
    await system.put('contact.signed_up', {
      eventId: `apt-signup-${Date.now()}`,
      occurredAt: new Date(system.runtime.clock.now()).toISOString(),
      source: 'shop.test',
      contact: { email, phone },
      firstName: 'Irène',
      timezone: 'Europe/Paris',
    });

    // Act
    await system.put('appointment.booked', {
      eventId: `apt-booked-${Date.now()}`,
      occurredAt: new Date(system.runtime.clock.now()).toISOString(),
      source: 'calendar.test',
      contact: { email },
      appointmentId: 'apt-demo-1',
      repId: 'claire-martin',
      startsAt: '2026-03-04T14:00:00Z',
      durationMinutes: 45,
      location: 'https://meet.example.com/claire',
      title: 'relance demo',
    });

    // Assess: the contact's confirmation carries the invitation
    const confirmation = system.runtime.ses
      .emails()
      .find((e) => e.destination.to.includes(email) && e.subject.startsWith('Your appointment'));
    expect(confirmation?.subject).toMatch(/Wednesday,? 4 March 2026 at 15:00/);
    expect(confirmation?.attachments?.[0]).toMatchObject({
      fileName: 'relance-demo.ics',
      contentType: expect.stringContaining('text/calendar'),
      content: expect.stringContaining('DTSTART:20260304T140000Z'),
    });
    expect(
      system
        .smsTo(phone)
        .map((s) => s.message)
        .join(),
    ).toContain('appointment is booked');
    const repNotice = system.runtime.ses
      .emails()
      .find((e) => e.destination.to.includes(CLAIRE.email) && e.subject.startsWith('Appointment:'));
    expect(repNotice?.attachments?.[0]?.content).toContain('UID:apt-demo-1@relance');

    // Act: Tuesday 15:00 Paris, the day before
    await system.advance(Date.parse('2026-03-03T14:01:00Z') - system.runtime.clock.now());

    // Assess
    expect(
      system
        .smsTo(phone)
        .map((s) => s.message)
        .join(),
    ).toContain('reminder, your appointment');
  });
});
