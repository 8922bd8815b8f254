/**
 * Renders message templates with Liquid: the locale variant closest to the contact's locale
 * (`fr-CA` → `fr-CA`, then `fr`, then the default), HTML and SSML values escaped (a name with `&`
 * or `<` cannot break the markup of an e-mail or a call), amounts and dates written
 * the contact's way (Intl). Strict: a variable with no value and no `default` filter is not
 * rendered as an empty string; the render fails with MissingTemplateData naming it, and the send
 * is skipped as `missing_data`.
 */

import type { Liquid } from 'liquidjs';
import { isValidTimeZone } from '#language/local-time.ts';
import {
  type EmailContent,
  formatGlobals,
  type MessageTemplate,
  type SmsContent,
  type VoiceScript,
} from '#language/template.ts';
import type { PollyVoice } from '#language/voice-template.ts';
import { onFirstUse } from '#platform/first-use.ts';
import { escapeHtml } from '#platform/html-page.ts';
import { type TextLanguage, textLanguage } from '#platform/text-language.ts';
import { headerText } from './header-text.ts';

// `lenientIf`: `{% if contact.firstName %}` and `{{ x | default: "..." }}` test for a value, so
// a missing one is not an error there.
const STRICT = { strictFilters: true, strictVariables: true, lenientIf: true, cache: true } as const;
interface Engines {
  readonly text: Liquid;
  readonly html: Liquid;
  readonly isUndefinedVariable: (error: unknown) => error is Error;
}
// Liquid is loaded, and its engines made, on the first render: loading it and making an engine
// (which reads the runtime's Intl locale) would cost every cold start ~25 ms, rendering or not.
const liquidEngines = onFirstUse(async (): Promise<Engines> => {
  const { relanceLiquid, UndefinedVariableError } = await import('#language/liquid.ts');
  return {
    text: relanceLiquid({ ...STRICT, outputEscape: undefined }),
    html: relanceLiquid({ ...STRICT, outputEscape: 'escape' }),
    isUndefinedVariable: (error: unknown): error is Error => error instanceof UndefinedVariableError,
  };
});

/** A template read a variable that has no value, without a default: nothing should be sent. */
export class MissingTemplateData extends Error {
  override readonly name = 'MissingTemplateData';
  constructor(
    /** The variable, as the template names it (`trigger.value`, `links.unsubscribe`). */
    readonly variable: string,
    /** The text that reads it: `<variant>.<part>` (`fr.subject`, `default.text`). */
    readonly part: string,
  ) {
    super(`${variable} has no value (in ${part}) and the template gives no default`);
  }
}

/** The locale amounts and dates are written in: the contact's, when it speaks the variant's language. */
export function formatLocale(contactLocale: string | undefined, variant: string): string {
  const language = variant === 'default' ? 'en' : (variant.split('-')[0] ?? variant);
  if (contactLocale && contactLocale.split('-')[0]?.toLowerCase() === language.toLowerCase()) {
    return contactLocale;
  }
  return variant === 'default' ? 'en-GB' : variant;
}

async function renderPart(
  engine: 'text' | 'html',
  source: string,
  variables: Record<string, unknown>,
  globals: Record<string, unknown>,
  part: string,
): Promise<string> {
  const loaded = await liquidEngines();
  try {
    return await loaded[engine].parseAndRender(source, variables, { globals });
  } catch (error) {
    if (loaded.isUndefinedVariable(error)) {
      const variable = /undefined variable: ([^,\s]+)/.exec(error.message)?.[1] ?? 'a variable';
      throw new MissingTemplateData(variable, part);
    }
    throw error;
  }
}

/** The content variant for a locale, falling back to its language, then to the default. */
export function pickVariant<T extends EmailContent | SmsContent | VoiceScript>(
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
  | { channel: 'sms'; text: string; locale: string }
  | {
      channel: 'voice';
      /** What SendVoiceMessage reads out: the script, plain text or SSML as `bodyType` says. */
      body: string;
      bodyType: 'TEXT' | 'SSML';
      voice: PollyVoice;
      locale: string;
    };

export interface RenderOptions {
  /** The zone times are written in when neither the event nor the contact has one (the deployment's). */
  readonly defaultTimezone?: string;
}

/**
 * The zone the reader reads times in: the trigger event's `timezone` (an appointment booked in
 * the shop's zone), else the contact's, else the deployment's default.
 */
export function readerTimeZone(
  variables: Record<string, unknown>,
  defaultTimezone: string | undefined,
): string | undefined {
  const zoneOf = (scope: unknown) =>
    scope !== null && typeof scope === 'object' ? (scope as Record<string, unknown>).timezone : undefined;
  return [zoneOf(variables.trigger), zoneOf(variables.contact), defaultTimezone].find(
    (zone): zone is string => typeof zone === 'string' && zone !== '' && isValidTimeZone(zone),
  );
}

/**
 * Renders a template for a contact's locale with the given variables; throws MissingTemplateData
 * when a variable the template reads has no value and no default.
 */
export async function renderMessage(
  template: MessageTemplate,
  locale: string | undefined,
  variables: Record<string, unknown>,
  options: RenderOptions = {},
): Promise<RenderedMessage> {
  const timeZone = readerTimeZone(variables, options.defaultTimezone);
  const globalsFor = (used: string) =>
    formatGlobals({ locale: formatLocale(locale, used), ...(timeZone ? { timeZone } : {}) });
  if (template.channel === 'email') {
    const { content, locale: used } = pickVariant(template.content, template.locales, locale);
    const globals = globalsFor(used);
    const [subject, html, text] = await Promise.all([
      renderPart('text', content.subject, variables, globals, `${used}.subject`),
      renderPart('html', content.html, variables, globals, `${used}.html`),
      renderPart('text', content.text, variables, globals, `${used}.text`),
    ]);
    return { channel: 'email', subject: headerText(subject), html, text, locale: used };
  }
  if (template.channel === 'voice') {
    const { content, locale: used } = pickVariant(template.content, template.locales, locale);
    const globals = globalsFor(used);
    if (content.ssml !== undefined) {
      const body = await renderPart('html', content.ssml, variables, globals, `${used}.ssml`);
      return { channel: 'voice', body: body.trim(), bodyType: 'SSML', voice: content.voice, locale: used };
    }
    const body = await renderPart('text', content.text, variables, globals, `${used}.text`);
    return { channel: 'voice', body: body.trim(), bodyType: 'TEXT', voice: content.voice, locale: used };
  }
  const { content, locale: used } = pickVariant(template.content, template.locales, locale);
  const text = await renderPart('text', content.text, variables, globalsFor(used), `${used}.text`);
  return { channel: 'sms', text: text.trim(), locale: used };
}

/** The footer's words, by language. */
const FOOTERS: Readonly<
  Record<TextLanguage, { readonly because: (brand?: string) => string; readonly manage: string }>
> = {
  en: {
    because: (brand) => `You receive this because you are a customer${brand ? ` of ${brand}` : ''}.`,
    manage: 'Manage your e-mail preferences or unsubscribe',
  },
  fr: {
    because: (brand) => `Vous recevez ce message parce que vous êtes client${brand ? ` de ${brand}` : ''}.`,
    manage: 'Gérer vos préférences e-mail ou vous désinscrire',
  },
};

/**
 * The footer every marketing e-mail carries, whatever its template: a visible link to the
 * preference page (where the contact can also unsubscribe) and the sender's postal address
 * (CAN-SPAM), in the contact's language. Added by the sender so no template can forget it.
 */
export function withMarketingFooter(
  message: Extract<RenderedMessage, { channel: 'email' }>,
  footer: { preferencesUrl: string; brandName?: string; postalAddress?: string; locale?: string },
): Extract<RenderedMessage, { channel: 'email' }> {
  const words = FOOTERS[textLanguage(footer.locale)];
  const who = footer.brandName ? `${footer.brandName}, ` : '';
  const address = footer.postalAddress ? `${who}${footer.postalAddress}` : (footer.brandName ?? '');
  const html = `<hr><p style="font-size:12px;color:#666">${escapeHtml(words.because(footer.brandName))} <a href="${escapeHtml(footer.preferencesUrl)}">${escapeHtml(words.manage)}</a>.${address ? `<br>${escapeHtml(address)}` : ''}</p>`;
  const text = `\n\n--\n${words.manage}: ${footer.preferencesUrl}${address ? `\n${address}` : ''}`;
  return { ...message, html: `${message.html}\n${html}`, text: `${message.text}${text}` };
}
