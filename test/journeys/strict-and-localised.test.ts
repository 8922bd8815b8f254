// Strict data and localised messages on the local runtime: a template variable with no value skips
// the send as `missing_data` (explained by `relance why`) instead of mailing `<a href="">`; French
// contacts read French messages, footers, amounts and pages; a contact with no time zone reads
// appointment times in the shop's zone; the double opt-in link confirms on the page's POST only.

import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { formatWhy, why } from '../../bin/cli/why.ts';
import { relanceTables } from '../../local/dev/relance-template.ts';
import {
  eventId,
  hours,
  type LocalSystem,
  minutes,
  PROJECT_ROOT,
  startLocalSystem,
} from '../support/local-system.ts';

// A journey whose template reads an optional field without a default (the cart's link): the synth
// here sees it through vi.mock, the functions' sandboxes through the runtime's module substitutes.
vi.mock('../../workflows/journeys/index.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../workflows/journeys/index.ts')>();
  const { cartLinkJourney } = await import('./fixtures/cart-link.ts');
  const journeys = [...original.journeys, cartLinkJourney];
  return { ...original, journeys, findJourney: (id: string) => journeys.find((j) => j.id === id) };
});
vi.mock('../../workflows/templates/index.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../workflows/templates/index.ts')>();
  const { cartLinkTemplate } = await import('./fixtures/cart-link.ts');
  return { templates: new Map([...original.templates, [cartLinkTemplate.id, cartLinkTemplate]]) };
});
const FIXTURES = resolve(import.meta.dirname, 'fixtures');
const SUBSTITUTES = {
  [resolve(PROJECT_ROOT, 'workflows/journeys/index.ts')]: join(FIXTURES, 'cart-link-journeys.ts'),
  [resolve(PROJECT_ROOT, 'workflows/templates/index.ts')]: join(FIXTURES, 'cart-link-templates.ts'),
};

/** Monday 2 March 2026, 11:00 in Paris. */
const MONDAY_MORNING_PARIS = Date.parse('2026-03-02T10:00:00Z');

let system: LocalSystem;
const now = () => new Date(system.runtime.clock.now()).toISOString();

beforeAll(async () => {
  system = await startLocalSystem({ start: MONDAY_MORNING_PARIS, moduleSubstitutes: SUBSTITUTES });
});
afterAll(async () => {
  await system.stop();
});

async function contactByEmail(email: string) {
  const { ContactsRepository } = await import('../../functions/contacts/contacts-repository.ts');
  const contacts = new ContactsRepository(relanceTables(system.runtime.app).contacts ?? '');
  const contactId = await contacts.findByIdentity('EMAIL', email);
  return contactId ? contacts.get(contactId) : undefined;
}

const cart = (email: string, cartId: string, extra: Record<string, unknown> = {}) => ({
  eventId: eventId('cart'),
  occurredAt: now(),
  source: 'shop.test',
  contact: { email },
  cartId,
  items: [{ sku: 'LAMP-01', name: 'Lampe en laiton', qty: 1, price: 12.5 }],
  value: 12.5,
  currency: 'EUR',
  ...extra,
});

describe('a template variable with no value at send time', () => {
  it('skips the send as missing_data naming the variable, and relance why says so', async () => {
    // Prepare
    const email = 'no.link@example.com';
    const withLink = 'with.link@example.com';

    // Act: a cart without its (optional) link, and one with it
    await system.put('cart.updated', cart(email, 'cart-no-link'));
    await system.put(
      'cart.updated',
      cart(withLink, 'cart-with-link', { cartUrl: 'https://shop.example.com/cart/1' }),
    );

    // Assess: no e-mail with an empty link; the one with a link is sent
    expect(system.emailsTo(email).filter((m) => m.subject === 'Your cart')).toEqual([]);
    expect(system.runtime.ses.emails().some((m) => m.body.html?.includes('href=""'))).toBe(false);
    expect(system.emailsTo(withLink).find((m) => m.subject === 'Your cart')?.html).toContain(
      'href="https://shop.example.com/cart/1"',
    );
    const report = await why(email, {
      projectRoot: PROJECT_ROOT,
      cdkOut: system.cdkOut,
      endpoint: system.endpoint,
      aws: false,
    });
    expect(report?.entries.find((e) => e.journeyId === 'cart-link')).toMatchObject({
      status: 'skipped',
      reason: 'missing_data',
      detail: 'trigger.cartUrl in default.html',
    });
    expect(formatWhy(report ?? { contact: {} as never, entries: [] }).join('\n')).toMatch(
      /cart-link \/ link {2}email {2}skipped: a template variable has no value and the template gives no default \(trigger\.cartUrl in default\.html\)/,
    );
  });
});

describe('a French contact', () => {
  it('gets the French cart reminder: "12,50 €", a French footer, and French preference pages', async () => {
    // Prepare
    const email = 'zoe@example.fr';
    await system.put('contact.signed_up', {
      eventId: eventId('signup'),
      occurredAt: now(),
      source: 'shop.test',
      contact: { email },
      firstName: 'Zoé',
      locale: 'fr-FR',
      timezone: 'Europe/Paris',
    });

    // Act
    await system.put('cart.updated', cart(email, 'cart-zoe', { cartUrl: 'https://shop.example.com/c/z' }));
    await system.advance(hours(1) + minutes(1));

    // Assess: the message, its amounts and its footer
    const reminder = system.emailsTo(email).find((m) => m.subject.includes('panier'));
    expect(reminder?.subject).toBe('Zoé, vous avez oublié quelque chose dans votre panier');
    expect(reminder?.text).toMatch(/Total : 12,50\s€/u);
    expect(reminder?.text).not.toMatch(/12\.5|EUR/);
    expect(reminder?.text).toContain('Gérer vos préférences e-mail ou vous désinscrire');
    expect(reminder?.text).not.toContain('Manage your e-mail preferences');
    // The preference page behind the footer, and the unsubscribe page behind List-Unsubscribe
    const preferences = /désinscrire: (\S+)/.exec(reminder?.text ?? '')?.[1] ?? '';
    const page = await (await fetch(preferences)).text();
    expect(page).toContain('<html lang="fr">');
    expect(page).toContain('Vos préférences e-mail');
    expect(page).toContain('Rappels concernant mon panier');
    const unsubscribe = /<(http[^>]+)>/.exec(reminder?.headers['List-Unsubscribe'] ?? '')?.[1] ?? '';
    const unsubscribePage = await (await fetch(unsubscribe)).text();
    expect(unsubscribePage).toContain('Ne plus recevoir « Rappels concernant mon panier » ?');
  });
});

describe('a contact with no time zone', () => {
  it('reads the appointment time in the shop’s zone (Europe/Paris), not UTC; the .ics stays in UTC', async () => {
    // Prepare
    const email = 'no.zone@example.com';
    await system.put('contact.signed_up', {
      eventId: eventId('signup'),
      occurredAt: now(),
      source: 'shop.test',
      contact: { email },
    });

    // Act: 14:00 UTC on Wednesday 4 March is 15:00 in Paris
    await system.put('appointment.booked', {
      eventId: eventId('apt'),
      occurredAt: now(),
      source: 'calendar.test',
      contact: { email },
      appointmentId: 'apt-no-zone',
      repId: 'claire-martin',
      startsAt: '2026-03-04T14:00:00Z',
      durationMinutes: 30,
      location: 'Shop, 1 Example Street',
    });

    // Assess
    const confirmation = system.runtime.ses
      .emails()
      .find((e) => e.destination.to.includes(email) && e.subject.startsWith('Your appointment'));
    expect(confirmation?.subject).toMatch(/^Your appointment: Wednesday,? 4 March 2026 at 15:00$/);
    expect(confirmation?.subject).not.toContain('UTC');
    expect(confirmation?.attachments?.[0]?.content).toContain('DTSTART:20260304T140000Z');
  });
});

describe('the double opt-in link', () => {
  it('shows a page with a button on GET (a mail scanner’s prefetch changes nothing) and confirms on POST', async () => {
    // Prepare: a pending newsletter subscription, and its confirmation e-mail
    const email = 'pending@example.fr';
    await system.put('contact.signed_up', {
      eventId: eventId('signup'),
      occurredAt: now(),
      source: 'shop.test',
      contact: { email },
      locale: 'fr-FR',
    });
    await system.put('consent.changed', {
      eventId: eventId('consent'),
      occurredAt: now(),
      source: 'shop.test',
      contact: { email },
      channel: 'email',
      topic: 'newsletter',
      status: 'pending',
      proof: { kind: 'form', reference: 'newsletter-box' },
    });
    const message = system.emailsTo(email).find((m) => m.subject.startsWith('Confirmez'));
    const link = /Confirmer : (\S+)/.exec(message?.text ?? '')?.[1] ?? '';

    // Act: the scanner's GET
    const scanned = await fetch(link);
    const afterGet = await contactByEmail(email);

    // Assess: a page with a button that posts, in French; nothing recorded
    expect(scanned.status).toBe(200);
    const page = await scanned.text();
    expect(page).toContain('<form method="post">');
    expect(page).toContain('Oui, je m&#39;inscris');
    expect(afterGet?.consent.email?.topics.newsletter?.status).toBe('pending');

    // Act: the contact presses the button
    const pressed = await fetch(link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'confirm=yes',
    });

    // Assess
    expect(pressed.status).toBe(200);
    expect(await pressed.text()).toContain('Votre inscription à « Actualités et nouveautés » est confirmée.');
    expect((await contactByEmail(email))?.consent.email?.topics.newsletter).toMatchObject({
      status: 'opted_in',
      proof: { kind: 'double_opt_in' },
    });
  });
});
