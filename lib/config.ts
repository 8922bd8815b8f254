import type { Construct } from 'constructs';
import { z } from 'zod';
import { PassSettingsSchema } from '../functions/audience-passes/audience-pass.ts';
import { DeliveryPolicySettings } from '../functions/delivery/delivery-policy.ts';

/**
 * Deployment settings, read from the context (`relance:*` keys of cdk.json, or `-c`) and checked
 * with zod at synth: an unknown key or a wrong type fails synth naming its path, and a partial
 * object is merged into the defaults (a `relance:delivery` with only `quietHours` keeps the default
 * caps and topics). `npm start` reads the same cdk.json (lib/context.ts).
 */

const nonEmpty = z.string().min(1);
const origin = z.url().refine((url) => new URL(url).origin === url, 'an origin: scheme, host and port only');

/** A From address with an e-mail domain (`Shop <hello@shop.example.com>`): its domain is the SES identity. */
/** Text that becomes a mail header (From's display name): a line break would start another header. */
const headerSafe = nonEmpty.refine(
  (value) => !/\p{Cc}/u.test(value),
  'must be one line without control characters (it becomes a mail header)',
);

const FromAddress = headerSafe.refine((value) => senderDomainOf(value) !== undefined, 'has no e-mail domain');

const Timezone = nonEmpty.refine((zone) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'an IANA timezone (Europe/Paris)');

/** The public lead form and where assigned leads are announced. */
const LeadsConfigSchema = z.strictObject({
  /** Site origins allowed to post the form (`https://www.example.com`); CORS and the origin check use them. */
  formOrigins: z.array(origin),
  /** The hidden field bots fill in. */
  honeypotField: nonEmpty,
  /** Submissions per client (source IP) per minute, enforced by the function. */
  perClientPerMinute: z.int().positive(),
  /** API Gateway throttling of `POST /leads` across all clients. */
  throttle: z.strictObject({ rateLimit: z.number().positive(), burstLimit: z.int().positive() }),
  /** Optional captcha (Turnstile, reCAPTCHA, hCaptcha): the verify URL and the Secrets Manager secret with the key. */
  captcha: z.strictObject({ verifyUrl: z.url(), secretName: nonEmpty }).optional(),
  /**
   * Optional webhook receiving every `lead.assigned` (an EventBridge API destination): a Slack
   * workflow or a CRM. The API key header value is read from the named Secrets Manager secret.
   */
  webhook: z.strictObject({ url: z.url(), headerName: nonEmpty, secretName: nonEmpty }).optional(),
});
export type LeadsConfig = z.infer<typeof LeadsConfigSchema>;

// The passes' timezone is the configuration's top-level defaultTimezone, not a setting of their own.
const { defaultTimezone: _topLevelSetting, ...passSettings } = PassSettingsSchema.shape;

/** How scheduled journeys reach their segment: scan parallelism and the provider rates to stay under (the functions' own schema). */
const AudiencePassConfigSchema = z.strictObject({
  ...passSettings,
  rates: z.strictObject(PassSettingsSchema.shape.rates.shape),
});
export type AudiencePassConfig = z.infer<typeof AudiencePassConfigSchema>;

/** A DNS label (the MAIL FROM subdomain: `mail` makes `mail.shop.example.com`). */
const dnsLabel = z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'a DNS label (mail, bounce)');

/**
 * The SES identity relance sends from: created in the template for the From domain (Easy DKIM,
 * custom MAIL FROM) or the From address, or an existing identity passed in by ARN. The send grant
 * is on that identity only.
 */
const SenderIdentitySchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('domain'), mailFromSubdomain: dnsLabel.default('mail') }),
  z.strictObject({ type: z.literal('address') }),
  z.strictObject({
    type: z.literal('existing'),
    arn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:ses:[a-z0-9-]+:\d{12}:identity\/[^/\s]+$/,
        'an SES identity ARN (arn:aws:ses:<region>:<account>:identity/<domain or address>)',
      ),
  }),
]);
export type SenderIdentityConfig = z.output<typeof SenderIdentitySchema>;

/** A price in USD as End User Messaging takes it (`0.05`). */
const Price = z.string().regex(/^\d{1,2}(\.\d{1,5})?$/, 'a price in USD such as "0.05"');

/**
 * SMS and calls through AWS End User Messaging SMS and Voice v2. Calls always go through it; SMS
 * through SNS (the default) or through it (`smsProvider: 'end-user-messaging'`). The origination
 * identity is a phone number the template leases (with an opt-out list of its own), or an existing
 * phone number or pool passed in by ARN. The price caps refuse a message dearer than they allow.
 */
const PhoneMessagingSchema = z.strictObject({
  smsProvider: z.enum(['sns', 'end-user-messaging']),
  origination: z.discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('phone-number'),
      isoCountryCode: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code (US)'),
      numberType: z.enum(['LONG_CODE', 'TOLL_FREE', 'TEN_DLC', 'SIMULATOR']),
    }),
    z.strictObject({
      type: z.literal('existing'),
      arn: z
        .string()
        .regex(
          /^arn:aws[a-z-]*:sms-voice:[a-z0-9-]+:\d{12}:(phone-number|pool)\/[A-Za-z0-9_-]+$/,
          'a phone number or pool ARN (arn:aws:sms-voice:<region>:<account>:phone-number/<id>)',
        ),
    }),
  ]),
  maxPricePerSms: Price.optional(),
  maxPricePerMinute: Price.optional(),
});
export type PhoneMessagingConfig = z.output<typeof PhoneMessagingSchema>;

/** Virtual Deliverability Manager options of the configuration set; unset inherits the account's. */
const DeliverabilitySchema = z.strictObject({
  engagementMetrics: z.boolean().optional(),
  optimizedSharedDelivery: z.boolean().optional(),
});

/** A level the functions' own log records start at (Powertools' POWERTOOLS_LOG_LEVEL). */
export const FunctionLogLevel = z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']);
export type FunctionLogLevel = z.output<typeof FunctionLogLevel>;

/** Days events other than goals stay in the history when recentHistoryRetentionDays is not given. */
const DEFAULT_RECENT_HISTORY_DAYS = 90;

const RelanceConfigSchema = z
  .strictObject({
    fromAddress: FromAddress,
    replyToAddress: z.email(),
    brand: z.strictObject({
      name: headerSafe,
      website: z.url(),
      postalAddress: nonEmpty,
      supportEmail: z.email(),
    }),
    /** ISO 3166-1 alpha-2 country phone numbers without a country code belong to. */
    defaultCountry: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code (FR)'),
    defaultTimezone: Timezone,
    /** SMS sender id: 1-11 letters and digits, at least one letter (what carriers accept). */
    smsSenderId: z
      .string()
      .regex(/^(?=.*[A-Za-z])[A-Za-z0-9]{1,11}$/, '1-11 letters and digits, one letter at least'),
    /** Days a journey's goal events stay in a contact's history (the report recounts conversions from them). */
    historyRetentionDays: z.int().positive(),
    /**
     * Days every other event stays in a contact's history (what reps see of a lead, lead scoring,
     * merges). Not given: 90, or historyRetentionDays when that is shorter.
     */
    recentHistoryRetentionDays: z.int().positive().optional(),
    /**
     * Which accepted events ingest re-publishes on the bus (source relance.ingest): `listened`, the
     * types a relance rule matches (a journey's trigger, wait, goal; the lead router); `all`, every
     * one, for rules of your own on the relance bus. Each published event is billed by EventBridge.
     */
    publishAcceptedEvents: z.enum(['listened', 'all']),
    /**
     * The functions' own log records (Powertools): the lowest level written, and the share of
     * invocations that write every record down to DEBUG whatever the level (0 to 1), so a quieter
     * level still shows whole invocations now and then. CloudWatch Logs bills each byte ingested.
     */
    logging: z.strictObject({
      level: FunctionLogLevel,
      debugSampleRate: z.number().min(0).max(1),
    }),
    delivery: DeliveryPolicySettings,
    leads: LeadsConfigSchema,
    audiencePasses: AudiencePassConfigSchema,
    senderIdentity: SenderIdentitySchema,
    deliverability: DeliverabilitySchema,
    phoneMessaging: PhoneMessagingSchema,
    /** The weekly journey digest: who gets it (none: no digest) and when (EventBridge Scheduler cron, in the default zone). */
    reportDigest: z.strictObject({
      recipients: z.array(z.email()),
      schedule: z
        .string()
        .regex(/^cron\(\S+ \S+ \S+ \S+ \S+ \S+\)$/, 'an EventBridge Scheduler cron(...) expression'),
    }),
    /** Where `relance send-test` may send: e-mail addresses and E.164 numbers of the team. */
    testRecipients: z.array(
      z.union([z.email(), z.string().regex(/^\+[1-9]\d{6,14}$/)], 'an e-mail address or an E.164 number'),
    ),
    /** Tables removable with the stack (never in production). */
    sandbox: z.boolean(),
  })
  .superRefine((config, context) => {
    if ((config.recentHistoryRetentionDays ?? 0) > config.historyRetentionDays)
      context.addIssue({
        code: 'custom',
        path: ['recentHistoryRetentionDays'],
        message: `is longer than historyRetentionDays (${config.historyRetentionDays}): it is the shorter of the two`,
      });
    // The grant is on the identity: an identity of another domain or address would never authorize a send.
    if (config.senderIdentity.type !== 'existing') return;
    const name = config.senderIdentity.arn.split(':identity/')[1];
    const address = senderAddressOf(config.fromAddress);
    if (name !== senderDomainOf(config.fromAddress) && name !== address)
      context.addIssue({
        code: 'custom',
        path: ['senderIdentity', 'arn'],
        message: `is the identity of "${name}", not of the From address's domain or the address itself`,
      });
  })
  .transform((config) => ({
    ...config,
    recentHistoryRetentionDays:
      config.recentHistoryRetentionDays ?? Math.min(DEFAULT_RECENT_HISTORY_DAYS, config.historyRetentionDays),
  }));
export type RelanceConfig = z.output<typeof RelanceConfigSchema>;

type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { readonly [K in keyof T]?: DeepPartial<T[K]> }
    : T;
type ConfigInput = z.input<typeof RelanceConfigSchema>;

/**
 * The configuration as the `Relance` construct's typed `config` prop. Every key is optional: a
 * value given here wins over the `relance:<key>` context (cdk.json or `-c`), which wins over the
 * default; objects merge key by key (a `delivery` with only `quietHours` keeps the default caps and
 * topics), arrays, `delivery.emailTopics` and `phoneMessaging.origination` replace the default as a whole.
 */
export interface RelanceConfigProps {
  /** The From address of journey and lead e-mail; its domain (or the address) is the SES identity. @default 'Relance Demo Shop <hello@shop.example.com>' */
  readonly fromAddress?: ConfigInput['fromAddress'];
  /** The Reply-To address of relance's e-mail. @default 'support@shop.example.com' */
  readonly replyToAddress?: ConfigInput['replyToAddress'];
  /** The brand messages and pages show: name, website, postal address (marketing footers), support e-mail. @default the demo shop's */
  readonly brand?: DeepPartial<ConfigInput['brand']>;
  /** ISO 3166-1 alpha-2 country of phone numbers written without a country code. @default 'FR' */
  readonly defaultCountry?: ConfigInput['defaultCountry'];
  /** IANA timezone of contacts whose own is unknown (quiet hours, local-time waits). @default 'Europe/Paris' */
  readonly defaultTimezone?: ConfigInput['defaultTimezone'];
  /** SMS sender id: 1-11 letters and digits, one letter at least. @default 'RELANCE' */
  readonly smsSenderId?: ConfigInput['smsSenderId'];
  /** How long a journey's goal events (an order, by default) stay in each contact's history, in days. @default 400 */
  readonly historyRetentionDays?: ConfigInput['historyRetentionDays'];
  /** How long every other event stays in each contact's history, in days (at most historyRetentionDays). @default 90, or historyRetentionDays when shorter */
  readonly recentHistoryRetentionDays?: ConfigInput['recentHistoryRetentionDays'];
  /** Which accepted events ingest re-publishes: those a relance rule matches, or all (for your own rules). @default 'listened' */
  readonly publishAcceptedEvents?: ConfigInput['publishAcceptedEvents'];
  /**
   * The functions' own log records: `level` (the lowest written; Lambda's own start and report
   * records stay at WARN) and `debugSampleRate` (the share of invocations that log everything, DEBUG
   * included). @default { level: 'INFO', debugSampleRate: 0 }
   */
  readonly logging?: DeepPartial<ConfigInput['logging']>;
  /** Quiet hours, frequency caps, e-mail topics and their consent mode, in-flight grace. @default 21:00-08:00, 5 e-mails and 2 SMS a week, the demo's topics, 300 s */
  readonly delivery?: DeepPartial<ConfigInput['delivery']>;
  /** The public lead form: allowed origins, honeypot field, rate limits, optional captcha and webhook. @default the demo shop's origins, 10 per client per minute, 20/s (burst 40) in all */
  readonly leads?: DeepPartial<ConfigInput['leads']>;
  /** Audience passes of scheduled journeys: scan workers, page size, slots, provider rates. @default 8 workers, 200 per page, 14 e-mails and 1 SMS per second */
  readonly audiencePasses?: DeepPartial<ConfigInput['audiencePasses']>;
  /**
   * The SES identity e-mail is sent from: `{ type: 'domain', mailFromSubdomain }` creates the From
   * domain's identity with Easy DKIM and a custom MAIL FROM (`mail.<domain>`), `{ type: 'address' }`
   * the From address's, `{ type: 'existing', arn }` uses one you manage (of the From domain or address).
   * @default { type: 'domain', mailFromSubdomain: 'mail' }
   */
  readonly senderIdentity?: ConfigInput['senderIdentity'];
  /** Virtual Deliverability Manager options of the configuration set (engagement metrics, optimized shared delivery). @default the account's VDM settings */
  readonly deliverability?: ConfigInput['deliverability'];
  /**
   * SMS and calls through AWS End User Messaging v2: `smsProvider` (`sns` or `end-user-messaging`),
   * the origination identity (`{ type: 'phone-number', isoCountryCode, numberType }` leases one,
   * `{ type: 'existing', arn }` uses a phone number or pool), price caps per SMS part and per call minute.
   * @default SMS through SNS; calls from a leased US toll-free number; 0.10 USD caps
   */
  readonly phoneMessaging?: DeepPartial<ConfigInput['phoneMessaging']>;
  /** The weekly journey digest: `recipients` (an empty list: no digest) and `schedule` (cron, in `defaultTimezone`). @default marketing@shop.example.com, Monday 08:00 */
  readonly reportDigest?: DeepPartial<ConfigInput['reportDigest']>;
  /** Where `relance send-test` may send test messages: e-mail addresses and E.164 numbers. @default ['marketing@shop.example.com', '+33600000001'] */
  readonly testRecipients?: ConfigInput['testRecipients'];
  /** Tables the construct creates are removable with the stack: for sandboxes only, never production. @default false */
  readonly sandbox?: ConfigInput['sandbox'];
}

/** Every configuration key has its documented prop: a key added to the schema without one fails to compile here. */
type Missing = Exclude<keyof ConfigInput, keyof RelanceConfigProps>;
const everyKeyHasAProp: [Missing] extends [never] ? true : Missing = true;
void everyKeyHasAProp;

/** Thrown when the `relance:*` context is invalid: synth stops and lists every problem with its path. */
export class ConfigValidationError extends Error {
  override readonly name = 'ConfigValidationError';
}

/** The functions' logs by default: their INFO records, no DEBUG sampling. */
export const DEFAULT_LOGGING: RelanceConfig['logging'] = { level: 'INFO', debugSampleRate: 0 };

/** The defaults: a demo shop that synthesizes and runs locally as is. */
const DEFAULTS: z.input<typeof RelanceConfigSchema> = {
  fromAddress: 'Relance Demo Shop <hello@shop.example.com>',
  replyToAddress: 'support@shop.example.com',
  brand: {
    name: 'Relance Demo Shop',
    website: 'https://shop.example.com',
    postalAddress: '1 Example Street, 75001 Paris, France',
    supportEmail: 'support@shop.example.com',
  },
  defaultCountry: 'FR',
  defaultTimezone: 'Europe/Paris',
  smsSenderId: 'RELANCE',
  testRecipients: ['marketing@shop.example.com', '+33600000001'],
  reportDigest: { recipients: ['marketing@shop.example.com'], schedule: 'cron(0 8 ? * MON *)' },
  phoneMessaging: {
    smsProvider: 'sns',
    origination: { type: 'phone-number', isoCountryCode: 'US', numberType: 'TOLL_FREE' },
    maxPricePerSms: '0.10',
    maxPricePerMinute: '0.10',
  },
  historyRetentionDays: 400,
  // Known, not set: 90, or historyRetentionDays when that is shorter (the schema's transform).
  recentHistoryRetentionDays: undefined,
  publishAcceptedEvents: 'listened',
  logging: DEFAULT_LOGGING,
  delivery: {
    quietHours: { start: '21:00', end: '08:00' },
    frequencyCaps: {
      email: { max: 5, windowDays: 7 },
      sms: { max: 2, windowDays: 7 },
      voice: { max: 1, windowDays: 7 },
    },
    emailTopics: {
      newsletter: {
        label: 'News and new arrivals',
        mode: 'opt_in',
        labels: { fr: 'Actualités et nouveautés' },
      },
      onboarding: {
        label: 'Getting started tips',
        mode: 'opt_out',
        labels: { fr: 'Conseils pour bien démarrer' },
      },
      cart_reminders: {
        label: 'Reminders about my cart',
        mode: 'opt_out',
        labels: { fr: 'Rappels concernant mon panier' },
      },
      back_in_stock: {
        label: 'Back-in-stock alerts I asked for',
        mode: 'opt_out',
        labels: { fr: 'Alertes de retour en stock que j’ai demandées' },
      },
      price_alerts: {
        label: 'Price drops on products I looked at',
        mode: 'opt_out',
        labels: { fr: 'Baisses de prix sur les produits consultés' },
      },
      offers: { label: 'Special offers', mode: 'opt_in', labels: { fr: 'Offres spéciales' } },
      win_back: {
        label: 'Offers when I have not ordered in a while',
        mode: 'opt_out',
        labels: { fr: 'Offres quand je n’ai pas commandé depuis un moment' },
      },
      birthday: {
        label: 'Birthday wishes and gifts',
        mode: 'opt_out',
        labels: { fr: 'Vœux et cadeaux d’anniversaire' },
      },
      wishlist: {
        label: 'Offers on products I saved',
        mode: 'opt_out',
        labels: { fr: 'Offres sur les produits que j’ai sauvegardés' },
      },
      vip: {
        label: 'Thanks and previews for our best customers',
        mode: 'opt_out',
        labels: { fr: 'Remerciements et avant-premières pour nos meilleurs clients' },
      },
    },
    inFlightGraceSeconds: 300,
  },
  leads: {
    formOrigins: ['https://shop.example.com', 'http://127.0.0.1:4747', 'http://localhost:4747'],
    honeypotField: 'website',
    perClientPerMinute: 10,
    throttle: { rateLimit: 20, burstLimit: 40 },
  },
  audiencePasses: {
    workers: 8,
    pageSize: 200,
    maxPagesPerInvocation: 50,
    slotSeconds: 60,
    // SES's starting quota in production is 14 e-mails per second; a long code sends about 1 SMS per second.
    rates: { email: 14, sms: 1 },
  },
  senderIdentity: { type: 'domain' },
  deliverability: {},
  sandbox: false,
};

/** Values that replace the default as a whole instead of merging into it (a deployment's own topics). */
const WHOLE_VALUES = new Set(['delivery.emailTopics', 'phoneMessaging.origination']);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `value` over `base`: objects merge key by key, anything else (arrays, scalars) replaces. */
function merged(base: unknown, value: unknown, path: string): unknown {
  if (value === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(value) || WHOLE_VALUES.has(path)) return value;
  const result: Record<string, unknown> = { ...base };
  for (const [key, v] of Object.entries(value))
    result[key] = merged(base[key], v, path ? `${path}.${key}` : key);
  return result;
}

/** Where a value came from, for the error naming it: the construct's props or the context. */
type Source = 'props' | 'context';

/** One line per problem: `relance:delivery.quietHours.strat: unknown key`, or `config.brand.website: ...` for props. */
function describeIssue(issue: z.core.$ZodIssue, sourceOf: (path: readonly string[]) => Source): string[] {
  const path = issue.path.map(String);
  const name = (keys: readonly string[]) => {
    const [key = '?', ...rest] = keys;
    const head = sourceOf(keys) === 'props' ? `config.${key}` : `relance:${key}`;
    return [head, ...rest].join('.');
  };
  if (issue.code === 'unrecognized_keys') return issue.keys.map((k) => `${name([...path, k])}: unknown key`);
  return [`${name(path)}: ${issue.message}`];
}

/** Whether `value` has a value at `path` (the props gave it). */
function hasPath(value: unknown, path: readonly string[]): boolean {
  let at: unknown = value;
  for (const key of path) {
    if (!isPlainObject(at) || !Object.hasOwn(at, key)) return false;
    at = at[key];
  }
  return true;
}

/**
 * `cdk synth -c key=value` gives every value as a string: a key whose value is not a string (an
 * object, a number, a boolean) reads it as the JSON cdk.json would hold.
 */
function fromCommandLine(value: unknown, fallback: unknown): { ok: true; value: unknown } | { ok: false } {
  if (typeof value !== 'string' || typeof fallback === 'string') return { ok: true, value };
  try {
    return { ok: true, value: JSON.parse(value) };
  } catch {
    return { ok: false };
  }
}

/** Context keys relance reads that are not configuration (the repository's app reads them itself). */
const OTHER_CONTEXT_KEYS = new Set(['relance:stage', 'relance:legacyLedgerIndex']);

/**
 * The configuration of one relance deployment: the defaults, overlaid with every `relance:*`
 * context key (cdk.json or `-c`; an unknown one fails), overlaid with `props` (the construct's
 * typed `config`), each merged key by key and the result validated. Throws ConfigValidationError
 * listing every problem with its path (`relance:...` for the context, `config....` for props).
 */
export function readConfig(scope: Construct, props: RelanceConfigProps = {}): RelanceConfig {
  const context = scope.node.getAllContext();
  const problems: string[] = [];
  const given: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(context)) {
    if (!name.startsWith('relance:') || OTHER_CONTEXT_KEYS.has(name)) continue;
    const key = name.slice('relance:'.length);
    if (!Object.hasOwn(DEFAULTS, key)) problems.push(`${name}: unknown key`);
    else {
      const read = fromCommandLine(value, DEFAULTS[key as keyof RelanceConfig]);
      if (read.ok) given[key] = read.value;
      else problems.push(`${name}: given on the command line, it must be JSON like cdk.json's value`);
    }
  }
  for (const key of Object.keys(props))
    if (!Object.hasOwn(DEFAULTS, key)) problems.push(`config.${key}: unknown key`);
  const fromContext = merged(DEFAULTS, given, '');
  const parsed = RelanceConfigSchema.safeParse(merged(fromContext, props, ''));
  const sourceOf = (path: readonly string[]): Source => (hasPath(props, path) ? 'props' : 'context');
  if (!parsed.success)
    problems.push(...parsed.error.issues.flatMap((issue) => describeIssue(issue, sourceOf)));
  if (problems.length > 0 || !parsed.success) {
    throw new ConfigValidationError(
      `Invalid relance configuration (props or the cdk.json context) (${problems.length}):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
  return parsed.data;
}

/** The bare address of a From address (`Shop <a@b.com>` → `a@b.com`). */
function senderAddressOf(fromAddress: string): string | undefined {
  return /([^<\s]+@[^>\s]+)>?\s*$/.exec(fromAddress)?.[1];
}

/** The SES identity name e-mail is sent from: the From domain, the From address, or the existing identity's. */
export function senderIdentityName(config: Pick<RelanceConfig, 'fromAddress' | 'senderIdentity'>): string {
  const identity = config.senderIdentity;
  if (identity.type === 'existing') return identity.arn.split(':identity/')[1] ?? '';
  if (identity.type === 'address') return senderAddressOf(config.fromAddress) ?? '';
  return senderDomain(config.fromAddress);
}

function senderDomainOf(fromAddress: string): string | undefined {
  return /@([^>\s]+)>?\s*$/.exec(fromAddress)?.[1];
}

/** The e-mail domain of a From address (`Shop <a@b.com>` → `b.com`), for the SES identity ARN. */
export function senderDomain(fromAddress: string): string {
  const domain = senderDomainOf(fromAddress);
  if (!domain) throw new Error(`relance:fromAddress "${fromAddress}" has no e-mail domain`);
  return domain;
}
