/**
 * A template rendered for one contact, as the send path would render it: the contact's locale
 * variant, their data, the brand, the reader's zone, and, for marketing e-mail, the footer with the
 * preference link. Links are placeholders (a preview signs nothing). SMS say how many parts and
 * which encoding; calls give the script and the voice. A variable with no value is named.
 */
import { type Contact, contactView } from '#catalogue/contact.ts';
import { segmentSms } from '#language/sms-parts.ts';
import type { MessageTemplate } from '#language/template.ts';
import { MissingTemplateData, renderMessage, withMarketingFooter } from './rendering.ts';

export interface PreviewInput {
  readonly template: MessageTemplate;
  readonly contact: Contact;
  /** The trigger event's detail the template reads (`trigger.items`...). */
  readonly trigger?: Record<string, unknown>;
  /** Overrides the contact's locale. */
  readonly locale?: string;
  readonly brand: Record<string, string>;
  readonly defaultTimezone: string;
  /** Render it as a marketing message (footer and unsubscribe links), as a marketing step sends it. */
  readonly marketing?: boolean;
}

/** What a placeholder link looks like in a preview. */
export const PREVIEW_LINK = 'https://preview.invalid/';

export type Preview =
  | {
      readonly channel: 'email';
      readonly locale: string;
      readonly subject: string;
      readonly text: string;
      readonly html: string;
    }
  | {
      readonly channel: 'sms';
      readonly locale: string;
      readonly text: string;
      readonly parts: number;
      readonly encoding: 'GSM-7' | 'UCS-2';
      /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
      readonly units: number;
      /** The first character that forced UCS-2. */
      readonly offendingCharacter?: string;
    }
  | {
      readonly channel: 'voice';
      readonly locale: string;
      readonly body: string;
      readonly bodyType: 'TEXT' | 'SSML';
      readonly voice: string;
    }
  | { readonly channel: MessageTemplate['channel']; readonly missing: string };

export async function previewMessage(input: PreviewInput): Promise<Preview> {
  const locale = input.locale ?? input.contact.locale;
  const links = { unsubscribe: `${PREVIEW_LINK}unsubscribe`, preferences: `${PREVIEW_LINK}preferences` };
  try {
    const rendered = await renderMessage(
      input.template,
      locale,
      {
        contact: contactView(input.contact),
        trigger: input.trigger ?? {},
        event: {},
        journey: { id: 'preview' },
        brand: input.brand,
        links: { ...links, confirm: `${PREVIEW_LINK}confirm` },
      },
      { defaultTimezone: input.defaultTimezone },
    );
    if (rendered.channel === 'email') {
      const shown =
        input.marketing === true
          ? withMarketingFooter(rendered, {
              preferencesUrl: links.preferences,
              ...(input.brand.name ? { brandName: input.brand.name } : {}),
              ...(input.brand.postalAddress ? { postalAddress: input.brand.postalAddress } : {}),
              ...(locale ? { locale } : {}),
            })
          : rendered;
      return {
        channel: 'email',
        locale: shown.locale,
        subject: shown.subject,
        text: shown.text,
        html: shown.html,
      };
    }
    if (rendered.channel === 'sms') {
      const { parts, encoding, units, offendingCharacter } = segmentSms(rendered.text);
      return {
        channel: 'sms',
        locale: rendered.locale,
        text: rendered.text,
        parts,
        encoding,
        units,
        ...(offendingCharacter ? { offendingCharacter } : {}),
      };
    }
    return {
      channel: 'voice',
      locale: rendered.locale,
      body: rendered.body,
      bodyType: rendered.bodyType,
      voice: rendered.voice,
    };
  } catch (error) {
    if (error instanceof MissingTemplateData)
      return { channel: input.template.channel, missing: `${error.variable} in ${error.part}` };
    throw error;
  }
}
