// `relance campaign --dry-run` against the local system: a scheduled journey over lapsed-90 whose
// members were made by events; members already in, the holdout, consent, a frequency cap filled by
// the welcome e-mail and missing phone numbers, each counted exactly; nothing sent, nothing written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineScheduledJourney, send, wait } from '#language/builder.ts';
import { UsageError } from '../../bin/cli/audience.ts';
import { type CampaignOptions, campaign, formatCampaign } from '../../bin/cli/campaign.ts';
import { journeys } from '../../workflows/journeys/index.ts';
import {
  days,
  eventId,
  type LocalSystem,
  PROJECT_ROOT,
  startLocalSystem,
  T0,
} from '../support/local-system.ts';

/** A win-back forecast here (not deployed: a dry run needs only the journey's definition). */
const winBack = defineScheduledJourney({
  id: 'forecast-win-back',
  description: 'An offer by e-mail, a week later an SMS nudge',
  schedule: {
    expression: 'cron(0 8 * * ? *)',
    timezone: 'Europe/Paris',
    audience: { segment: 'lapsed-90', once: 'per_last_order' },
  },
  // One marketing e-mail a week: the welcome e-mail sent at sign-up takes it.
  delivery: { frequencyCap: { email: { max: 1, windowDays: 7 } } },
  steps: [
    send('offer', { channel: 'email', template: 'win-back-offer', topic: 'offers' }),
    wait('a-week', { duration: { days: 7 } }),
    send('nudge', { channel: 'sms', template: 'welcome-sms-offer', topic: 'offers' }),
  ],
});

let system: LocalSystem;
const at = (ms: number) => new Date(ms).toISOString();
const base = (prefix: string, contact: Record<string, string>, occurredAt = T0) => ({
  eventId: eventId(prefix),
  occurredAt: at(occurredAt),
  source: 'shop.test',
  contact,
});

function order(contact: Record<string, string>, daysAgo: number) {
  return {
    ...base('order', contact, T0 - days(daysAgo)),
    orderId: eventId('o'),
    items: [{ sku: 'SKU-1', name: 'Mug', qty: 1, price: 40 }],
    total: 40,
    currency: 'EUR',
  };
}

function optIn(email: string, channel: 'email' | 'sms', topic?: string) {
  return {
    ...base('consent', { email }),
    channel,
    ...(topic ? { topic } : {}),
    status: 'opted_in',
    proof: { kind: 'form' },
  };
}

async function contactId(email: string): Promise<string> {
  const { ContactsRepository } = await import('../../functions/contacts/contacts-repository.ts');
  const id = await new ContactsRepository(system.tables.contacts ?? '').findByIdentity('EMAIL', email);
  if (!id) throw new Error(`no contact for ${email}`);
  return id;
}

beforeAll(async () => {
  system = await startLocalSystem();
  // Ada: signed up now (the welcome e-mail fills her weekly cap), offers opted in, no phone; lapsed.
  await system.put('contact.signed_up', base('signup', { email: 'ada@example.com' }));
  await system.put('consent.changed', optIn('ada@example.com', 'email', 'offers'));
  await system.put('order.completed', order({ email: 'ada@example.com' }, 120));
  // Bob: offers opted in by e-mail, a phone opted in to SMS; lapsed.
  await system.put('order.completed', order({ email: 'bob@example.com', phone: '+33612345678' }, 100));
  await system.put('consent.changed', optIn('bob@example.com', 'email', 'offers'));
  await system.put('consent.changed', optIn('bob@example.com', 'sms'));
  // Cleo: lapsed, and an earlier pass already started her run for this lapse.
  await system.put('order.completed', order({ email: 'cleo@example.com' }, 95));
  // Dan: lapsed, no consent to offers, no phone.
  await system.put('order.completed', order({ email: 'dan@example.com' }, 91));
  // Erin: ordered 10 days ago, not lapsed.
  await system.put('order.completed', order({ email: 'erin@example.com' }, 10));

  const { RunsRepository } = await import('../../functions/journeys/runs-repository.ts');
  const cleo = await contactId('cleo@example.com');
  await new RunsRepository(system.tables.journeyState ?? '').enter({
    journeyId: winBack.id,
    runKey: `key:${cleo}.${at(T0 - days(95))}`,
    reentry: false,
    contactId: cleo,
    triggerType: 'audience.member',
    triggerEventId: 'an-earlier-pass',
    trigger: {},
    at: at(T0 - days(1)),
    nowMs: T0 - days(1),
  });
});
afterAll(async () => {
  await system?.stop();
});

const options = (changes: Partial<CampaignOptions> = {}): CampaignOptions => ({
  projectRoot: PROJECT_ROOT,
  cdkOut: system.cdkOut,
  endpoint: system.endpoint,
  nowMs: system.runtime.clock.now(),
  dryRun: true,
  journeys: [...journeys, winBack],
  smsPrice: 0.05,
  ...changes,
});

describe('relance campaign --dry-run', () => {
  it('counts the audience, who is already in, and what each send step would do', async () => {
    // Prepare
    const emailsBefore = system.runtime.ses.emails().length;
    const smsBefore = system.runtime.sns.outbox().length;

    // Act
    const forecast = await campaign(winBack.id, options());

    // Assess: Ada, Bob, Cleo and Dan are lapsed; Cleo is already in; Ada is capped, Dan has no consent.
    expect(forecast).toMatchObject({
      segment: 'lapsed-90',
      once: 'per_last_order',
      scanned: 5,
      audience: 4,
      alreadyEntered: 1,
      heldOut: 0,
      entering: 3,
    });
    expect(forecast.steps).toEqual([
      {
        stepId: 'offer',
        channel: 'email',
        category: 'marketing',
        topic: 'offers',
        to: 'contact',
        send: 1,
        deferred: 0,
        skipped: { frequency_capped: 1, no_consent: 1 },
      },
      {
        stepId: 'nudge',
        channel: 'sms',
        category: 'marketing',
        topic: 'offers',
        to: 'contact',
        send: 1,
        deferred: 0,
        skipped: { no_phone_number: 2 },
      },
    ]);
    expect(forecast.cost).toMatchObject({ emails: 1, sms: 1, ses: 0.0001, smsCost: 0.05 });
    expect(forecast.cost.total).toBeGreaterThan(0.0501);
    expect(system.runtime.ses.emails()).toHaveLength(emailsBefore);
    expect(system.runtime.sns.outbox()).toHaveLength(smsBefore);
    const lines = formatCampaign(forecast);
    expect(lines).toContain('    would send 1; skipped frequency_capped 1, no_consent 1');
    expect(lines).toContain('    would send 1; skipped no_phone_number 2');
    expect(lines.some((l) => l.startsWith('estimated cost: $0.05'))).toBe(true);
  });

  it('leaves the holdout out of every send', async () => {
    // Act
    const forecast = await campaign(
      winBack.id,
      options({ journeys: [{ ...winBack, holdout: { percent: 100 } }] }),
    );

    // Assess
    expect(forecast).toMatchObject({
      audience: 4,
      alreadyEntered: 1,
      holdoutPercent: 100,
      heldOut: 3,
      entering: 0,
    });
    expect(forecast.steps.map((s) => [s.send, s.deferred, s.skipped])).toEqual([
      [0, 0, {}],
      [0, 0, {}],
    ]);
    expect(forecast.cost).toMatchObject({ emails: 0, sms: 0 });
  });

  it('says an event-triggered journey has no audience', async () => {
    // Act
    const refused = campaign('welcome', options());

    // Assess
    await expect(refused).rejects.toBeInstanceOf(UsageError);
    await expect(refused).rejects.toThrow(
      /"welcome" is started by contact.signed_up events: it has no audience/,
    );
  });

  it('refuses anything but a dry run', async () => {
    // Act
    const refused = campaign(winBack.id, options({ dryRun: false }));

    // Assess
    await expect(refused).rejects.toThrow(/only dry runs are supported from the CLI/);
  });

  it('refuses an unknown journey and names the known ones', async () => {
    // Act
    const refused = campaign('win-bak', options());

    // Assess
    await expect(refused).rejects.toThrow(
      /unknown journey "win-bak"; known journeys: welcome, abandoned-cart/,
    );
  });
});
