/**
 * Renders message templates with Liquid: the locale variant closest to the contact's locale
 * (`fr-CA` → `fr-CA`, then `fr`, then the default), HTML values escaped.
 */

import {
  type EmailContent,
  type MessageTemplate,
  relanceLiquid,
  type SmsContent,
} from '#language/template.ts';
import { escapeHtml } from '#platform/html-page.ts';

const liquid = relanceLiquid({ strictFilters: true, outputEscape: undefined, cache: true });
const htmlLiquid = relanceLiquid({ strictFilters: true, outputEscape: 'escape', cache: true });

/** The content variant for a locale, falling back to its language, then to the default. */
export function pickVariant<T extends EmailContent | SmsContent>(
  content: T,
  locales: Readonly<Record<string, T>> | undefined,
  locale: string | undefined,
): { content: T; locale: string } {
  if (locale && locales) {
    const exact = locales[locale];
    if (exact) return { content: exact, locale };
    const language = locale.split('-')[0] ?? locale;
    const byLanguage = locales[language];
    if (byLanguage) return { content: byLanguage, locale: language };
  }
  return { content, locale: 'default' };
}

export type RenderedMessage =
  | { channel: 'email'; subject: string; html: string; text: string; locale: string }
  | { channel: 'sms'; text: string; locale: string };

/** Renders a template for a contact's locale with the given variables. */
export async function renderMessage(
  template: MessageTemplate,
  locale: string | undefined,
  variables: Record<string, unknown>,
): Promise<RenderedMessage> {
  if (template.channel === 'email') {
    const { content, locale: used } = pickVariant(template.content, template.locales, locale);
    const [subject, html, text] = await Promise.all([
      liquid.parseAndRender(content.subject, variables),
      htmlLiquid.parseAndRender(content.html, variables),
      liquid.parseAndRender(content.text, variables),
    ]);
    return { channel: 'email', subject: subject.trim(), html, text, locale: used };
  }
  const { content, locale: used } = pickVariant(template.content, template.locales, locale);
  return {
    channel: 'sms',
    text: (await liquid.parseAndRender(content.text, variables)).trim(),
    locale: used,
  };
}

/**
 * The footer every marketing e-mail carries, whatever its template: a visible link to the
 * preference page (where the contact can also unsubscribe) and the sender's postal address
 * (CAN-SPAM). Added by the sender so no template can forget it.
 */
export function withMarketingFooter(
  message: Extract<RenderedMessage, { channel: 'email' }>,
  footer: { preferencesUrl: string; brandName?: string; postalAddress?: string },
): Extract<RenderedMessage, { channel: 'email' }> {
  const who = footer.brandName ? `${footer.brandName}, ` : '';
  const address = footer.postalAddress ? `${who}${footer.postalAddress}` : (footer.brandName ?? '');
  const html = `<hr><p style="font-size:12px;color:#666">You receive this because you are a customer${footer.brandName ? ` of ${escapeHtml(footer.brandName)}` : ''}. <a href="${escapeHtml(footer.preferencesUrl)}">Manage your e-mail preferences or unsubscribe</a>.${address ? `<br>${escapeHtml(address)}` : ''}</p>`;
  const text = `\n\n--\nManage your e-mail preferences or unsubscribe: ${footer.preferencesUrl}${address ? `\n${address}` : ''}`;
  return { ...message, html: `${message.html}\n${html}`, text: `${message.text}${text}` };
}
