// Rendering templates for a contact: the closest locale variant, HTML escaping in the html part only, loops.
import { describe, expect, it } from 'vitest';
import type { EmailTemplate } from '#language/template.ts';
import { pickVariant, renderMessage } from '../../../functions/delivery/rendering.ts';
import { cartReminderEmail } from '../../../workflows/templates/cart.ts';
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
      '<ul><li>2 × Blue T-shirt (M): 19.99 EUR</li><li>1 × Socks &lt;3 pack&gt;: 5 EUR</li></ul>',
    );
    expect(message.text).toContain('- 2 x Blue T-shirt (M): 19.99 EUR\n- 1 x Socks <3 pack>: 5 EUR\n');
    expect(message.text).toContain('Back to my cart: https://shop.example.com/cart/cart-123');
  });

  it('renders an SMS template trimmed', async () => {
    // Act
    const message = await renderMessage(welcomeSmsOffer, 'fr', { brand });

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
