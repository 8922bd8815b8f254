import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Contact } from '#catalogue/contact.ts';
import { type LinkClaims, signToken, verifyToken } from '../../../functions/consent/signed-links.ts';
import { ledgerTag } from '../../../functions/delivery/ledger.ts';
import { logger } from '../../../functions/platform/logger.ts';
import { apiEvent } from '../api-event.ts';
import { contactWith } from '../fixtures.ts';
import { lambdaContext } from '../lambda-context.ts';

const CONTACTS_TABLE = 'contacts-table';
const LEDGER_TABLE = 'ledger-table';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:relance-link-key-AbCdEf';
const KEY = 'Q7w9E2r4T6y8U1i3O5p7A9s2D4f6G8h1J3k5L7z9X2c4V6b8N1m3Q5w7E9r2T4y6';
const OTHER_KEY = 'z'.repeat(64);
const NOW = Date.parse('2024-05-02T09:30:00.000Z');
const IN_A_WEEK = Math.floor(NOW / 1000) + 7 * 86_400;
const TOPICS = {
  newsletter: { label: 'News & <new> "arrivals"', mode: 'opt_in' },
  onboarding: { label: 'Getting started tips', mode: 'opt_out' },
} as const;

const ddbMock = mockClient(DynamoDBDocumentClient);
const secretsMock = mockClient(SecretsManagerClient);

type Handler = (event: APIGatewayProxyEvent, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;
let handler: Handler;
let forgetLinkSigningKey: () => void;

beforeAll(async () => {
  process.env.CONTACTS_TABLE = CONTACTS_TABLE;
  process.env.LEDGER_TABLE = LEDGER_TABLE;
  process.env.LINK_SIGNING_SECRET_ARN = SECRET_ARN;
  process.env.EMAIL_TOPICS = JSON.stringify(TOPICS);
  ({ handler } = await import('../../../functions/consent/preferences-handler.ts'));
  ({ forgetLinkSigningKey } = await import('../../../functions/consent/link-key.ts'));
});

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
  forgetLinkSigningKey();
  secretsMock.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: KEY });
  ddbMock.on(GetCommand).resolves({});
  storeContact(contactWith({ email: 'ada@example.com' }), 3);
  ddbMock.on(PutCommand).resolves({});
});

afterEach(() => {
  vi.useRealTimers();
  ddbMock.reset();
  secretsMock.reset();
});

/** Makes the profile read return `contact` at `version` (as the repository stores it). */
function storeContact(contact: Contact, version: number): void {
  ddbMock
    .on(GetCommand, { Key: { pk: `CONTACT#${contact.contactId}` } })
    .resolves({ Item: { pk: `CONTACT#${contact.contactId}`, kind: 'contact', ...contact, version } });
}

function conditionFailed(): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
}

const token = (changes: Partial<LinkClaims> = {}, key = KEY): string =>
  signToken(key, {
    contactId: 'c-42',
    purpose: 'unsubscribe',
    channel: 'email',
    topic: 'newsletter',
    exp: IN_A_WEEK,
    ...changes,
  });

/** An API Gateway (REST, v1) proxy event for one of the link routes. */
function request(
  method: 'GET' | 'POST',
  resource: '/u/{token}' | '/preferences/{token}' | '/consent/confirm/{token}',
  tokenValue: string,
  body: string | null = null,
  headers: Record<string, string> = body === null
    ? {}
    : { 'Content-Type': 'application/x-www-form-urlencoded' },
): APIGatewayProxyEvent {
  const path = resource.replace('{token}', tokenValue);
  return apiEvent({
    body,
    headers,
    httpMethod: method,
    path,
    pathParameters: { token: tokenValue },
    resource,
  });
}

async function call(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  return (await handler(event, lambdaContext('preferences'))) as APIGatewayProxyResult;
}

/** The items written with PutItem, and the conditions they were written under. */
function puts() {
  return ddbMock.commandCalls(PutCommand).map((c) => c.args[0].input);
}

const ONE_CLICK = 'List-Unsubscribe=One-Click';

describe('POST /u/{token}: the unsubscribe counted on the message its link came in', () => {
  const LEDGER_KEY = 'abandoned-cart#key:cart-1#1#first-reminder#email';
  /** The `ledger` tag of the message, which its unsubscribe link carries. */
  const TAG = ledgerTag(LEDGER_KEY);
  const entry = {
    pk: TAG,
    ledgerKey: LEDGER_KEY,
    contactId: 'c-42',
    journeyId: 'abandoned-cart',
    runKey: 'key:cart-1',
    gen: 1,
    version: 'v3',
    stepId: 'first-reminder',
    channel: 'email',
    template: 'cart',
    category: 'marketing',
    status: 'sent',
    createdAt: '2024-05-01T10:00:00.000Z',
    updatedAt: '2024-05-01T10:00:01.000Z',
    deliveryEvents: ['2024-05-01T10:00:02.000Z delivered'],
  };

  it('appends the unsubscribe to the entry and counts it on its step, in one transaction', async () => {
    ddbMock.on(GetCommand, { TableName: LEDGER_TABLE, Key: { pk: TAG } }).resolves({ Item: entry });
    ddbMock.on(TransactWriteCommand).resolves({});

    const response = await call(request('POST', '/u/{token}', token({ ledger: TAG }), ONE_CLICK));

    expect(response.statusCode).toBe(200);
    const [transaction, ...more] = ddbMock.commandCalls(TransactWriteCommand).map((c) => c.args[0].input);
    expect(more).toEqual([]);
    const [append, counter] = transaction?.TransactItems ?? [];
    expect(append?.Update).toMatchObject({
      TableName: LEDGER_TABLE,
      Key: { pk: TAG },
      ConditionExpression: 'attribute_exists(pk) AND size(#events) = :seen',
      ExpressionAttributeValues: { ':seen': 1, ':event': [`${new Date(NOW).toISOString()} unsubscribed`] },
    });
    expect(counter?.Update).toMatchObject({
      TableName: LEDGER_TABLE,
      Key: { pk: expect.stringMatching(/^COUNTS#SENDS#abandoned-cart#2024-05-01#\d+$/) },
      ExpressionAttributeNames: { '#c0': 'v3|first-reminder|unsubscribed' },
      ExpressionAttributeValues: { ':c0': 1 },
    });
  });

  it('still unsubscribes (200) when the ledger cannot be written, and logs why it was not counted', async () => {
    ddbMock.on(GetCommand, { TableName: LEDGER_TABLE, Key: { pk: TAG } }).resolves({ Item: entry });
    ddbMock.on(TransactWriteCommand).rejects(new Error('ProvisionedThroughputExceededException'));
    const errors = vi.spyOn(logger, 'error').mockImplementation(() => {});

    const response = await call(request('POST', '/u/{token}', token({ ledger: TAG }), ONE_CLICK));

    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('You are unsubscribed');
    expect(puts()).toHaveLength(1);
    expect(errors).toHaveBeenCalledWith(
      'unsubscribe not counted on its message',
      expect.objectContaining({ ledger: TAG }),
    );
  });

  it('counts nothing when the contact was unsubscribed already', async () => {
    const link = token({ ledger: TAG, topic: undefined });
    storeContact(
      contactWith({
        email: 'ada@example.com',
        consent: {
          email: {
            channel: {
              status: 'opted_out',
              at: '2024-04-01T00:00:00.000Z',
              source: 'unsubscribe_page',
              proof: { kind: 'link', reference: 'x' },
            },
            topics: {},
          },
        },
      }),
      3,
    );

    await call(request('POST', '/u/{token}', link, ONE_CLICK));

    expect(ddbMock.commandCalls(GetCommand, { TableName: LEDGER_TABLE })).toHaveLength(0);
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });
});

describe('POST /u/{token} (RFC 8058 one-click)', () => {
  it('unsubscribes at once, with a write conditioned on the version read', async () => {
    // Prepare
    const link = token();

    // Act
    const response = await call(request('POST', '/u/{token}', link, ONE_CLICK));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('You are unsubscribed');
    const [put, ...more] = puts();
    expect(more).toEqual([]);
    expect(put).toMatchObject({
      TableName: CONTACTS_TABLE,
      ConditionExpression: 'version = :version',
      ExpressionAttributeValues: { ':version': 3 },
      Item: { pk: 'CONTACT#c-42', contactId: 'c-42', version: 4, updatedAt: new Date(NOW).toISOString() },
    });
    expect(put?.Item?.consent.email.topics.newsletter).toEqual({
      status: 'opted_out',
      at: new Date(NOW).toISOString(),
      source: 'list_unsubscribe_one_click',
      proof: { kind: 'link', reference: expect.stringMatching(/^sha256:[0-9a-f]{24}$/) },
    });
    expect(JSON.stringify(put)).not.toContain(link);
  });

  it('accepts the multipart/form-data body RFC 8058 prefers', async () => {
    // Prepare
    const boundary = '----relance42';
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`;

    // Act
    const response = await call(
      request('POST', '/u/{token}', token(), body, {
        'content-type': `multipart/form-data; boundary=${boundary}`,
      }),
    );

    // Assess
    expect(response.statusCode).toBe(200);
    expect(puts()).toHaveLength(1);
  });

  it('unsubscribes the whole channel when the link names no topic', async () => {
    // Act
    const response = await call(request('POST', '/u/{token}', token({ topic: undefined }), ONE_CLICK));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(puts()[0]?.Item?.consent.email.channel).toMatchObject({ status: 'opted_out' });
  });

  it('reads again and retries when the contact changed meanwhile', async () => {
    // Prepare
    ddbMock.on(PutCommand).rejectsOnce(conditionFailed()).resolves({});

    // Act
    const response = await call(request('POST', '/u/{token}', token(), ONE_CLICK));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(ddbMock.commandCalls(GetCommand)).toHaveLength(2);
    expect(puts()).toHaveLength(2);
  });

  it('writes nothing when the contact is already unsubscribed', async () => {
    // Prepare
    const first = {
      status: 'opted_out',
      at: '2024-04-01T00:00:00.000Z',
      source: 'x',
      proof: { kind: 'link' },
    } as const;
    storeContact(contactWith({ consent: { email: { topics: { newsletter: first } } } }), 5);

    // Act
    const response = await call(request('POST', '/u/{token}', token(), ONE_CLICK));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(puts()).toEqual([]);
  });

  it('answers 400 and stores nothing without List-Unsubscribe=One-Click', async () => {
    // Act
    const response = await call(request('POST', '/u/{token}', token(), 'hello=world'));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(puts()).toEqual([]);
  });

  it('answers 415 for a body that is not a form', async () => {
    // Act
    const response = await call(
      request('POST', '/u/{token}', token(), '{"List-Unsubscribe":"One-Click"}', {
        'content-type': 'application/json',
      }),
    );

    // Assess
    expect(response.statusCode).toBe(415);
    expect(puts()).toEqual([]);
  });
});

describe('GET /u/{token}', () => {
  it('speaks French to a French contact', async () => {
    // Prepare
    storeContact(contactWith({ email: 'ada@example.com', locale: 'fr-CA' }), 3);

    // Act
    const response = await call(request('GET', '/u/{token}', token({ topic: undefined })));

    // Assess
    expect(response.body).toContain('<html lang="fr">');
    expect(response.body).toContain('Ne plus recevoir tous les e-mails marketing ?');
    expect(response.body).toContain('Me désinscrire');
    expect(response.body).not.toContain('Stop receiving');
  });

  it('shows a confirmation page with a POST button and changes nothing', async () => {
    // Act
    const response = await call(request('GET', '/u/{token}', token()));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<form method="post">');
    expect(response.body).toContain('name="List-Unsubscribe" value="One-Click"');
    expect(response.body).toContain('News &amp; &lt;new&gt; &quot;arrivals&quot;');
    expect(response.body).not.toContain('<new>');
    expect(ddbMock.commandCalls(PutCommand)).toEqual([]);
  });

  it('offers a preference link for the same contact', async () => {
    // Act
    const response = await call(request('GET', '/u/{token}', token()));

    // Assess
    const href = /href="\.\.\/preferences\/([A-Za-z0-9_.-]+)"/.exec(response.body)?.[1] ?? '';
    expect(verifyToken(KEY, href, NOW)).toMatchObject({
      ok: true,
      claims: { contactId: 'c-42', purpose: 'preferences' },
    });
  });

  it('serves pages with a strict CSP, no caching, no referrer and no external assets', async () => {
    // Act
    const response = await call(request('GET', '/u/{token}', token()));

    // Assess
    expect(response.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': expect.stringMatching(
        /^default-src 'none'; style-src 'sha256-[^']+'; form-action 'self'/,
      ),
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    });
    expect(response.body).not.toMatch(/<script|src=|https?:\/\//);
  });
});

describe('refused links', () => {
  it('answers 403 for a forged token and stores nothing', async () => {
    // Prepare
    const [payload = '', signature = ''] = token().split('.');
    const forged = `${payload.slice(0, -2)}xy.${signature}`;

    // Act
    const response = await call(request('POST', '/u/{token}', forged, ONE_CLICK));

    // Assess
    expect(response.statusCode).toBe(403);
    expect(response.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(puts()).toEqual([]);
  });

  it('answers 403 for a token signed with another key', async () => {
    // Act
    const response = await call(request('POST', '/u/{token}', token({}, OTHER_KEY), ONE_CLICK));

    // Assess
    expect(response.statusCode).toBe(403);
    expect(puts()).toEqual([]);
  });

  it("never acts on contact B with contact A's signature", async () => {
    // Prepare: B's claims with A's signature.
    storeContact(contactWith({ contactId: 'c-b' }), 1);
    const [, signatureA] = token({ contactId: 'c-a' }).split('.');
    const [payloadB] = token({ contactId: 'c-b' }).split('.');

    // Act
    const response = await call(request('POST', '/u/{token}', `${payloadB}.${signatureA}`, ONE_CLICK));

    // Assess
    expect(response.statusCode).toBe(403);
    expect(ddbMock.commandCalls(GetCommand)).toEqual([]);
    expect(puts()).toEqual([]);
  });

  it('acts only on the contact the token names', async () => {
    // Prepare
    storeContact(contactWith({ contactId: 'c-a' }), 7);

    // Act
    await call(request('POST', '/u/{token}', token({ contactId: 'c-a' }), ONE_CLICK));

    // Assess
    expect(ddbMock.commandCalls(GetCommand).map((c) => c.args[0].input.Key)).toEqual([{ pk: 'CONTACT#c-a' }]);
    expect(puts().map((p) => p.Item?.pk)).toEqual(['CONTACT#c-a']);
  });

  it('answers 410 for an expired token and stores nothing', async () => {
    // Act
    const response = await call(
      request('POST', '/u/{token}', token({ exp: Math.floor(NOW / 1000) - 1 }), ONE_CLICK),
    );

    // Assess
    expect(response.statusCode).toBe(410);
    expect(puts()).toEqual([]);
  });

  it('answers 400 for a malformed token', async () => {
    // Act
    const response = await call(request('GET', '/preferences/{token}', 'not-a-token'));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(ddbMock.commandCalls(GetCommand)).toEqual([]);
  });

  it('answers 403 for a valid token used on another page', async () => {
    // Act
    const response = await call(request('POST', '/u/{token}', token({ purpose: 'preferences' }), ONE_CLICK));

    // Assess
    expect(response.statusCode).toBe(403);
    expect(puts()).toEqual([]);
  });

  it('answers 404 for a contact that does not exist, storing nothing', async () => {
    // Act
    const response = await call(request('POST', '/u/{token}', token({ contactId: 'c-gone' }), ONE_CLICK));

    // Assess
    expect(response.statusCode).toBe(404);
    expect(puts()).toEqual([]);
  });

  it('answers 405 for a PUT to the confirmation link', async () => {
    // Act
    const event = request('POST', '/consent/confirm/{token}', token({ purpose: 'confirm' }), '');
    const response = await call({ ...event, httpMethod: 'PUT' });

    // Assess
    expect(response.statusCode).toBe(405);
    expect(response.headers?.allow).toBe('GET, POST');
    expect(puts()).toEqual([]);
  });
});

describe('GET /preferences/{token}', () => {
  it('lists the topics with their current state', async () => {
    // Prepare: onboarding (opt-out mode) was turned off; newsletter (opt-in) has no record.
    const off = {
      status: 'opted_out',
      at: '2024-04-01T00:00:00.000Z',
      source: 'x',
      proof: { kind: 'link' },
    } as const;
    storeContact(contactWith({ consent: { email: { topics: { onboarding: off } } } }), 2);

    // Act
    const response = await call(
      request('GET', '/preferences/{token}', token({ purpose: 'preferences', topic: undefined })),
    );

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain(
      '<input type="checkbox" name="topic" value="newsletter"> News &amp; &lt;new&gt;',
    );
    expect(response.body).toContain(
      '<input type="checkbox" name="topic" value="onboarding"> Getting started tips',
    );
    expect(response.body).toContain('value="save"');
    expect(puts()).toEqual([]);
  });

  it('shows opt-out topics as chosen by default', async () => {
    // Act
    const response = await call(
      request('GET', '/preferences/{token}', token({ purpose: 'preferences', topic: undefined })),
    );

    // Assess
    expect(response.body).toContain('value="onboarding" checked>');
    expect(response.body).toContain('value="newsletter">');
  });
});

describe('POST /preferences/{token}', () => {
  const prefs = () => token({ purpose: 'preferences', topic: undefined });

  it('saves the choices with source, time and proof, then confirms', async () => {
    // Act
    const response = await call(
      request('POST', '/preferences/{token}', prefs(), 'topic=newsletter&action=save'),
    );

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Your choices are saved');
    const [put, ...more] = puts();
    expect(more).toEqual([]);
    expect(put?.ConditionExpression).toBe('version = :version');
    const provenance = {
      at: new Date(NOW).toISOString(),
      source: 'preference_page',
      proof: { kind: 'link', reference: expect.stringMatching(/^sha256:/) },
    };
    expect(put?.Item?.consent.email.topics).toEqual({
      newsletter: { status: 'opted_in', ...provenance },
      onboarding: { status: 'opted_out', ...provenance },
    });
  });

  it('unsubscribes from the whole channel with the other button', async () => {
    // Act
    const response = await call(request('POST', '/preferences/{token}', prefs(), 'action=unsubscribe_all'));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(puts()[0]?.Item?.consent.email.channel).toMatchObject({
      status: 'opted_out',
      source: 'preference_page',
    });
  });

  it('answers 400 for an unknown topic and stores nothing', async () => {
    // Act
    const response = await call(
      request('POST', '/preferences/{token}', prefs(), 'topic=newsletter&topic=%3Cscript%3E&action=save'),
    );

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('&lt;script&gt;');
    expect(puts()).toEqual([]);
  });

  it('answers 400 for a form without an action and stores nothing', async () => {
    // Act
    const response = await call(request('POST', '/preferences/{token}', prefs(), 'topic=newsletter'));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(puts()).toEqual([]);
  });
});

describe('GET /consent/confirm/{token}', () => {
  it('shows a page whose button POSTs to the same link, and changes nothing (mail scanners prefetch GETs)', async () => {
    // Act
    const response = await call(request('GET', '/consent/confirm/{token}', token({ purpose: 'confirm' })));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<form method="post"><input type="hidden" name="confirm" value="yes">');
    expect(response.body).toContain('Yes, subscribe me');
    expect(puts()).toEqual([]);
  });

  it('speaks the contact’s language', async () => {
    // Prepare
    storeContact(contactWith({ email: 'ada@example.com', locale: 'fr-FR' }), 3);

    // Act
    const response = await call(request('GET', '/consent/confirm/{token}', token({ purpose: 'confirm' })));

    // Assess
    expect(response.body).toContain('<html lang="fr">');
    expect(response.body).toContain('Confirmez votre inscription');
    expect(response.body).toContain('Oui, je m&#39;inscris');
  });
});

describe('POST /consent/confirm/{token}', () => {
  it('refuses a POST without the page’s field, storing nothing', async () => {
    // Act
    const response = await call(
      request('POST', '/consent/confirm/{token}', token({ purpose: 'confirm' }), ''),
    );

    // Assess
    expect(response.statusCode).toBe(400);
    expect(puts()).toEqual([]);
  });

  it('records the double opt-in and thanks the contact', async () => {
    // Act
    const response = await call(
      request('POST', '/consent/confirm/{token}', token({ purpose: 'confirm' }), 'confirm=yes'),
    );

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Thank you');
    expect(puts()[0]?.Item?.consent.email.topics.newsletter).toEqual({
      status: 'opted_in',
      at: new Date(NOW).toISOString(),
      source: 'confirmation_link',
      proof: { kind: 'double_opt_in', reference: expect.stringMatching(/^sha256:/) },
    });
  });
});

describe('the signing key', () => {
  it('is read from Secrets Manager once per container', async () => {
    // Act
    await call(request('GET', '/u/{token}', token()));
    await call(request('GET', '/u/{token}', token()));

    // Assess
    const reads = secretsMock.commandCalls(GetSecretValueCommand);
    expect(reads).toHaveLength(1);
    expect(reads[0]?.args[0].input).toEqual({ SecretId: SECRET_ARN });
  });

  it('answers 503 without details when the secret cannot be read, and retries next time', async () => {
    // Prepare
    const denied = new Error(`User is not authorized to access ${SECRET_ARN}`);
    denied.name = 'AccessDeniedException';
    secretsMock.on(GetSecretValueCommand).rejectsOnce(denied).resolves({ SecretString: KEY });

    // Act
    const failed = await call(request('POST', '/u/{token}', token(), ONE_CLICK));
    const retried = await call(request('POST', '/u/{token}', token(), ONE_CLICK));

    // Assess
    expect(failed.statusCode).toBe(503);
    expect(failed.body).not.toMatch(/AccessDenied|arn:aws|authorized/);
    expect(retried.statusCode).toBe(200);
    expect(puts()).toHaveLength(1);
  });
});
