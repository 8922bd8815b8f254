// Lead form submissions and rate limits against a real DynamoDB API (dynalite in process): claims
// that make retries idempotent, the crash window before publishing, and races for one id or one
// rate window.
import { type DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LeadForm } from '../../../functions/leads/lead-form.ts';
import type { SubmissionRepository as Repository } from '../../../functions/leads/submission-repository.ts';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.ts';

const TABLE = 'lead-submissions-test';
const AT = '2026-11-23T10:00:00.000Z';
const AT_SECONDS = Date.parse(AT) / 1000;
const WEEK_SECONDS = 7 * 24 * 60 * 60;

let dynamo: LocalDynamo;
let raw: DynamoDBDocumentClient;
let repository: Repository;
let digestOf: (form: LeadForm) => string;

beforeAll(async () => {
  dynamo = await startDynalite();
  raw = dynamo.documents;
  await dynamo.createTable(TABLE);
  const module = await import('../../../functions/leads/submission-repository.ts');
  repository = new module.SubmissionRepository(TABLE);
  digestOf = module.digestOf;
});

afterAll(async () => {
  await dynamo?.stop();
});

function form(overrides: Partial<LeadForm> = {}): LeadForm {
  return {
    email: 'grace@acme.example',
    company: 'Acme',
    emailConsent: true,
    smsConsent: false,
    ...overrides,
  };
}

async function storedSubmission(submissionId: string) {
  const { Item } = await raw.send(
    new GetCommand({ TableName: TABLE, Key: { pk: `SUBMISSION#${submissionId}`, sk: 'SUBMISSION' } }),
  );
  return Item;
}

describe('digestOf', () => {
  it('depends on the content, not on the order of the keys', () => {
    // Prepare
    const one = form({ firstName: 'Grace', companySize: 250 });
    const reordered: LeadForm = {
      smsConsent: false,
      companySize: 250,
      firstName: 'Grace',
      emailConsent: true,
      company: 'Acme',
      email: 'grace@acme.example',
    };

    // Assess
    expect(digestOf(one)).toMatch(/^[0-9a-f]{64}$/);
    expect(digestOf(reordered)).toBe(digestOf(one));
    expect(digestOf({ ...one, lastName: undefined })).toBe(digestOf(one));
    expect(digestOf(form({ firstName: 'Grace', companySize: 251 }))).not.toBe(digestOf(one));
    expect(digestOf(form({ smsConsent: true }))).not.toBe(digestOf(form()));
  });
});

describe('claim', () => {
  it('claims a new id, then answers repeat for the same content and conflict for other content', async () => {
    // Prepare
    const digest = digestOf(form());

    // Act
    const first = await repository.claim('sub-claim-1', digest, 'lead-1', AT);
    const again = await repository.claim('sub-claim-1', digest, 'lead-other', '2026-11-23T10:00:05.000Z');
    const changed = await repository.claim('sub-claim-1', digestOf(form({ company: 'Other' })), 'lead-x', AT);

    // Assess
    expect(first).toEqual({ kind: 'new' });
    expect(again).toEqual({ kind: 'repeat', leadId: 'lead-1', claimedAt: AT, completed: false });
    expect(changed).toEqual({ kind: 'conflict' });
    expect(await storedSubmission('sub-claim-1')).toMatchObject({
      digest,
      leadId: 'lead-1',
      state: 'pending',
      claimedAt: AT,
      expiresAt: AT_SECONDS + WEEK_SECONDS,
    });
  });

  it('says completed once the submission was published, and completing is idempotent', async () => {
    // Prepare
    const digest = digestOf(form({ firstName: 'Ada' }));
    await repository.claim('sub-claim-2', digest, 'lead-2', AT);

    // Act
    await repository.complete('sub-claim-2', '2026-11-23T10:00:01.000Z');
    await repository.complete('sub-claim-2', '2026-11-23T10:00:09.000Z');
    const retry = await repository.claim('sub-claim-2', digest, 'lead-other', AT);

    // Assess
    expect(retry).toEqual({ kind: 'repeat', leadId: 'lead-2', claimedAt: AT, completed: true });
    expect(await storedSubmission('sub-claim-2')).toMatchObject({
      state: 'completed',
      completedAt: '2026-11-23T10:00:01.000Z',
    });
  });

  it('refuses to complete a submission that was never claimed, and stores nothing', async () => {
    // Assess
    await expect(repository.complete('sub-never', AT)).rejects.toThrow(/never claimed/);
    expect(await storedSubmission('sub-never')).toBeUndefined();
  });

  it('treats a claim past its expiry as gone, before DynamoDB deletes it', async () => {
    // Prepare: a claim from more than a week ago that the TTL sweep has not removed yet.
    await raw.send(
      new PutCommand({
        TableName: TABLE,
        Item: {
          pk: 'SUBMISSION#sub-claim-3',
          sk: 'SUBMISSION',
          digest: 'old',
          leadId: 'lead-old',
          state: 'completed',
          claimedAt: '2026-11-01T10:00:00.000Z',
          expiresAt: AT_SECONDS - 1,
        },
      }),
    );

    // Act
    const result = await repository.claim('sub-claim-3', digestOf(form()), 'lead-3', AT);

    // Assess
    expect(result).toEqual({ kind: 'new' });
    expect(await storedSubmission('sub-claim-3')).toMatchObject({ leadId: 'lead-3', state: 'pending' });
  });

  it('gives exactly one of 20 concurrent claims of one id the new lead', async () => {
    // Prepare
    const digest = digestOf(form({ message: 'race' }));

    // Act
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => repository.claim('sub-race', digest, `lead-race-${i}`, AT)),
    );

    // Assess
    const winners = results.flatMap((result, i) => (result.kind === 'new' ? [`lead-race-${i}`] : []));
    expect(winners).toHaveLength(1);
    const owner = (await storedSubmission('sub-race'))?.leadId;
    expect(owner).toBe(winners[0]);
    for (const result of results) {
      if (result.kind !== 'new')
        expect(result).toEqual({ kind: 'repeat', leadId: owner, claimedAt: AT, completed: false });
    }
  });
});

describe('takeRateToken', () => {
  const WINDOW = 60;
  const windowStartMs = Math.floor(Date.parse(AT) / 1000 / WINDOW) * WINDOW * 1000;

  it('allows the limit in a window, refuses the next until the window ends, then allows again', async () => {
    // Act
    const taken = [];
    for (let i = 0; i < 5; i++)
      taken.push(await repository.takeRateToken('203.0.113.7', 5, WINDOW, windowStartMs + i * 1000));
    const sixth = await repository.takeRateToken('203.0.113.7', 5, WINDOW, windowStartMs + 20_500);
    const otherClient = await repository.takeRateToken('198.51.100.1', 5, WINDOW, windowStartMs + 20_500);
    const nextWindow = await repository.takeRateToken(
      '203.0.113.7',
      5,
      WINDOW,
      windowStartMs + WINDOW * 1000,
    );

    // Assess
    expect(taken.every((t) => t.allowed && t.retryAfterSeconds === 0)).toBe(true);
    expect(sixth).toEqual({ allowed: false, retryAfterSeconds: 40 });
    expect(otherClient).toEqual({ allowed: true, retryAfterSeconds: 0 });
    expect(nextWindow).toEqual({ allowed: true, retryAfterSeconds: 0 });
  });

  it('lets exactly the limit through when 30 requests race', async () => {
    // Act
    const results = await Promise.all(
      Array.from({ length: 30 }, () =>
        repository.takeRateToken('192.0.2.44', 10, WINDOW, windowStartMs + 1000),
      ),
    );

    // Assess
    expect(results.filter((r) => r.allowed)).toHaveLength(10);
    expect(results.filter((r) => !r.allowed)).toHaveLength(20);
  });

  it('refuses everything with a limit below 1', async () => {
    // Assess
    expect(await repository.takeRateToken('192.0.2.45', 0, WINDOW, windowStartMs)).toEqual({
      allowed: false,
      retryAfterSeconds: 60,
    });
  });

  it('stores a hash of the client key, never the key, and expires the counter after its window', async () => {
    // Prepare
    await repository.takeRateToken('192.0.2.99', 3, WINDOW, windowStartMs);

    // Act
    const { Items = [] } = await raw.send(new ScanCommand({ TableName: TABLE }));

    // Assess
    const rates = Items.filter((item) => String(item.pk).startsWith('RATE#'));
    expect(rates.length).toBeGreaterThan(0);
    expect(JSON.stringify(Items)).not.toMatch(/192\.0\.2\.|203\.0\.113\.|198\.51\.100\./);
    const windowStart = windowStartMs / 1000;
    expect(rates).toContainEqual(
      expect.objectContaining({
        pk: expect.stringMatching(new RegExp(`^RATE#[0-9a-f]{64}#${windowStart}$`)),
        sk: 'RATE',
        hits: 1,
        expiresAt: windowStart + WINDOW + 60,
      }),
    );
  });
});
