// The dry run and the send path decide alike: for the same contact, send step, policy, time and
// cap state, `relance campaign --dry-run` forecasts what the journey's send step records in the
// ledger. The send runs for real against a local DynamoDB (dynalite: ledger and cap items); only
// the providers are mocked.
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Contact, contactView } from '#catalogue/contact.ts';
import { defineScheduledJourney, send } from '#language/builder.ts';
import type { DeliverySettings } from '#language/types.ts';
import { useClock } from '#platform/clock.ts';
import type { forecastSend as ForecastSend } from '../../bin/cli/campaign.ts';
import { newContact } from '../../functions/contacts/profile-update.ts';
import type { DeliveryPolicySettings } from '../../functions/delivery/delivery-policy.ts';
import type { CapEntry } from '../../functions/delivery/frequency-cap.ts';
import type { send as Send } from '../../functions/journeys/actions.ts';
import type { JourneyDeps } from '../../functions/journeys/context.ts';
import { templates } from '../../workflows/templates/index.ts';
import { type LocalDynamo, startDynalite } from '../support/dynalite.ts';

const LEDGER = 'parity-ledger';
const STATE = 'parity-state';
/** Read by SMS sends for the number's opt-out state (empty here: the contact's own record decides). */
const CONTACTS = 'parity-contacts';
const TZ = 'Europe/Paris';
/** 13:00 and 23:30 in Paris. */
const DAY = Date.parse('2026-03-02T12:00:00Z');
const NIGHT = Date.parse('2026-03-02T22:30:00Z');

const POLICY: DeliveryPolicySettings = {
  quietHours: { start: '21:00', end: '08:00' },
  frequencyCaps: {
    email: { max: 2, windowDays: 7 },
    sms: { max: 2, windowDays: 7 },
    voice: { max: 2, windowDays: 7 },
  },
  emailTopics: {
    newsletter: { label: 'News', mode: 'opt_in' },
    cart_reminders: { label: 'Cart reminders', mode: 'opt_out' },
  },
  inFlightGraceSeconds: 300,
};

const consent = (status: 'opted_in' | 'opted_out') => ({
  status,
  at: '2026-03-01T00:00:00.000Z',
  source: 'form',
  proof: { kind: 'form' },
});

interface Case {
  readonly name: string;
  /** What both answer. */
  readonly expected: string;
  readonly contact?: Partial<Contact>;
  readonly step: Parameters<typeof send>[1];
  readonly delivery?: DeliverySettings;
  readonly at?: number;
  /** Sends already counted in the contact's cap on the step's channel, in days before now. */
  readonly capDaysAgo?: readonly number[];
}

const CASES: readonly Case[] = [
  {
    name: 'marketing e-mail, opt-out topic',
    expected: 'send',
    step: { channel: 'email', template: 'welcome', topic: 'cart_reminders' },
  },
  {
    name: 'no e-mail address',
    expected: 'no_email_address',
    contact: { email: undefined },
    step: { channel: 'email', template: 'welcome' },
  },
  {
    name: 'suppressed address, even transactional',
    expected: 'suppressed',
    contact: { suppressed: { email: { reason: 'bounce', at: '2026-03-01T00:00:00.000Z' } } },
    step: { channel: 'email', template: 'welcome', category: 'transactional' },
  },
  {
    name: 'unsubscribed from the channel',
    expected: 'unsubscribed',
    contact: { consent: { email: { channel: consent('opted_out'), topics: {} } } },
    step: { channel: 'email', template: 'welcome' },
  },
  {
    name: 'opt-in topic without a yes',
    expected: 'no_consent',
    step: { channel: 'email', template: 'welcome', topic: 'newsletter' },
  },
  {
    name: 'marketing SMS without opt-in',
    expected: 'no_consent',
    step: { channel: 'sms', template: 'welcome-sms-offer' },
  },
  {
    name: 'marketing SMS at night',
    expected: 'deferred',
    contact: { consent: { sms: { channel: consent('opted_in'), topics: {} } } },
    step: { channel: 'sms', template: 'welcome-sms-offer' },
    at: NIGHT,
  },
  {
    name: 'marketing SMS in the day',
    expected: 'send',
    contact: { consent: { sms: { channel: consent('opted_in'), topics: {} } } },
    step: { channel: 'sms', template: 'welcome-sms-offer' },
  },
  {
    name: 'transactional SMS to a number that replied STOP',
    expected: 'sms_opted_out',
    contact: {
      consent: {
        sms: {
          channel: {
            ...consent('opted_out'),
            source: 'sms-reply',
            proof: { kind: 'sms_keyword', reference: 'STOP:in-1' },
          },
          topics: {},
        },
      },
    },
    step: { channel: 'sms', template: 'appointment-confirmation-sms', category: 'transactional' },
  },
  {
    name: 'e-mail at night without e-mail quiet hours',
    expected: 'send',
    step: { channel: 'email', template: 'welcome' },
    at: NIGHT,
  },
  {
    name: 'e-mail at night with e-mail quiet hours',
    expected: 'deferred',
    step: { channel: 'email', template: 'welcome' },
    delivery: { emailQuietHours: true },
    at: NIGHT,
  },
  {
    name: 'cap reached',
    expected: 'frequency_capped',
    step: { channel: 'email', template: 'welcome' },
    capDaysAgo: [1, 2],
  },
  {
    name: 'cap entries out of the window',
    expected: 'send',
    step: { channel: 'email', template: 'welcome' },
    capDaysAgo: [8, 9],
  },
  {
    name: 'cap reached, journey exempt',
    expected: 'send',
    step: { channel: 'email', template: 'welcome' },
    delivery: { frequencyCap: 'exempt' },
    capDaysAgo: [1, 2],
  },
  {
    name: 'cap reached, transactional',
    expected: 'send',
    step: { channel: 'email', template: 'welcome', category: 'transactional' },
    capDaysAgo: [1, 2],
  },
  {
    name: 'cap reached, but suppressed first',
    expected: 'suppressed',
    contact: { suppressed: { email: { reason: 'complaint', at: '2026-03-01T00:00:00.000Z' } } },
    step: { channel: 'email', template: 'welcome' },
    capDaysAgo: [1, 2],
  },
  {
    name: 'to the owner, no owner',
    expected: 'no_owner',
    step: { channel: 'email', template: 'welcome', to: 'owner' },
  },
];

let dynamo: LocalDynamo;
let sendStep: typeof Send;
let forecastSend: typeof ForecastSend;
let deps: JourneyDeps;
const sesMock = mockClient(SESv2Client);
const snsMock = mockClient(SNSClient);

beforeAll(async () => {
  dynamo = await startDynalite();
  await dynamo.createTable(LEDGER, { sortKey: false });
  await dynamo.createTable(STATE);
  await dynamo.createTable(CONTACTS, { sortKey: false });
  // Imported late: the SDK clients must be built after the local endpoint is set.
  ({ send: sendStep } = await import('../../functions/journeys/actions.ts'));
  ({ forecastSend } = await import('../../bin/cli/campaign.ts'));
  const { ContactsRepository } = await import('../../functions/contacts/contacts-repository.ts');
  const { CapsRepository } = await import('../../functions/delivery/caps-repository.ts');
  const { LedgerRepository } = await import('../../functions/delivery/ledger-repository.ts');
  const { RunsRepository } = await import('../../functions/journeys/runs-repository.ts');
  const { ProductsRepository } = await import('../../functions/products/products-repository.ts');
  deps = {
    runs: new RunsRepository(STATE),
    contacts: new ContactsRepository(CONTACTS),
    ledger: new LedgerRepository(LEDGER),
    caps: new CapsRepository(LEDGER),
    products: new ProductsRepository('unused-products'),
    targets: {},
    sending: {
      fromAddress: 'shop@example.com',
      brand: { name: 'Shop', website: 'https://shop.example.com' },
      defaultTimezone: TZ,
      policy: POLICY,
    },
    findJourney: () => undefined,
    templates,
  };
});

afterAll(async () => {
  sesMock.restore();
  snsMock.restore();
  await dynamo?.stop();
});

beforeEach(() => {
  sesMock.reset();
  snsMock.reset();
  sesMock.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
  snsMock.on(PublishCommand).resolves({ MessageId: 'sns-1' });
});

describe('the dry run forecasts what the send step records', () => {
  it.each(CASES.map((c, i) => ({ ...c, contactId: `c-${i}` })))('$name', async (example) => {
    // Prepare
    const nowMs = example.at ?? DAY;
    const journey = defineScheduledJourney({
      id: `parity-${example.contactId}`,
      description: 'one send step',
      schedule: {
        expression: 'cron(0 8 * * ? *)',
        timezone: TZ,
        audience: { segment: 'lapsed-90', once: 'ever' },
      },
      ...(example.delivery ? { delivery: example.delivery } : {}),
      steps: [send('message', example.step)],
    });
    const step = journey.steps.message;
    if (step?.type !== 'send') throw new Error('the journey has no send step');
    const contact: Contact = {
      ...newContact(example.contactId, '2026-03-01T00:00:00.000Z'),
      email: `${example.contactId}@example.com`,
      phone: '+33612345678',
      ...example.contact,
    };
    const entries: CapEntry[] = (example.capDaysAgo ?? []).map((d, i) => ({
      key: `earlier-${i}`,
      at: nowMs - d * 86_400_000,
    }));
    if (entries.length > 0) {
      await dynamo.documents.send(
        new PutCommand({
          TableName: LEDGER,
          Item: { pk: `CAP#${contact.contactId}#${step.channel}`, entries, version: 1 },
        }),
      );
    }
    const restore = useClock({ now: () => nowMs });

    // Act
    try {
      const forecast = await forecastSend(
        { contact, step, journey, policy: POLICY, defaultTimezone: TZ, nowMs },
        new Map([[step.channel, entries]]),
      );
      const recorded = await sendStep({ ...deps, findJourney: () => journey }, journey.id, step.id, {
        proceed: true,
        journeyId: journey.id,
        runKey: `contact:${contact.contactId}`,
        gen: 1,
        contactId: contact.contactId,
        contact: contactView(contact),
        trigger: {},
      });

      // Assess
      const asForecast =
        recorded.status === 'sent'
          ? 'send'
          : recorded.status === 'deferred' && recorded.reason === 'quiet_hours'
            ? 'deferred'
            : recorded.reason;
      expect(forecast).toBe(asForecast);
      expect(forecast).toBe(example.expected);
    } finally {
      restore();
    }
  });
});
