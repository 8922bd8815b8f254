import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  confirmationLink,
  type LinkClaims,
  listUnsubscribeHeaders,
  mailtoDomainOf,
  signToken,
  tokenFingerprint,
  unsubscribeLinks,
  verifyToken,
} from '../../../functions/consent/signed-links.ts';

const KEY = 'kE7pW2xQ9mZr4Lt8Vb1Nc6Hs3Jd0Fg5Ya2Uo7Ie9Rw4Tq1Zx81QmT0vR2pL9sW3';
const OTHER_KEY = 'o'.repeat(64);
const NOW = Date.parse('2024-05-01T12:00:00.000Z');
const IN_A_DAY = Math.floor(NOW / 1000) + 86_400;

const claimsFor = (contactId: string, changes: Partial<LinkClaims> = {}): LinkClaims => ({
  contactId,
  purpose: 'unsubscribe',
  channel: 'email',
  topic: 'newsletter',
  exp: IN_A_DAY,
  ...changes,
});

/** Changes one character of `text` at `index` to another base64url character. */
function alterAt(text: string, index: number): string {
  const current = text[index];
  const replacement = current === 'A' ? 'B' : 'A';
  return `${text.slice(0, index)}${replacement}${text.slice(index + 1)}`;
}

function parts(token: string): [string, string] {
  const [payload = '', signature = ''] = token.split('.');
  return [payload, signature];
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('signToken / verifyToken', () => {
  it('round-trips the claims', () => {
    // Prepare
    const claims = claimsFor('c-42');

    // Act
    const token = signToken(KEY, claims);
    const verified = verifyToken(KEY, token, NOW);

    // Assess
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(verified).toEqual({ ok: true, claims });
  });

  it('keeps a channel-wide claim without a topic', () => {
    // Prepare
    const { topic: _topic, ...claims } = claimsFor('c-42', { purpose: 'preferences' });

    // Act
    const verified = verifyToken(KEY, signToken(KEY, claims), NOW);

    // Assess
    expect(verified).toEqual({ ok: true, claims });
  });

  it('refuses an altered payload as a bad signature', () => {
    // Prepare
    const [payload, signature] = parts(signToken(KEY, claimsFor('c-42')));

    // Act
    const verified = verifyToken(KEY, `${alterAt(payload, 5)}.${signature}`, NOW);

    // Assess
    expect(verified).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a re-encoded payload naming another contact', () => {
    // Prepare
    const [, signature] = parts(signToken(KEY, claimsFor('contact-a')));

    // Act
    const verified = verifyToken(KEY, `${encode(claimsFor('contact-b'))}.${signature}`, NOW);

    // Assess
    expect(verified).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it("refuses contact A's payload with contact B's signature, and the other way round", () => {
    // Prepare
    const [payloadA, signatureA] = parts(signToken(KEY, claimsFor('contact-a')));
    const [payloadB, signatureB] = parts(signToken(KEY, claimsFor('contact-b')));

    // Act
    const aWithB = verifyToken(KEY, `${payloadA}.${signatureB}`, NOW);
    const bWithA = verifyToken(KEY, `${payloadB}.${signatureA}`, NOW);

    // Assess
    expect(aWithB).toEqual({ ok: false, reason: 'bad_signature' });
    expect(bWithA).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('carries the contact it was made for and nothing else', () => {
    // Act
    const verified = verifyToken(KEY, signToken(KEY, claimsFor('contact-a')), NOW);

    // Assess
    expect(verified.ok && verified.claims.contactId).toBe('contact-a');
  });

  it.each([0, 10, 21, 42])('refuses a signature altered at character %i', (index) => {
    // Prepare
    const [payload, signature] = parts(signToken(KEY, claimsFor('c-42')));

    // Act
    const verified = verifyToken(KEY, `${payload}.${alterAt(signature, index)}`, NOW);

    // Assess
    expect(verified).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a truncated or extended signature', () => {
    // Prepare
    const [payload, signature] = parts(signToken(KEY, claimsFor('c-42')));

    // Act
    const short = verifyToken(KEY, `${payload}.${signature.slice(0, 30)}`, NOW);
    const long = verifyToken(KEY, `${payload}.${signature}AAAA`, NOW);

    // Assess
    expect(short).toEqual({ ok: false, reason: 'bad_signature' });
    expect(long).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a token signed with another key', () => {
    // Act
    const verified = verifyToken(KEY, signToken(OTHER_KEY, claimsFor('c-42')), NOW);

    // Assess
    expect(verified).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses an expired token, from its expiry second on', () => {
    // Prepare
    const token = signToken(KEY, claimsFor('c-42'));

    // Act
    const justBefore = verifyToken(KEY, token, IN_A_DAY * 1000 - 1);
    const atExpiry = verifyToken(KEY, token, IN_A_DAY * 1000);

    // Assess
    expect(justBefore.ok).toBe(true);
    expect(atExpiry).toEqual({ ok: false, reason: 'expired' });
  });

  it.each([
    ['empty', ''],
    ['no dot', 'abcdef'],
    ['three parts', 'a.b.c'],
    ['empty payload', '.abc'],
    ['empty signature', 'abc.'],
    ['not base64url', 'ab+c/d.ef=='],
    ['far too long', `${'a'.repeat(3000)}.b`],
  ])('refuses a malformed token (%s)', (_label, token) => {
    // Act
    const verified = verifyToken(KEY, token, NOW);

    // Assess
    expect(verified).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses a correctly signed payload that is not claims as malformed', () => {
    // Prepare: sign, with the right key, something signToken would never produce.
    const payload = encode({ contactId: 'c-42', purpose: 'everything', channel: 'email', exp: IN_A_DAY });
    const signature = createHmac('sha256', KEY).update(payload).digest('base64url');

    // Act
    const verified = verifyToken(KEY, `${payload}.${signature}`, NOW);

    // Assess
    expect(verified).toEqual({ ok: false, reason: 'malformed' });
  });

  it('checks the signature before reading the payload', () => {
    // Prepare: an unsigned payload that is not even JSON.
    const signature = parts(signToken(KEY, claimsFor('c-42')))[1];

    // Act
    const verified = verifyToken(KEY, `${Buffer.from('not json').toString('base64url')}.${signature}`, NOW);

    // Assess
    expect(verified).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses to sign with a short key or invalid claims', () => {
    expect(() => signToken('short', claimsFor('c-42'))).toThrow(/at least/);
    expect(() => signToken(KEY, claimsFor(''))).toThrow();
  });

  it('fingerprints a token without revealing it', () => {
    // Prepare
    const token = signToken(KEY, claimsFor('c-42'));

    // Act
    const fingerprint = tokenFingerprint(token);

    // Assess
    expect(fingerprint).toMatch(/^sha256:[0-9a-f]{24}$/);
    expect(fingerprint).not.toContain(parts(token)[1].slice(0, 8));
    expect(tokenFingerprint(token)).toBe(fingerprint);
  });
});

describe('unsubscribeLinks', () => {
  it('builds one-click, preference and mailto links that verify for the contact', () => {
    // Act
    const links = unsubscribeLinks({
      baseUrl: 'https://api.example.com/v1',
      key: KEY,
      contactId: 'c-42',
      topic: 'newsletter',
      mailtoDomain: 'shop.example.com',
      nowMs: NOW,
    });

    // Assess
    const unsubscribeToken = links.unsubscribe.replace('https://api.example.com/v1/u/', '');
    const preferencesToken = links.preferences.replace('https://api.example.com/v1/preferences/', '');
    expect(verifyToken(KEY, unsubscribeToken, NOW)).toMatchObject({
      ok: true,
      claims: { contactId: 'c-42', purpose: 'unsubscribe', topic: 'newsletter', channel: 'email' },
    });
    expect(verifyToken(KEY, preferencesToken, NOW)).toMatchObject({
      ok: true,
      claims: { contactId: 'c-42', purpose: 'preferences', channel: 'email' },
    });
    expect(links.mailto).toBe(`mailto:unsubscribe@shop.example.com?subject=unsubscribe-${unsubscribeToken}`);
  });

  it('lets unsubscribe links live for months, not forever', () => {
    // Act
    const links = unsubscribeLinks({
      baseUrl: 'https://api.example.com/v1/',
      key: KEY,
      contactId: 'c-42',
      mailtoDomain: 'shop.example.com',
      nowMs: NOW,
    });
    const token = links.unsubscribe.split('/u/')[1] ?? '';

    // Assess
    expect(verifyToken(KEY, token, NOW + 180 * 86_400_000).ok).toBe(true);
    expect(verifyToken(KEY, token, NOW + 500 * 86_400_000)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses a mailto domain that is not a domain', () => {
    expect(() =>
      unsubscribeLinks({
        baseUrl: 'https://api.example.com/v1/',
        key: KEY,
        contactId: 'c-42',
        mailtoDomain: 'shop.example.com?bcc=x@y.z',
        nowMs: NOW,
      }),
    ).toThrow(/domain/);
  });
});

describe('mailtoDomainOf', () => {
  it('takes the domain of a From address, with or without a display name', () => {
    expect(mailtoDomainOf('Relance Demo Shop <hello@shop.example.com>')).toBe('shop.example.com');
    expect(mailtoDomainOf('hello@shop.example.com')).toBe('shop.example.com');
    expect(() => mailtoDomainOf('Relance Demo Shop')).toThrow(/domain/);
  });
});

describe('confirmationLink', () => {
  it('links to the confirmation page with a confirm token that expires within days', () => {
    // Act
    const link = confirmationLink({
      baseUrl: 'https://api.example.com/v1/',
      key: KEY,
      contactId: 'c-42',
      topic: 'newsletter',
      nowMs: NOW,
    });
    const token = link.replace('https://api.example.com/v1/consent/confirm/', '');

    // Assess
    expect(verifyToken(KEY, token, NOW)).toMatchObject({
      ok: true,
      claims: { contactId: 'c-42', purpose: 'confirm', topic: 'newsletter' },
    });
    expect(verifyToken(KEY, token, NOW + 8 * 86_400_000)).toEqual({ ok: false, reason: 'expired' });
  });
});

describe('listUnsubscribeHeaders', () => {
  it('gives the RFC 8058 headers with the https URL first, then the mailto', () => {
    // Act
    const headers = listUnsubscribeHeaders({
      unsubscribe: 'https://api.example.com/v1/u/tok',
      mailto: 'mailto:unsubscribe@shop.example.com?subject=unsubscribe-tok',
    });

    // Assess
    expect(headers).toEqual({
      'List-Unsubscribe':
        '<https://api.example.com/v1/u/tok>, <mailto:unsubscribe@shop.example.com?subject=unsubscribe-tok>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
  });

  it('accepts plain http for a loopback host only', () => {
    const mailto = 'mailto:unsubscribe@shop.example.com?subject=unsubscribe-tok';
    expect(() =>
      listUnsubscribeHeaders({ unsubscribe: 'http://127.0.0.1:4747/u/tok', mailto }),
    ).not.toThrow();
    expect(() => listUnsubscribeHeaders({ unsubscribe: 'http://api.example.com/u/tok', mailto })).toThrow(
      /https/,
    );
  });
});
