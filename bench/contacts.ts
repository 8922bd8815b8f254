/**
 * Synthetic contacts for the segment and audience benchmarks: profiles shaped like the ones ingest
 * keeps (consent with proof, suppressions, stats, the last applied event ids) with a year and more
 * of behaviour in their aggregates: orders, carts, e-mail opens and clicks. Deterministic for a
 * seed, so runs compare.
 */
import type { ConsentRecord, Contact } from '#catalogue/contact.ts';
import {
  AGGREGATE_WINDOW_DAYS,
  dayKey,
  EMAIL_CLICKED,
  EMAIL_OPENED,
  type ProfileAggregates,
  utcDay,
} from '#catalogue/profile-aggregates.ts';
import { appliedEventKey } from '../functions/contacts/profile-update.ts';
import { Random } from './random.ts';

const DAY_MS = 86_400_000;

interface Market {
  readonly country: string;
  readonly timezone: string;
  readonly locale: string;
  readonly phone: (random: Random) => string;
}

const digits = (random: Random, n: number) => String(random.int(0, 10 ** n - 1)).padStart(n, '0');

const MARKETS: readonly [readonly [Market, number], ...(readonly [Market, number])[]] = [
  [{ country: 'FR', timezone: 'Europe/Paris', locale: 'fr-FR', phone: (r) => `+336${digits(r, 8)}` }, 40],
  [{ country: 'DE', timezone: 'Europe/Berlin', locale: 'de-DE', phone: (r) => `+4915${digits(r, 9)}` }, 15],
  [{ country: 'BE', timezone: 'Europe/Brussels', locale: 'fr-BE', phone: (r) => `+32470${digits(r, 6)}` }, 8],
  [{ country: 'GB', timezone: 'Europe/London', locale: 'en-GB', phone: (r) => `+447700${digits(r, 6)}` }, 10],
  [{ country: 'ES', timezone: 'Europe/Madrid', locale: 'es-ES', phone: (r) => `+346${digits(r, 8)}` }, 7],
  [
    { country: 'US', timezone: 'America/New_York', locale: 'en-US', phone: (r) => `+1212555${digits(r, 4)}` },
    12,
  ],
  [
    {
      country: 'US',
      timezone: 'America/Los_Angeles',
      locale: 'en-US',
      phone: (r) => `+1415555${digits(r, 4)}`,
    },
    8,
  ],
];

const FIRST_NAMES = [
  'Marie',
  'Lucas',
  'Emma',
  'Noah',
  'Léa',
  'Jonas',
  'Sofia',
  'Liam',
  'Chloé',
  'Ada',
] as const;
const LAST_NAMES = ['Martin', 'Müller', 'Dubois', 'Smith', 'García', 'Peeters', 'Bernard', 'Jones'] as const;

const iso = (ms: number) => new Date(ms).toISOString();

/** Events counted per UTC day, as ingest's aggregates keep them, within the aggregate window. */
class History {
  private readonly counts: Record<string, Record<string, number>> = {};
  private readonly orderTotals: Record<string, number> = {};
  private readonly firstKept: number;
  orderCount = 0;
  totalSpent = 0;
  events = 0;
  firstOrderMs?: number;
  lastOrderMs?: number;
  lastCartMs?: number;
  private lastOpenedMs?: number;
  private lastClickedMs?: number;
  private lastEventMs?: number;

  constructor(today: number) {
    this.firstKept = today - AGGREGATE_WINDOW_DAYS + 1;
  }

  add(type: string, atMs: number, total = 0): void {
    this.events++;
    this.lastEventMs = Math.max(this.lastEventMs ?? atMs, atMs);
    if (type === 'order.completed') {
      this.orderCount++;
      this.totalSpent = Math.round((this.totalSpent + total) * 100) / 100;
      this.firstOrderMs = Math.min(this.firstOrderMs ?? atMs, atMs);
      this.lastOrderMs = Math.max(this.lastOrderMs ?? atMs, atMs);
    } else if (type === 'cart.updated') this.lastCartMs = Math.max(this.lastCartMs ?? atMs, atMs);
    else if (type === EMAIL_OPENED) this.lastOpenedMs = Math.max(this.lastOpenedMs ?? atMs, atMs);
    else if (type === EMAIL_CLICKED) this.lastClickedMs = Math.max(this.lastClickedMs ?? atMs, atMs);
    const day = utcDay(atMs);
    if (day < this.firstKept) return;
    const key = dayKey(day);
    const perDay = this.counts[type] ?? {};
    perDay[key] = (perDay[key] ?? 0) + 1;
    this.counts[type] = perDay;
    if (type === 'order.completed')
      this.orderTotals[key] = Math.round(((this.orderTotals[key] ?? 0) + total) * 100) / 100;
  }

  aggregates(): ProfileAggregates {
    const aggregates: ProfileAggregates = {
      counts: this.counts,
      orderTotals: this.orderTotals,
      orderCount: this.orderCount,
    };
    if (this.firstOrderMs !== undefined) aggregates.firstOrderAt = iso(this.firstOrderMs);
    if (this.lastOrderMs !== undefined) aggregates.lastOrderAt = iso(this.lastOrderMs);
    if (this.lastOpenedMs !== undefined) aggregates.lastOpenedAt = iso(this.lastOpenedMs);
    if (this.lastClickedMs !== undefined) aggregates.lastClickedAt = iso(this.lastClickedMs);
    if (this.lastEventMs !== undefined) aggregates.lastEventAt = iso(this.lastEventMs);
    return aggregates;
  }
}

/** A moment of day `day` between 07:00 and 22:59 UTC. */
function during(random: Random, day: number): number {
  return day * DAY_MS + random.int(7 * 3600, 23 * 3600 - 1) * 1000;
}

function consentRecord(status: ConsentRecord['status'], atMs: number, kind: string): ConsentRecord {
  return { status, at: iso(atMs), source: 'shop.example.com', proof: { kind, reference: 'footer-form' } };
}

/** Days since the last order: a third recent, the rest cooling off or lapsed, some beyond the window. */
function lastOrderDaysAgo(random: Random): number {
  const [low, high] = random.weighted<readonly [number, number]>([
    [[0, 29], 35],
    [[30, 89], 25],
    [[90, 364], 25],
    [[365, 700], 15],
  ]);
  return random.int(low, high);
}

/** One synthetic contact; `index` keeps e-mail addresses unique. */
export function syntheticContact(random: Random, index: number, nowMs: number): Contact {
  const today = utcDay(nowMs);
  const market = random.weighted(MARKETS);
  const history = new History(today);
  let createdDay = today - random.int(1, 3 * 365);

  if (random.chance(0.55)) {
    let day = today - lastOrderDaysAgo(random);
    const orders = Math.min(40, 1 + Math.floor(Math.log(1 - random.next()) / Math.log(0.65)));
    const bigSpender = random.chance(0.1);
    for (let i = 0; i < orders; i++) {
      const total = Math.round(random.int(1_500, 18_000) * (bigSpender ? 4 : 1)) / 100;
      const at = during(random, day);
      history.add('cart.updated', at - random.int(5, 90) * 60_000);
      history.add('order.completed', at, total);
      day -= random.int(7, 120);
    }
    createdDay = Math.min(createdDay, day - random.int(0, 30));
  }
  for (let carts = random.int(0, 5); carts > 0; carts--)
    history.add('cart.updated', during(random, today - random.int(0, 364)));

  const first = random.pick(FIRST_NAMES);
  const last = random.pick(LAST_NAMES);
  const hasEmail = random.chance(0.97);
  const hasPhone = random.chance(0.45);
  const createdMs = during(random, createdDay);
  history.add('contact.signed_up', createdMs);

  const emailStatus = random.weighted<ConsentRecord['status'] | undefined>([
    ['opted_in', 60],
    ['opted_out', 8],
    [undefined, 32],
  ]);
  if (hasEmail && emailStatus !== 'opted_out') {
    const openDays = random.weighted<readonly [number, number]>([
      [[0, 0], 30],
      [[1, 5], 30],
      [[6, 20], 25],
      [[21, 60], 15],
    ]);
    for (let opens = random.int(...openDays); opens > 0; opens--) {
      // Opens lean towards recent days.
      const at = during(random, today - Math.floor(365 * random.next() ** 1.5));
      history.add(EMAIL_OPENED, at);
      if (random.chance(0.25)) history.add(EMAIL_CLICKED, at + random.int(1, 600) * 1000);
    }
  }

  const topics: Record<string, ConsentRecord> = {};
  if (emailStatus === 'opted_in') {
    if (random.chance(0.4)) topics.newsletter = consentRecord('opted_in', createdMs, 'double_opt_in');
    if (random.chance(0.3)) topics.offers = consentRecord('opted_in', createdMs, 'form');
    if (random.chance(0.05)) topics.cart_reminders = consentRecord('opted_out', createdMs + DAY_MS, 'link');
  }
  const contactId = random.uuid();
  const aggregates = history.aggregates();
  // Ingest remembers the last 50 event ids applied; producers' ids, unique per contact and event.
  const eventIds = Array.from(
    { length: Math.min(50, history.events) },
    (_, k) => `shop-evt-${(index * 1_000 + k).toString(36).padStart(12, '0')}`,
  );
  return {
    contactId,
    ...(hasEmail
      ? {
          email: `${first}.${last}.${index}@example.com`
            .normalize('NFD')
            .replace(/[^\x20-\x7e]/g, '')
            .toLowerCase(),
        }
      : {}),
    ...(hasPhone ? { phone: market.phone(random) } : {}),
    firstName: first,
    lastName: last,
    locale: market.locale,
    ...(random.chance(0.9) ? { timezone: market.timezone } : {}),
    country: market.country,
    ...(random.chance(0.55)
      ? {
          birthday: `${random.int(1950, 2006)}-${String(random.int(1, 12)).padStart(2, '0')}-${String(random.int(1, 28)).padStart(2, '0')}`,
        }
      : {}),
    signupSource: random.pick(['footer-form', 'checkout', 'popup', 'import'] as const),
    attributes: random.chance(0.2)
      ? {
          plan: random.pick(['free', 'pro', 'business'] as const),
          industry: random.pick(['retail', 'food'] as const),
        }
      : {},
    tags: random.chance(0.15)
      ? [random.pick(['newsletter', 'b2b', 'do-not-disturb', 'wholesale'] as const)]
      : [],
    lockedFields: [],
    identityConflicts: [],
    mergedFrom: [],
    consent: {
      ...(hasEmail && emailStatus
        ? { email: { channel: consentRecord(emailStatus, createdMs, 'form'), topics } }
        : {}),
      ...(hasPhone && random.chance(0.2)
        ? { sms: { channel: consentRecord('opted_in', createdMs, 'sms_keyword'), topics: {} } }
        : {}),
    },
    suppressed: {
      ...(hasEmail && random.chance(0.02)
        ? { email: { reason: 'bounce', at: iso(nowMs - random.int(1, 300) * DAY_MS) } }
        : {}),
      ...(hasPhone && random.chance(0.01)
        ? { sms: { reason: 'opted_out', at: iso(nowMs - random.int(1, 300) * DAY_MS) } }
        : {}),
    },
    stats: {
      orderCount: history.orderCount,
      totalSpent: history.totalSpent,
      ...(history.firstOrderMs === undefined ? {} : { firstOrderAt: iso(history.firstOrderMs) }),
      ...(history.lastOrderMs === undefined ? {} : { lastOrderAt: iso(history.lastOrderMs) }),
      ...(aggregates.lastEventAt === undefined ? {} : { lastEventAt: aggregates.lastEventAt }),
      ...(history.lastCartMs === undefined ? {} : { lastCartAt: iso(history.lastCartMs) }),
    },
    aggregates,
    segments: [],
    segmentChanges: [],
    appliedEventKeys: eventIds.map(appliedEventKey),
    version: 1,
    createdAt: iso(createdMs),
    updatedAt: aggregates.lastEventAt ?? iso(createdMs),
  };
}

/** `count` contacts from `seed`, one at a time (a caller that streams them never holds them all). */
export function* syntheticContacts(count: number, seed: number, nowMs: number): Generator<Contact> {
  const random = new Random(seed);
  for (let i = 0; i < count; i++) yield syntheticContact(random, i, nowMs);
}
