// The public lead form: both encodings, the field contract, every error at once, the honeypot, the
// mapping to `lead.submitted`, and the origin check.
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LeadSubmitted } from '#catalogue/lead-submitted.ts';
import {
  CAPTCHA_FIELDS,
  corsHeaders,
  FORM_FIELDS,
  type LeadFormResult,
  leadSubmittedDetail,
  originAllowed,
  parseLeadForm,
} from '../../../functions/leads/lead-form.ts';

const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';

beforeEach(() => {
  vi.stubEnv('DEFAULT_COUNTRY', 'US');
});

afterEach(() => {
  vi.unstubAllEnvs();
});

function postJson(value: unknown, contentType = JSON_TYPE): LeadFormResult {
  return parseLeadForm({ body: JSON.stringify(value), contentType });
}

function postForm(
  fields: Record<string, string> | [string, string][],
  contentType = FORM_TYPE,
): LeadFormResult {
  return parseLeadForm({ body: new URLSearchParams(fields).toString(), contentType });
}

function errorsOf(result: LeadFormResult) {
  if (result.ok) throw new Error('expected the form to be refused');
  return result.errors;
}

describe('JSON bodies', () => {
  it('reads a complete form into typed, normalized values', () => {
    // Act
    const result = postJson({
      submissionId: 'sub_2026-11-23_ab12',
      email: ' Grace@Acme.Example ',
      phone: '(213) 373-4253',
      firstName: 'Grace',
      lastName: 'Hopper',
      company: 'Acme',
      companySize: 250,
      budget: 15000.5,
      country: 'us',
      region: 'CA',
      postcode: '94105',
      productInterest: 'enterprise-plan',
      language: 'en-us',
      message: 'We would like a demo.',
      formId: 'demo-request',
      utm_source: 'google',
      utm_medium: 'cpc',
      utm_campaign: 'spring',
      emailConsent: true,
      smsConsent: false,
      timezone: 'America/Los_Angeles',
      captchaToken: 'token-1',
      website: '',
    });

    // Assess
    expect(result).toEqual({
      ok: true,
      captchaToken: 'token-1',
      form: {
        submissionId: 'sub_2026-11-23_ab12',
        email: 'grace@acme.example',
        phone: '+12133734253',
        firstName: 'Grace',
        lastName: 'Hopper',
        company: 'Acme',
        companySize: 250,
        budget: 15000.5,
        country: 'US',
        region: 'CA',
        postcode: '94105',
        productInterest: 'enterprise-plan',
        language: 'en-US',
        message: 'We would like a demo.',
        formId: 'demo-request',
        utm_source: 'google',
        utm_medium: 'cpc',
        utm_campaign: 'spring',
        emailConsent: true,
        smsConsent: false,
        timezone: 'America/Los_Angeles',
      },
    });
  });

  it('accepts a charset parameter and treats null and empty strings as not given', () => {
    // Act
    const result = postJson(
      { email: 'a@b.example', company: null, message: '  ', submissionId: '' },
      'Application/JSON; charset=utf-8',
    );

    // Assess
    expect(result).toEqual({
      ok: true,
      captchaToken: undefined,
      form: { email: 'a@b.example', emailConsent: false, smsConsent: false },
    });
  });

  it('refuses malformed JSON, an empty body and JSON that is not an object', () => {
    // Act
    const malformed = parseLeadForm({ body: '{"email": ', contentType: JSON_TYPE });
    const empty = parseLeadForm({ body: '', contentType: JSON_TYPE });
    const array = postJson([{ email: 'a@b.example' }]);
    const text = postJson('a@b.example');
    const nothing = postJson(null);

    // Assess
    expect(malformed).toEqual({
      ok: false,
      status: 400,
      errors: [{ field: 'body', message: 'is not valid JSON' }],
    });
    expect(empty).toMatchObject({ ok: false, status: 400, errors: [{ field: 'body' }] });
    for (const result of [array, text, nothing]) {
      expect(result).toEqual({
        ok: false,
        status: 400,
        errors: [{ field: 'body', message: 'must be a JSON object' }],
      });
    }
  });

  it('refuses values of the wrong type, naming each field', () => {
    // Act
    const result = postJson({
      email: 'a@b.example',
      companySize: '250',
      budget: '15000',
      firstName: 42,
      emailConsent: 'maybe',
      smsConsent: 1,
    });

    // Assess
    expect(result).toMatchObject({ ok: false, status: 400 });
    expect(errorsOf(result)).toEqual([
      { field: 'firstName', message: 'must be text' },
      { field: 'companySize', message: 'must be a whole number' },
      { field: 'budget', message: 'must be a number' },
      {
        field: 'emailConsent',
        message: 'must be a checkbox value: on, true, 1, yes (ticked) or off, false, 0, no',
      },
      {
        field: 'smsConsent',
        message: 'must be a checkbox value: on, true, 1, yes (ticked) or off, false, 0, no',
      },
    ]);
  });

  it('refuses numbers out of range and text that is too long', () => {
    // Act
    const result = postJson({
      email: 'a@b.example',
      companySize: 12.5,
      budget: 10.123,
      postcode: 'x'.repeat(17),
    });

    // Assess
    expect(errorsOf(result)).toEqual([
      { field: 'companySize', message: 'must be a whole number' },
      { field: 'budget', message: 'must have at most 2 decimals' },
      { field: 'postcode', message: 'must be at most 16 characters' },
    ]);
  });
});

describe('form-encoded bodies', () => {
  it('reads what a browser posts: text values, empty inputs and a ticked checkbox', () => {
    // Act
    const result = postForm({
      email: 'grace@acme.example',
      phone: '',
      firstName: 'Grace',
      lastName: '',
      company: 'Acme',
      companySize: '250',
      budget: '1500.50',
      country: 'fr',
      region: '',
      message: 'Call me\r\nplease', // a browser posts CRLF; kept as one LF
      emailConsent: 'on',
      timezone: '',
      'cf-turnstile-response': 'turnstile-token',
      website: '',
    });

    // Assess
    expect(result).toEqual({
      ok: true,
      captchaToken: 'turnstile-token',
      form: {
        email: 'grace@acme.example',
        firstName: 'Grace',
        company: 'Acme',
        companySize: 250,
        budget: 1500.5,
        country: 'FR',
        message: 'Call me\nplease',
        emailConsent: true,
        smsConsent: false,
      },
    });
  });

  it('refuses text where a number is expected, with a clear message', () => {
    // Act
    const result = postForm({ email: 'a@b.example', companySize: 'abc', budget: '1,000' });

    // Assess
    expect(result).toEqual({
      ok: false,
      status: 400,
      errors: [
        { field: 'companySize', message: 'must be a whole number' },
        { field: 'budget', message: 'must be a number' },
      ],
    });
  });

  it('refuses a decimal company size and a negative budget', () => {
    // Act
    const result = postForm({ email: 'a@b.example', companySize: '12.5', budget: '-3' });

    // Assess
    expect(errorsOf(result)).toEqual([
      { field: 'companySize', message: 'must be a whole number' },
      { field: 'budget', message: 'must be at least 0' },
    ]);
  });

  it('refuses a field sent twice, naming it once', () => {
    // Act
    const result = postForm([
      ['email', 'a@b.example'],
      ['company', 'Acme'],
      ['company', 'Other'],
      ['company', ''],
    ]);

    // Assess
    expect(result).toEqual({
      ok: false,
      status: 400,
      errors: [{ field: 'company', message: 'is sent more than once; send it once' }],
    });
  });

  it('reads a national phone number in the lead’s own country', () => {
    // Act
    const french = postForm({ phone: '06 12 34 56 78', country: 'FR' });
    const withoutCountry = postForm({ phone: '(213) 373-4253' });

    // Assess
    expect(french).toMatchObject({ ok: true, form: { phone: '+33612345678', country: 'FR' } });
    expect(withoutCountry).toMatchObject({ ok: true, form: { phone: '+12133734253' } });
  });
});

describe('checkboxes', () => {
  it.each([
    ['on', true],
    ['true', true],
    ['1', true],
    ['yes', true],
    ['YES', true],
    ['off', false],
    ['false', false],
    ['0', false],
    ['no', false],
  ])('reads %s as %s', (value, ticked) => {
    // Act
    const result = postForm({ email: 'a@b.example', emailConsent: value, smsConsent: value });

    // Assess
    expect(result).toMatchObject({ ok: true, form: { emailConsent: ticked, smsConsent: ticked } });
  });

  it('reads an absent or empty checkbox as not ticked, and JSON booleans as they are', () => {
    // Act
    const absent = postForm({ email: 'a@b.example', smsConsent: '' });
    const json = postJson({ email: 'a@b.example', emailConsent: true, smsConsent: 'on' });

    // Assess
    expect(absent).toMatchObject({ ok: true, form: { emailConsent: false, smsConsent: false } });
    expect(json).toMatchObject({ ok: true, form: { emailConsent: true, smsConsent: true } });
  });

  it('refuses a value that is not a checkbox value', () => {
    // Act
    const result = postForm({ email: 'a@b.example', smsConsent: 'sure' });

    // Assess
    expect(errorsOf(result)).toEqual([
      { field: 'smsConsent', message: expect.stringMatching(/^must be a checkbox value/) },
    ]);
  });
});

describe('contact and field checks', () => {
  it('needs an e-mail address or a phone number', () => {
    // Act
    const result = postForm({ firstName: 'Grace', email: '', phone: ' ' });

    // Assess
    expect(result).toEqual({
      ok: false,
      status: 400,
      errors: [{ field: 'email', message: 'is required unless phone is given' }],
    });
  });

  it('accepts a phone number without an e-mail address', () => {
    // Assess
    expect(postJson({ phone: '+44 20 7946 0958' })).toMatchObject({
      ok: true,
      form: { phone: '+442079460958' },
    });
  });

  it('refuses a bad e-mail address, phone number and country', () => {
    // Act
    const result = postJson({ email: 'grace@', phone: '123', country: 'France' });

    // Assess
    expect(errorsOf(result)).toEqual([
      { field: 'email', message: 'is not a valid email address' },
      { field: 'phone', message: 'is not a valid phone number' },
      { field: 'country', message: 'must be an ISO-3166-1 alpha-2 country code (2 upper-case letters)' },
    ]);
  });

  it('refuses a country missing from the ISO 3166-1 list, such as ZZ', () => {
    // Act
    const result = postForm({ email: 'grace@acme.example', country: 'zz' });

    // Assess
    expect(errorsOf(result)).toEqual([
      { field: 'country', message: '"ZZ" is not an ISO-3166-1 alpha-2 country code' },
    ]);
  });

  it('strips control characters (terminal escapes) from text and keeps the message’s line breaks', () => {
    // Act: ESC ] 0 ; … BEL retitles a terminal window, ESC [ 2 J clears the screen.
    const result = postForm({
      email: 'grace@acme.example',
      company: 'Acme\u001b]0;owned\u0007\u001b[2J Corp',
      message: 'Hello,\r\nwe want a demo.\u0000\u009b',
    });

    // Assess
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.form.company).toBe('Acme]0;owned[2J Corp');
    expect(result.form.message).toBe('Hello,\nwe want a demo.');
  });

  it('refuses CR or LF in a one-line field, which could become an e-mail header', () => {
    // Act
    const result = postJson({ email: 'grace@acme.example', firstName: 'Grace\r\nBcc: all@example.com' });

    // Assess
    expect(errorsOf(result)).toEqual([{ field: 'firstName', message: 'must be one line (no CR or LF)' }]);
  });

  it('refuses a JSON field sent twice instead of keeping the last', () => {
    // Act
    const result = parseLeadForm({
      body: '{"email":"grace@acme.example","firstName":"Grace","firstName":"Mallory"}',
      contentType: JSON_TYPE,
    });

    // Assess
    expect(result).toEqual({
      ok: false,
      status: 400,
      errors: [{ field: 'firstName', message: 'is sent more than once; send it once' }],
    });
  });

  it('refuses a bad submission id, language and time zone', () => {
    // Act
    const result = postJson({
      email: 'a@b.example',
      submissionId: 'short',
      language: 'english please',
      timezone: 'Mars/Olympus',
    });

    // Assess
    expect(errorsOf(result).map((e) => e.field)).toEqual(['submissionId', 'language', 'timezone']);
    expect(errorsOf(result)[0]?.message).toBe('must be 8 to 128 characters: letters, digits, _ or -');
  });

  it('refuses unknown fields, one error naming each', () => {
    // Act
    const result = postJson({ email: 'a@b.example', nickname: 'G', favouriteColour: 'blue', utm: {} });

    // Assess
    expect(result).toEqual({
      ok: false,
      status: 400,
      errors: [
        { field: 'nickname', message: 'is not a field of this form' },
        { field: 'favouriteColour', message: 'is not a field of this form' },
        { field: 'utm', message: 'is not a field of this form' },
      ],
    });
  });

  it('refuses a filled honeypot with a clear 400, under its configured name too', () => {
    // Act
    const byDefault = postForm({ email: 'a@b.example', website: 'http://spam.example' });
    const configured = parseLeadForm(
      { body: 'email=a%40b.example&fax=0123', contentType: FORM_TYPE },
      { honeypotField: 'fax' },
    );
    const emptyConfigured = parseLeadForm(
      { body: 'email=a%40b.example&fax=', contentType: FORM_TYPE },
      { honeypotField: 'fax' },
    );
    const defaultNameWhenConfigured = parseLeadForm(
      { body: 'email=a%40b.example&website=', contentType: FORM_TYPE },
      { honeypotField: 'fax' },
    );

    // Assess
    expect(byDefault).toEqual({
      ok: false,
      status: 400,
      errors: [{ field: 'website', message: 'must be left empty' }],
    });
    expect(configured).toEqual({
      ok: false,
      status: 400,
      errors: [{ field: 'fax', message: 'must be left empty' }],
    });
    expect(emptyConfigured).toMatchObject({ ok: true });
    expect(defaultNameWhenConfigured).toEqual({
      ok: false,
      status: 400,
      errors: [{ field: 'website', message: 'is not a field of this form' }],
    });
  });

  it('will not use a form field as the honeypot', () => {
    // Assess
    expect(() => parseLeadForm({ body: '', contentType: FORM_TYPE }, { honeypotField: 'company' })).toThrow(
      /honeypotField "company"/,
    );
  });

  it('reports every error in one answer', () => {
    // Act
    const result = postForm([
      ['nickname', 'G'],
      ['companySize', 'many'],
      ['country', 'Narnia'],
      ['website', 'filled'],
      ['formId', 'a'],
      ['formId', 'b'],
      ['emailConsent', 'perhaps'],
    ]);

    // Assess
    expect(result).toMatchObject({ ok: false, status: 400 });
    expect(errorsOf(result)).toEqual([
      { field: 'formId', message: 'is sent more than once; send it once' },
      { field: 'nickname', message: 'is not a field of this form' },
      { field: 'website', message: 'must be left empty' },
      { field: 'companySize', message: 'must be a whole number' },
      { field: 'email', message: 'is required unless phone is given' },
      { field: 'country', message: expect.stringContaining('alpha-2') },
      { field: 'emailConsent', message: expect.stringContaining('checkbox') },
    ]);
  });
});

describe('the request itself', () => {
  it('refuses other content types, naming content-type', () => {
    // Act
    const results = [
      parseLeadForm({ body: 'email=a%40b.example', contentType: 'text/plain' }),
      parseLeadForm({ body: '{"email":"a@b.example"}', contentType: 'application/not-json' }),
      parseLeadForm({ body: 'email=a%40b.example', contentType: 'multipart/form-data; boundary=x' }),
      parseLeadForm({ body: 'email=a%40b.example', contentType: undefined }),
    ];

    // Assess
    for (const result of results) {
      expect(result).toEqual({
        ok: false,
        status: 415,
        errors: [
          {
            field: 'content-type',
            message: 'must be application/json or application/x-www-form-urlencoded',
          },
        ],
      });
    }
  });

  it('refuses a body over the limit, counted in bytes', () => {
    // Act
    const oversize = postForm({ email: 'a@b.example', message: 'x'.repeat(16 * 1024) });
    const multiByte = parseLeadForm(
      { body: JSON.stringify({ email: 'a@b.example', message: 'é'.repeat(60) }), contentType: JSON_TYPE },
      { maxBodyBytes: 100 },
    );
    const underLimit = parseLeadForm(
      { body: JSON.stringify({ email: 'a@b.example' }), contentType: JSON_TYPE },
      { maxBodyBytes: 100 },
    );

    // Assess
    expect(oversize).toEqual({
      ok: false,
      status: 413,
      errors: [{ field: 'body', message: 'is larger than 16384 bytes' }],
    });
    expect(multiByte).toMatchObject({ ok: false, status: 413 });
    expect(underLimit).toMatchObject({ ok: true });
  });

  it('reads the captcha token under any of its four names, preferring captchaToken', () => {
    // Act
    const tokens = CAPTCHA_FIELDS.map((name) => postForm({ email: 'a@b.example', [name]: `t-${name}` }));
    // hCaptcha posts the same token twice, as g-recaptcha-response and h-captcha-response.
    const both = postForm({
      email: 'a@b.example',
      'h-captcha-response': 'hc',
      'g-recaptcha-response': 'hc',
      captchaToken: 'ours',
    });

    // Assess
    expect(tokens.map((r) => r.ok && r.captchaToken)).toEqual(CAPTCHA_FIELDS.map((name) => `t-${name}`));
    expect(both).toMatchObject({ ok: true, captchaToken: 'ours' });
    expect(both.ok && Object.keys(both.form)).not.toContain('captchaToken');
  });
});

describe('leadSubmittedDetail', () => {
  it('gives a detail that the lead.submitted schema accepts as it is', () => {
    // Prepare
    const result = postForm({
      email: 'Grace@Acme.Example',
      phone: '06 12 34 56 78',
      country: 'fr',
      companySize: '250',
      budget: '15000',
      language: 'fr-fr',
      formId: 'demo-request',
      utm_source: 'google',
      utm_campaign: 'spring',
      emailConsent: 'on',
      timezone: 'Europe/Paris',
      submissionId: 'sub-12345678',
    });
    if (!result.ok) throw new Error('the form should be valid');
    const ids = { leadId: 'lead-1', eventId: 'evt-lead-1', occurredAt: '2026-11-23T10:00:00.000Z' };

    // Act
    const detail = leadSubmittedDetail(result.form, ids);

    // Assess
    const parsed = LeadSubmitted.safeParse(detail);
    expect(parsed.success).toBe(true);
    expect(parsed.data).toEqual(detail);
    expect(JSON.parse(JSON.stringify(detail))).toEqual({
      eventId: 'evt-lead-1',
      occurredAt: '2026-11-23T10:00:00.000Z',
      source: 'relance.lead-form',
      contact: { email: 'grace@acme.example', phone: '+33612345678' },
      leadId: 'lead-1',
      companySize: 250,
      budget: 15000,
      country: 'FR',
      language: 'fr-FR',
      formId: 'demo-request',
      utm: { source: 'google', campaign: 'spring' },
      timezone: 'Europe/Paris',
      consent: { email: true, sms: false },
    });
  });

  it('leaves utm out when no campaign field was given', () => {
    // Prepare
    const result = postJson({ phone: '+44 20 7946 0958' });
    if (!result.ok) throw new Error('the form should be valid');

    // Act
    const detail = leadSubmittedDetail(result.form, {
      leadId: 'lead-2',
      eventId: 'evt-lead-2',
      occurredAt: '2026-11-23T10:00:00Z',
    });

    // Assess
    expect(detail.utm).toBeUndefined();
    expect(LeadSubmitted.safeParse(detail).success).toBe(true);
  });
});

describe('FORM_FIELDS', () => {
  it('lists every accepted field once, and the module’s table shows each of them', () => {
    // Prepare
    const source = readFileSync(new URL('../../../functions/leads/lead-form.ts', import.meta.url), 'utf8');
    const names = FORM_FIELDS.map((field) => field.name);
    const everything = Object.fromEntries(names.map((name) => [name, 'x']));

    // Act: every listed field is known (only value errors come back, no "not a field").
    const result = postForm(everything);

    // Assess
    expect(new Set(names).size).toBe(names.length);
    expect(errorsOf(result).filter((e) => e.message === 'is not a field of this form')).toEqual([]);
    for (const name of [...names, ...CAPTCHA_FIELDS]) expect(source).toContain(`\`${name}\``);
  });
});

describe('origin checks', () => {
  const allowed = ['https://www.acme.example', 'http://localhost:3000'];

  it('allows an exact origin, whatever the host case, and a request without Origin', () => {
    // Assess
    expect(originAllowed('https://www.acme.example', allowed)).toBe(true);
    expect(originAllowed('https://WWW.Acme.Example', allowed)).toBe(true);
    expect(originAllowed('https://www.acme.example:443', allowed)).toBe(true);
    expect(originAllowed('http://localhost:3000', allowed)).toBe(true);
    expect(originAllowed(undefined, allowed)).toBe(true);
  });

  it('refuses another port, another scheme, another host, null and anything with *', () => {
    // Assess
    expect(originAllowed('https://www.acme.example:8443', allowed)).toBe(false);
    expect(originAllowed('http://localhost:3001', allowed)).toBe(false);
    expect(originAllowed('http://www.acme.example', allowed)).toBe(false);
    expect(originAllowed('https://acme.example', allowed)).toBe(false);
    expect(originAllowed('https://www.acme.example.evil.example', allowed)).toBe(false);
    expect(originAllowed('null', allowed)).toBe(false);
    expect(originAllowed('null', ['null'])).toBe(false);
    expect(originAllowed('https://www.acme.example', ['*'])).toBe(false);
    expect(originAllowed('*', ['*'])).toBe(false);
    expect(originAllowed('', allowed)).toBe(false);
  });

  it('gives CORS headers echoing an allowed origin, and none otherwise', () => {
    // Assess
    expect(corsHeaders('https://www.acme.example', allowed)).toEqual({
      'Access-Control-Allow-Origin': 'https://www.acme.example',
      'Access-Control-Allow-Methods': 'POST, OPTIONS',
      'Access-Control-Allow-Headers': 'content-type',
      'Access-Control-Max-Age': '600',
      Vary: 'Origin',
    });
    expect(corsHeaders('https://evil.example', allowed)).toEqual({});
    expect(corsHeaders('null', allowed)).toEqual({});
    expect(corsHeaders(undefined, allowed)).toEqual({});
  });
});
