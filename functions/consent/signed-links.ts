/**
 * Signed links for unsubscribe, the preference page and double opt-in confirmation. A token is
 * `base64url(JSON claims) + '.' + base64url(HMAC-SHA256(key, first part))`: the claims name the
 * contact, what the link may do and when it expires, so a link can only ever act on the contact it
 * was made for. Pure functions: the key is passed in (it lives in Secrets Manager, never in code).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import * as z from '#catalogue/zod.ts';

export const LinkPurpose = z.enum(['unsubscribe', 'preferences', 'confirm']);
export type LinkPurpose = z.infer<typeof LinkPurpose>;

export const LinkChannel = z.enum(['email', 'sms']);
export type LinkChannel = z.infer<typeof LinkChannel>;

/** What a token says; `exp` is in epoch seconds. */
export const LinkClaims = z.strictObject({
  contactId: z.string().check(z.minLength(1), z.maxLength(200)),
  purpose: LinkPurpose,
  topic: z.optional(z.string().check(z.minLength(1), z.maxLength(100))),
  channel: LinkChannel,
  /** The message the link came in (its `ledger` tag), so the journey counts the unsubscribe on its step. */
  ledger: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_-]{22}$/))),
  exp: z.int().check(z.positive()),
});
export type LinkClaims = z.infer<typeof LinkClaims>;

export type VerifyFailure = 'malformed' | 'bad_signature' | 'expired';
export type VerifyResult = { ok: true; claims: LinkClaims } | { ok: false; reason: VerifyFailure };

/**
 * How long links stay valid. Unsubscribe and preference links must keep working long after the
 * message was sent (people unsubscribe from old mail); a confirmation is for the days after sign-up.
 */
export const LINK_LIFETIME_SECONDS = {
  unsubscribe: 400 * 86_400,
  preferences: 400 * 86_400,
  confirm: 7 * 86_400,
} as const satisfies Record<LinkPurpose, number>;

/** The shortest key accepted: 128 bits of alphanumerics, well under the generated 64 characters. */
const MIN_KEY_LENGTH = 22;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const SIGNATURE_BYTES = 32;
/** Far above any token this module makes; longer input is refused before any work. */
const MAX_TOKEN_LENGTH = 2048;

function mac(key: string, payload: string): Buffer {
  if (key.length < MIN_KEY_LENGTH)
    throw new Error(`link signing key must be at least ${MIN_KEY_LENGTH} characters`);
  return createHmac('sha256', key).update(payload).digest();
}

/** Claims a signed token may carry: any strict schema with an expiry (epoch seconds). */
type ExpiringClaims = z.ZodMiniType<{ exp: number }>;

/**
 * A token for claims of any kind, signed with `key`. Each kind of token has its own strict schema,
 * so a token made for one purpose never parses as another (see signToken, and the lead action links).
 */
export function signClaims<S extends ExpiringClaims>(key: string, schema: S, claims: z.infer<S>): string {
  const checked = schema.parse(claims);
  const payload = Buffer.from(JSON.stringify(checked), 'utf8').toString('base64url');
  return `${payload}.${mac(key, payload).toString('base64url')}`;
}

/** A token for `claims`, signed with `key`. */
export function signToken(key: string, claims: LinkClaims): string {
  return signClaims(key, LinkClaims, claims);
}

/**
 * The claims of a token when it was signed with `key` and has not expired at `nowMs` (epoch
 * milliseconds, the clock's unit). The signature is checked (in constant time) before the payload
 * is even decoded.
 */
export function verifyToken(key: string, token: string, nowMs: number): VerifyResult {
  return verifyClaims(key, token, LinkClaims, nowMs);
}

/** Like verifyToken, for claims of the given schema. */
export function verifyClaims<S extends ExpiringClaims>(
  key: string,
  token: string,
  schema: S,
  nowMs: number,
): { ok: true; claims: z.infer<S> } | { ok: false; reason: VerifyFailure } {
  if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'malformed' };
  const parts = token.split('.');
  if (parts.length !== 2) return { ok: false, reason: 'malformed' };
  const [payload = '', signature = ''] = parts;
  if (!BASE64URL.test(payload) || !BASE64URL.test(signature)) return { ok: false, reason: 'malformed' };
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(key, payload);
  // Lengths first (timingSafeEqual needs equal lengths; a length is no secret), and only the
  // canonical encoding: the unused low bits of the last character must not give a second spelling.
  if (
    given.length !== SIGNATURE_BYTES ||
    given.toString('base64url') !== signature ||
    !timingSafeEqual(given, expected)
  ) {
    return { ok: false, reason: 'bad_signature' };
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const claims = schema.safeParse(decoded);
  if (!claims.success) return { ok: false, reason: 'malformed' };
  if (claims.data.exp * 1000 <= nowMs) return { ok: false, reason: 'expired' };
  return { ok: true, claims: claims.data };
}

/**
 * A short fingerprint of a token, kept as the proof reference of a consent change: it ties the
 * change to the link that made it without storing the link (a bearer credential until it expires).
 */
export function tokenFingerprint(token: string): string {
  return `sha256:${createHash('sha256').update(token).digest('hex').slice(0, 24)}`;
}

export interface UnsubscribeLinks {
  /** The RFC 8058 one-click URL (POST unsubscribes at once; GET shows a confirmation page). */
  readonly unsubscribe: string;
  /** The preference page, for the visible link in the message. */
  readonly preferences: string;
  /** `mailto:unsubscribe@<domain>?subject=unsubscribe-<token>`, the List-Unsubscribe fallback. */
  readonly mailto: string;
}

export interface LinkRequest {
  /** The public API base URL (`https://…/v1/`); a missing trailing slash is added. */
  readonly baseUrl: string;
  readonly key: string;
  readonly contactId: string;
  /** @default 'email' */
  readonly channel?: LinkChannel;
  /** Epoch milliseconds (the clock's unit). */
  readonly nowMs: number;
  /** @default LINK_LIFETIME_SECONDS of the link's purpose */
  readonly ttlSeconds?: number;
}

function expiry(nowMs: number, ttlSeconds: number): number {
  return Math.floor(nowMs / 1000) + ttlSeconds;
}

function linkUrl(baseUrl: string, path: string, token: string): string {
  const url = new URL(`${path}/${token}`, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('link base URL must be http(s)');
  return url.toString();
}

/**
 * The links a marketing message carries for one contact: one-click unsubscribe (from `topic` when
 * given, else from the whole channel), the preference page, and the mailto fallback on
 * `mailtoDomain` (the sending domain).
 */
export function unsubscribeLinks(
  request: LinkRequest & { readonly topic?: string; readonly mailtoDomain: string; readonly ledger?: string },
): UnsubscribeLinks {
  const channel = request.channel ?? 'email';
  const unsubscribeToken = signToken(request.key, {
    contactId: request.contactId,
    purpose: 'unsubscribe',
    channel,
    ...(request.topic ? { topic: request.topic } : {}),
    ...(request.ledger ? { ledger: request.ledger } : {}),
    exp: expiry(request.nowMs, request.ttlSeconds ?? LINK_LIFETIME_SECONDS.unsubscribe),
  });
  const preferencesToken = signToken(request.key, {
    contactId: request.contactId,
    purpose: 'preferences',
    channel,
    exp: expiry(request.nowMs, request.ttlSeconds ?? LINK_LIFETIME_SECONDS.preferences),
  });
  if (!/^[A-Za-z0-9.-]+$/.test(request.mailtoDomain)) throw new Error('mailto domain is not a domain name');
  return {
    unsubscribe: linkUrl(request.baseUrl, 'u', unsubscribeToken),
    preferences: linkUrl(request.baseUrl, 'preferences', preferencesToken),
    mailto: `mailto:unsubscribe@${request.mailtoDomain}?subject=unsubscribe-${unsubscribeToken}`,
  };
}

/** The domain of a From address (`Shop <hello@shop.example.com>` → `shop.example.com`), for the mailto. */
export function mailtoDomainOf(fromAddress: string): string {
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(fromAddress)?.[1];
  if (!domain) throw new Error('the From address has no e-mail domain');
  return domain;
}

/** The double opt-in link of a confirmation e-mail: following it records the opt-in (to `topic`, else the channel). */
export function confirmationLink(request: LinkRequest & { readonly topic?: string }): string {
  const token = signToken(request.key, {
    contactId: request.contactId,
    purpose: 'confirm',
    channel: request.channel ?? 'email',
    ...(request.topic ? { topic: request.topic } : {}),
    exp: expiry(request.nowMs, request.ttlSeconds ?? LINK_LIFETIME_SECONDS.confirm),
  });
  return linkUrl(request.baseUrl, 'consent/confirm', token);
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The RFC 2369 / RFC 8058 headers of a marketing e-mail. RFC 8058 requires an https one-click URL;
 * plain http is accepted for a loopback host only (the local runtime).
 */
export function listUnsubscribeHeaders(links: Pick<UnsubscribeLinks, 'unsubscribe' | 'mailto'>): {
  'List-Unsubscribe': string;
  'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click';
} {
  const url = new URL(links.unsubscribe);
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
  if (!secure) throw new Error('the one-click unsubscribe link must be an https URL');
  if (!links.mailto.startsWith('mailto:')) throw new Error('the unsubscribe mailto must be a mailto: URI');
  return {
    'List-Unsubscribe': `<${links.unsubscribe}>, <${links.mailto}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  };
}
