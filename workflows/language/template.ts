/**
 * Message templates: Liquid text with per-locale variants. Rendering lives in functions/delivery;
 * this file holds the shape and the static analysis the validator uses.
 */
import { Liquid } from 'liquidjs';
import { isValidTimeZone } from './local-time.ts';

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

export type MessageTemplate = EmailTemplate | SmsTemplate;

/** Root variables a template may use, and who provides them. */
export const TEMPLATE_ROOTS = ['contact', 'trigger', 'event', 'journey', 'links', 'brand', 'owner'] as const;
export type TemplateRoot = (typeof TEMPLATE_ROOTS)[number];

/**
 * `{{ trigger.startsAt | local_time: contact.timezone, trigger.timezone }}`: an instant written in
 * the first of the given IANA zones that is valid (UTC, said so, when none is), e.g.
 * "Tuesday 3 March 2026 at 15:00". Shared by the renderer and the static analysis so a template
 * that uses it validates.
 */
export function localTimeFilter(value: unknown, ...zones: unknown[]): string {
  const instant = new Date(String(value));
  if (Number.isNaN(instant.getTime())) return String(value ?? '');
  const zone = zones.find((z): z is string => typeof z === 'string' && z !== '' && isValidTimeZone(z));
  const text = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone ?? 'UTC',
    dateStyle: 'full',
    timeStyle: 'short',
  }).format(instant);
  return zone ? text : `${text} UTC`;
}

/** A Liquid engine with relance's filters. */
export function relanceLiquid(options: ConstructorParameters<typeof Liquid>[0]): Liquid {
  const engine = new Liquid(options);
  engine.registerFilter('local_time', localTimeFilter);
  return engine;
}

const analyser = relanceLiquid({ strictFilters: true });

/** Every text of a template, across locales, by a readable name. */
export function templateTexts(template: MessageTemplate): Array<{ name: string; source: string }> {
  const variants: Array<[string, EmailContent | SmsContent]> = [
    ['default', template.content],
    ...Object.entries(template.locales ?? {}),
  ];
  return variants.flatMap(([locale, content]) =>
    Object.entries(content).map(([part, source]) => ({ name: `${locale}.${part}`, source: String(source) })),
  );
}

/**
 * The global variable paths a Liquid source reads (`contact.firstName`, `trigger.items`), or the
 * parse error. Loop-local names (`item.name` in `for item in trigger.items`) are not globals.
 */
export function templateVariables(source: string): { paths: string[] } | { error: string } {
  try {
    const parsed = analyser.parse(source);
    return { paths: analyser.globalVariableSegmentsSync(parsed).map((segments) => segments.join('.')) };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
