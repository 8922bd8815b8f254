// Rendering templates for a contact: the closest locale variant, HTML escaping in the html part only,
// loops, amounts and dates in the contact's locale, and no empty string for a value that is missing.
import { describe, expect, it } from 'vitest';
import type { EmailTemplate, VoiceTemplate } from '#language/template.ts';
import { validateVoiceTemplate } from '#language/voice-template.ts';
import {
  MissingTemplateData,
  pickVariant,
  renderMessage,
  withMarketingFooter,
} from '../../../functions/delivery/rendering.ts';
import { cartReminderEmail } from '../../../workflows/templates/cart.ts';
import {
  appointmentConfirmationCall,
  appointmentConfirmationEmail,
} from '../../../workflows/templates/leads.ts';
import { welcomeEmail, welcomeSmsOffer } from '../../../workflows/templates/welcome.ts';

const brand = { name: 'Relance Shop', website: 'https://shop.example.com' };

const item = (name: string, qty: number, price: number) => ({ sku: name, name, qty, price });

describe('pickVariant', () => {
  const content = { text: 'default' };
  const locales = { fr: { text: 'fr' }, 'fr-CA': { text: 'fr-CA' }, de: { text: 'de' } };

  it.each([
    ['fr-CA', 'fr-CA', 'fr-CA'],
    ['fr-BE', 'fr', 'fr'],
    ['fr', 'fr', 'fr'],
    ['de-CH', 'de', 'de'],
    ['es-ES', 'default', 'default'],
    [undefined, 'default', 'default'],
  ])('for the locale %s picks %s', (locale, text, used) => {
    // Act
    const picked = pickVariant(content, locales, locale);

    // Assess
    expect(picked).toEqual({ content: { text }, locale: used });
  });

  it('falls back fr-CA → fr → default when only some variants exist', () => {
    // Act
    const withFr = pickVariant(content, { fr: { text: 'fr' } }, 'fr-CA');
    const without = pickVariant(content, undefined, 'fr-CA');

    // Assess
    expect(withFr).toEqual({ content: { text: 'fr' }, locale: 'fr' });
    expect(without).toEqual({ content, locale: 'default' });
  });
});

describe('renderMessage', () => {
  it('renders the French variant for a fr-CA contact and reports the locale used', async () => {
    // Act
    const message = await renderMessage(welcomeEmail, 'fr-CA', { contact: { firstName: 'Ada' }, brand });

    // Assess
    expect(message).toMatchObject({
      channel: 'email',
      locale: 'fr',
      subject: 'Bienvenue chez Relance Shop, Ada !',
    });
  });

  it('renders the default variant for a locale without one, with Liquid defaults for missing values', async () => {
    // Act
    const message = await renderMessage(welcomeEmail, 'en-US', { contact: {}, brand });

    // Assess
    expect(message).toMatchObject({ locale: 'default', subject: 'Welcome to Relance Shop, friend!' });
    expect(message.channel === 'email' ? message.text : '').toContain(
      'Start shopping: https://shop.example.com',
    );
  });

  it('escapes values in the html part only; subject and text keep them as they are', async () => {
    // Prepare
    const template: EmailTemplate = {
      id: 'escape',
      channel: 'email',
      content: {
        subject: 'Hi {{ contact.firstName }}',
        html: '<p>Hi {{ contact.firstName }}</p>',
        text: 'Hi {{ contact.firstName }}',
      },
    };
    const variables = { contact: { firstName: '<b>Ada</b> & "co"' } };

    // Act
    const message = await renderMessage(template, undefined, variables);

    // Assess
    expect(message).toEqual({
      channel: 'email',
      locale: 'default',
      subject: 'Hi <b>Ada</b> & "co"',
      html: '<p>Hi &lt;b&gt;Ada&lt;/b&gt; &amp; &#34;co&#34;</p>',
      text: 'Hi <b>Ada</b> & "co"',
    });
  });

  it('renders the subject, a mail header, on one line without control characters', async () => {
    // Prepare: data stored before input checks, or read from anywhere, can hold anything.
    const template: EmailTemplate = {
      id: 'header',
      channel: 'email',
      content: {
        subject: 'Hi {{ contact.note }}',
        html: '<p>{{ contact.note }}</p>',
        text: '{{ contact.note }}',
      },
    };
    const variables = { contact: { note: 'Ada\r\nBcc: all@example.com \u001b]0;owned\u0007' } };

    // Act
    const message = await renderMessage(template, undefined, variables);

    // Assess
    expect(message).toMatchObject({
      subject: 'Hi Ada Bcc: all@example.com ]0;owned',
      text: 'Ada\r\nBcc: all@example.com \u001b]0;owned\u0007',
    });
  });

  it('loops over trigger.items in both parts, escaping item names in html', async () => {
    // Prepare
    const trigger = {
      items: [item('Blue T-shirt (M)', 2, 19.99), item('Socks <3 pack>', 1, 5)],
      value: 44.98,
      currency: 'EUR',
      cartUrl: 'https://shop.example.com/cart/cart-123',
    };

    // Act
    const message = await renderMessage(cartReminderEmail, undefined, {
      contact: { firstName: 'Ada' },
      trigger,
      brand,
    });

    // Assess
    if (message.channel !== 'email') throw new Error('expected an e-mail');
    expect(message.subject).toBe('Ada, you left something in your cart');
    expect(message.html).toContain(
      '<ul><li>2 × Blue T-shirt (M): €19.99</li><li>1 × Socks &lt;3 pack&gt;: €5.00</li></ul>',
    );
    expect(message.text).toContain('- 2 x Blue T-shirt (M): €19.99\n- 1 x Socks <3 pack>: €5.00\n');
    expect(message.text).toContain('Total: €44.98');
    expect(message.text).toContain('Back to my cart: https://shop.example.com/cart/cart-123');
  });

  it('renders an SMS template trimmed', async () => {
    // Act
    const message = await renderMessage(welcomeSmsOffer, 'en', { brand });

    // Assess
    expect(message).toEqual({
      channel: 'sms',
      locale: 'default',
      text: 'Relance Shop: 10% off your first order with code HELLO10, this week only. Reply STOP to opt out.',
    });
  });

  it('rejects a template that uses an unknown filter', async () => {
    // Prepare
    const template: EmailTemplate = {
      id: 'bad-filter',
      channel: 'email',
      content: { subject: '{{ contact.firstName | shout }}', html: 'x', text: 'x' },
    };

    // Act
    const rendering = renderMessage(template, undefined, { contact: { firstName: 'Ada' } });

    // Assess
    await expect(rendering).rejects.toThrow(/shout/);
  });
});

describe('renderMessage: strict data', () => {
  const cart = {
    items: [item('Brass desk lamp', 1, 12.5)],
    value: 12.5,
    currency: 'EUR',
  };

  it('refuses to render a variable that has no value and no default, naming it', async () => {
    // Prepare: a cart without its total
    const { value: _value, ...withoutTotal } = cart;

    // Act
    const rendering = renderMessage(cartReminderEmail, undefined, {
      contact: {},
      trigger: withoutTotal,
      brand,
    });

    // Assess
    await expect(rendering).rejects.toBeInstanceOf(MissingTemplateData);
    await expect(rendering).rejects.toMatchObject({
      variable: 'trigger.value',
      part: expect.stringMatching(/^default\.(html|text)$/),
    });
  });

  it('refuses an empty link: a template reading links.unsubscribe when there is none', async () => {
    // Prepare
    const template: EmailTemplate = {
      id: 'with-link',
      channel: 'email',
      content: { subject: 'Hi', html: '<a href="{{ links.unsubscribe }}">Unsubscribe</a>', text: 'x' },
    };

    // Act
    const rendering = renderMessage(template, undefined, { links: {} });

    // Assess
    await expect(rendering).rejects.toMatchObject({ variable: 'links.unsubscribe', part: 'default.html' });
  });

  it('renders a missing value the template gives a default for (| default, {% if %})', async () => {
    // Prepare
    const template: EmailTemplate = {
      id: 'defaults',
      channel: 'email',
      content: {
        subject: 'Hi {{ contact.firstName | default: "there" }}',
        html: '<p>Hi{% if contact.firstName %} {{ contact.firstName }}{% endif %}</p>',
        text: 'Hi',
      },
    };

    // Act
    const message = await renderMessage(template, undefined, { contact: {} });

    // Assess
    expect(message).toMatchObject({ subject: 'Hi there', html: '<p>Hi</p>' });
  });
});

describe('renderMessage: the contact’s locale', () => {
  it('writes amounts the French way for a French contact: "12,50 €", never "12.5 EUR"', async () => {
    // Act
    const message = await renderMessage(cartReminderEmail, 'fr-FR', {
      contact: { firstName: 'Zoé' },
      trigger: { items: [item('Lampe', 1, 12.5)], value: 12.5, currency: 'EUR' },
      brand,
    });

    // Assess
    if (message.channel !== 'email') throw new Error('expected an e-mail');
    expect(message.locale).toBe('fr');
    expect(message.subject).toBe('Zoé, vous avez oublié quelque chose dans votre panier');
    expect(message.text).toMatch(/Total : 12,50\s€/u);
    expect(message.text).not.toContain('12.5');
  });

  it('writes an appointment time in the deployment’s zone when neither the contact nor the event has one', async () => {
    // Prepare: 14:00 UTC is 15:00 in Paris in March
    const trigger = {
      appointmentId: 'a-1',
      startsAt: '2026-03-02T14:00:00Z',
      durationMinutes: 30,
      location: 'Shop',
    };

    // Act
    const english = await renderMessage(
      appointmentConfirmationEmail,
      undefined,
      { contact: {}, trigger, brand },
      { defaultTimezone: 'Europe/Paris' },
    );
    const french = await renderMessage(
      appointmentConfirmationEmail,
      'fr-FR',
      { contact: {}, trigger, brand },
      { defaultTimezone: 'Europe/Paris' },
    );
    const noDefault = await renderMessage(appointmentConfirmationEmail, undefined, {
      contact: {},
      trigger,
      brand,
    });

    // Assess (ICU versions differ on the comma after the weekday)
    const subject = (message: typeof english) => (message.channel === 'email' ? message.subject : '');
    expect(subject(english)).toMatch(/^Your appointment: Monday,? 2 March 2026 at 15:00$/);
    expect(subject(french)).toMatch(/^Votre rendez-vous : lundi 2 mars 2026 à 15:00$/);
    expect(subject(noDefault)).toMatch(/^Your appointment: Monday,? 2 March 2026 at 14:00 UTC$/);
  });

  it('adds the marketing footer in the contact’s language', async () => {
    // Prepare
    const message = { channel: 'email' as const, subject: 's', html: '<p>x</p>', text: 'x', locale: 'fr' };
    const footer = { preferencesUrl: 'https://p.example/x', brandName: 'Shop', postalAddress: '1 rue' };

    // Act
    const french = withMarketingFooter(message, { ...footer, locale: 'fr-FR' });
    const english = withMarketingFooter(message, footer);

    // Assess
    expect(french.text).toContain('Gérer vos préférences e-mail ou vous désinscrire: https://p.example/x');
    expect(french.html).toContain('parce que vous êtes client de Shop');
    expect(french.html).not.toContain('Manage your e-mail preferences');
    expect(english.text).toContain('Manage your e-mail preferences or unsubscribe: https://p.example/x');
  });
});

describe('renderMessage: voice scripts', () => {
  const trigger = {
    startsAt: '2026-03-05T14:00:00Z',
    location: 'Showroom <rue de Rivoli> & co',
    timezone: 'Europe/Paris',
  };

  it('reads the contact language with its voice and escapes values inserted into SSML', async () => {
    const call = await renderMessage(appointmentConfirmationCall, 'fr-FR', {
      contact: { firstName: 'Ada' },
      trigger,
      brand,
    });

    expect(call).toMatchObject({ channel: 'voice', bodyType: 'SSML', voice: 'LEA', locale: 'fr' });
    if (call.channel !== 'voice') return;
    expect(call.body).toContain('Showroom &lt;rue de Rivoli&gt; &amp; co');
    expect(call.body).toContain('jeudi 5 mars 2026 à 15:00');
    expect(
      validateVoiceTemplate({ id: 'rendered', channel: 'voice', content: { voice: 'LEA', ssml: call.body } }),
    ).toEqual([]);
  });

  it('keeps a plain-text script as text, and names a variable with no value', async () => {
    const template: VoiceTemplate = {
      id: 'plain',
      channel: 'voice',
      content: { voice: 'JOANNA', text: 'Hello {{ contact.firstName }} & welcome' },
    };

    await expect(renderMessage(template, 'en', { contact: { firstName: 'Ada' } })).resolves.toMatchObject({
      bodyType: 'TEXT',
      body: 'Hello Ada & welcome',
      voice: 'JOANNA',
    });
    await expect(renderMessage(template, 'en', { contact: {} })).rejects.toThrow(MissingTemplateData);
  });
});
