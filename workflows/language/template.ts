/**
 * Message templates: Liquid text with per-locale variants. Rendering lives in functions/delivery;
 * this file holds the shape and the filters' formatting; the Liquid engine, and the static
 * analysis the validator runs with it, are in ./liquid.ts, which a function loads on its first render.
 */
import { dateTimeFormat, numberFormat } from './intl-formats.ts';
import { isValidTimeZone } from './local-time.ts';
import type { VoiceScript, VoiceTemplate } from './voice-template.ts';

export type { VoiceScript, VoiceTemplate } from './voice-template.ts';

export interface EmailContent {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

export interface SmsContent {
  readonly text: string;
}

export interface EmailTemplate {
  readonly id: string;
  readonly channel: 'email';
  readonly content: EmailContent;
  /** Variants by locale (`fr`, `de-CH`); a contact's locale falls back to its language, then to `content`. */
  readonly locales?: Readonly<Record<string, EmailContent>>;
  /**
   * Attach the trigger's appointment (`appointmentId`, `startsAt`, `durationMinutes`, `location`,
   * `title`) as an .ics invitation, so the contact can add it to their calendar in one click.
   */
  readonly calendarInvite?: boolean;
}

export interface SmsTemplate {
  readonly id: string;
  readonly channel: 'sms';
  readonly content: SmsContent;
  readonly locales?: Readonly<Record<string, SmsContent>>;
  /** Longest message allowed, in SMS parts, checked at synth time on the template's static text. */
  readonly maxParts?: number;
}

export type MessageTemplate = EmailTemplate | SmsTemplate | VoiceTemplate;

/** Root variables a template may use, and who provides them. */
export const TEMPLATE_ROOTS = ['contact', 'trigger', 'event', 'journey', 'links', 'brand', 'owner'] as const;
export type TemplateRoot = (typeof TEMPLATE_ROOTS)[number];

/**
 * How a render writes values: the locale of numbers, amounts and dates (the contact's, in the
 * language of the variant used), and the reader's zone (the event's `timezone`, else the contact's,
 * else the deployment's).
 */
export interface FormatSettings {
  readonly locale: string;
  readonly timeZone?: string;
}

/** Where a render keeps its format settings (a render-time global no template names). */
const FORMAT_GLOBAL = '__relanceFormat';
const DEFAULT_FORMAT: FormatSettings = { locale: 'en-GB' };

/** The Liquid render globals that carry the format settings to the filters. */
export function formatGlobals(format: FormatSettings): Record<string, unknown> {
  return { [FORMAT_GLOBAL]: format };
}

/** What a filter sees as `this` (liquidjs's FilterImpl, of which only the render context is read). */
interface FilterThis {
  readonly context?: { readonly globals?: unknown };
}

function formatOf(filter: FilterThis | undefined): FormatSettings {
  const globals = filter?.context?.globals as Record<string, unknown> | undefined;
  const format = globals?.[FORMAT_GLOBAL] as FormatSettings | undefined;
  return format?.locale ? format : DEFAULT_FORMAT;
}

/** `locale` when Intl knows it, else `fallback`. */
function supportedLocale(locale: string, fallback: string): string {
  try {
    return Intl.DateTimeFormat.supportedLocalesOf([locale]).length > 0 ? locale : fallback;
  } catch {
    return fallback;
  }
}

/**
 * An instant written in the first of the given IANA zones that is valid, else the reader's zone
 * (the format's), else UTC (said so), in the format's locale: "Monday 2 March 2026 at 15:00",
 * "lundi 2 mars 2026 à 15:00".
 */
export function formatLocalTime(value: unknown, zones: readonly unknown[], format: FormatSettings): string {
  const instant = new Date(String(value));
  if (Number.isNaN(instant.getTime())) return String(value ?? '');
  const zone = [...zones, format.timeZone].find(
    (z): z is string => typeof z === 'string' && z !== '' && isValidTimeZone(z),
  );
  const text = dateTimeFormat(supportedLocale(format.locale, 'en-GB'), {
    timeZone: zone ?? 'UTC',
    dateStyle: 'full',
    timeStyle: 'short',
  }).format(instant);
  return zone ? text : `${text} UTC`;
}

/** An amount in a currency, written the locale's way: "12,50 €" in fr-FR, "€12.50" in en-GB. */
export function formatMoney(value: unknown, currency: unknown, format: FormatSettings): string {
  const amount = typeof value === 'number' ? value : Number(value);
  if (value === null || value === '' || !Number.isFinite(amount)) return String(value ?? '');
  const locale = supportedLocale(format.locale, 'en-GB');
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) {
    // No currency known: the number the locale's way ("1 234,5" in fr-FR, "1,234.5" in en-GB).
    return numberFormat(locale, { maximumFractionDigits: 2 }).format(amount);
  }
  return numberFormat(locale, { style: 'currency', currency }).format(amount);
}

/**
 * `{{ trigger.startsAt | local_time }}`: the instant in the reader's zone (see formatLocalTime);
 * `local_time: "America/New_York"` names a zone instead. Shared by the renderer and the static
 * analysis so a template that uses it validates.
 */
export function localTimeFilter(this: FilterThis | undefined, value: unknown, ...zones: unknown[]): string {
  return formatLocalTime(value, zones, formatOf(this));
}

/** `{{ trigger.value | money: trigger.currency }}`: see formatMoney. */
export function moneyFilter(this: FilterThis | undefined, value: unknown, currency?: unknown): string {
  return formatMoney(value, currency, formatOf(this));
}

/** Every text of a template, across locales, by a readable name. */
export function templateTexts(template: MessageTemplate): Array<{ name: string; source: string }> {
  const variants: Array<[string, EmailContent | SmsContent | VoiceScript]> = [
    ['default', template.content],
    ...Object.entries(template.locales ?? {}),
  ];
  return variants.flatMap(([locale, content]) =>
    Object.entries(content)
      // A voice script's `voice` names who speaks; it is not a text.
      .filter(([part]) => !(template.channel === 'voice' && part === 'voice'))
      .map(([part, source]) => ({ name: `${locale}.${part}`, source: String(source) })),
  );
}
