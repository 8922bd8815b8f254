// Previews render as the send path does: the contact's variant and data, the marketing footer when
// asked, SMS parts and encoding, the call script; a variable with no value is named, not blank.
import { describe, expect, it } from 'vitest';
import { PREVIEW_LINK, previewMessage } from '../../../functions/delivery/preview.ts';
import { cartReminderEmail } from '../../../workflows/templates/cart.ts';
import { appointmentConfirmationCall } from '../../../workflows/templates/leads.ts';
import { welcomeEmail, welcomeSmsOffer } from '../../../workflows/templates/welcome.ts';
import { contactWith } from '../fixtures.ts';

const brand = { name: 'Relance Shop', website: 'https://shop.example.com', postalAddress: '1 rue X, Paris' };
const ada = contactWith({
  email: 'ada@example.com',
  phone: '+33612345678',
  firstName: 'Ada',
  locale: 'fr-FR',
});

describe('previewMessage', () => {
  it('renders the contact variant of an e-mail with the marketing footer and placeholder links', async () => {
    const preview = await previewMessage({
      template: welcomeEmail,
      contact: ada,
      brand,
      defaultTimezone: 'Europe/Paris',
      marketing: true,
    });

    expect(preview).toMatchObject({
      channel: 'email',
      locale: 'fr',
      subject: expect.stringContaining('Ada'),
    });
    if (!('html' in preview)) return;
    expect(preview.text).toContain(`${PREVIEW_LINK}preferences`);
    expect(preview.html).toContain('1 rue X, Paris');
  });

  it('counts the parts and encoding of an SMS', async () => {
    const preview = await previewMessage({
      template: welcomeSmsOffer,
      contact: ada,
      brand,
      defaultTimezone: 'UTC',
    });

    expect(preview).toMatchObject({ channel: 'sms', parts: 1, encoding: 'GSM-7' });
    const unicode = await previewMessage({
      template: welcomeSmsOffer,
      contact: { ...ada, firstName: 'Zoë 😀' },
      brand: { ...brand, name: 'Shop 😀' },
      defaultTimezone: 'UTC',
    });
    expect(unicode).toMatchObject({ channel: 'sms', encoding: 'UCS-2', offendingCharacter: '😀' });
  });

  it('gives the script and voice of a call', async () => {
    const preview = await previewMessage({
      template: appointmentConfirmationCall,
      contact: ada,
      trigger: { startsAt: '2026-03-05T14:00:00Z', location: 'Showroom' },
      brand,
      defaultTimezone: 'Europe/Paris',
    });

    expect(preview).toMatchObject({ channel: 'voice', voice: 'LEA', bodyType: 'SSML' });
  });

  it('names the variable that has no value instead of rendering a blank', async () => {
    const preview = await previewMessage({
      template: cartReminderEmail,
      contact: ada,
      brand,
      defaultTimezone: 'UTC',
    });

    expect(preview).toEqual({ channel: 'email', missing: expect.stringMatching(/^trigger\.\w+ in fr\./) });
  });
});
