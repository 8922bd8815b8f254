// `--json` and RELANCE_PORT against the local system: the command line, run as a user does, reads the
// runtime this test started and prints the report objects the modules build, or their text unchanged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audience, formatAudience } from '../../bin/cli/audience.ts';
import { formatWhy, why, whyDocument } from '../../bin/cli/why.ts';
import {
  days,
  eventId,
  type LocalSystem,
  PROJECT_ROOT,
  startLocalSystem,
  T0,
} from '../support/local-system.ts';
import { relance } from './relance.ts';

let system: LocalSystem;
const at = (ms: number) => new Date(ms).toISOString();

beforeAll(async () => {
  system = await startLocalSystem();
  // Ada signs up (the welcome e-mail goes out) and last ordered 120 days ago: in lapsed-90.
  await system.put('contact.signed_up', {
    eventId: eventId('signup'),
    occurredAt: at(T0),
    source: 'shop.test',
    contact: { email: 'ada@example.com' },
    country: 'FR',
  });
  await system.put('order.completed', {
    eventId: eventId('order'),
    occurredAt: at(T0 - days(120)),
    source: 'shop.test',
    contact: { email: 'ada@example.com' },
    orderId: eventId('o'),
    items: [{ sku: 'SKU-1', name: 'Mug', qty: 1, price: 40 }],
    total: 40,
    currency: 'EUR',
  });
});
afterAll(async () => {
  await system?.stop();
});

/** The local system's port, as `relance dev` would have it in RELANCE_PORT. */
const relancePort = () => ({ RELANCE_PORT: new URL(system.endpoint).port });
const local = () => ({
  projectRoot: PROJECT_ROOT,
  cdkOut: system.cdkOut,
  endpoint: system.endpoint,
  aws: false,
});

describe('relance audience --json', () => {
  it('prints the audience report, reading the runtime at RELANCE_PORT', async () => {
    // Arrange
    const report = await audience('lapsed-90', local());

    // Act
    const json = await relance(['audience', 'lapsed-90', '--json', '--cdk-out', system.cdkOut], {
      env: relancePort(),
    });
    const text = await relance(['audience', 'lapsed-90', '--cdk-out', system.cdkOut], { env: relancePort() });

    // Assess: the same report, evaluated at the runtime's "now" (the wall clock here) when each ran.
    expect(json.code).toBe(0);
    expect(report.count).toBe(1);
    const document = JSON.parse(json.stdout);
    expect(document).toEqual({ ...report, evaluatedAt: expect.any(String) });
    expect(text.code).toBe(0);
    const evaluatedAt = /evaluated at (\S+)$/m.exec(text.stdout)?.[1] ?? '';
    expect(text.stdout).toBe(`${formatAudience({ ...report, evaluatedAt }).join('\n')}\n`);
  });
});

describe('relance why --json', () => {
  it('prints the contact and its ledger entries, each explained', async () => {
    // Arrange
    const report = await why('ada@example.com', local());
    if (!report) throw new Error('no contact for ada@example.com');

    // Act
    const json = await relance(['why', 'ada@example.com', '--json', '--cdk-out', system.cdkOut], {
      env: relancePort(),
    });
    const text = await relance(
      ['why', 'ada@example.com', '--endpoint', system.endpoint, '--cdk-out', system.cdkOut],
      { env: { RELANCE_PORT: '9' } },
    );

    // Assess
    expect(json.code).toBe(0);
    const document = JSON.parse(json.stdout);
    expect(document).toEqual(JSON.parse(JSON.stringify(whyDocument(report))));
    expect(document.contact.email).toBe('ada@example.com');
    expect(document.entries).toEqual([
      expect.objectContaining({
        journeyId: 'welcome',
        stepId: 'welcome-email',
        explanation: expect.any(String),
      }),
    ]);
    expect(text.code).toBe(0);
    expect(text.stdout).toBe(`${formatWhy(report).join('\n')}\n`);
  });

  it('says so on stderr and exits 1 for a contact it does not know', async () => {
    // Act
    const { code, stdout, stderr } = await relance(
      ['why', 'nobody@example.com', '--json', '--cdk-out', system.cdkOut],
      { env: relancePort() },
    );

    // Assess
    expect(code).toBe(1);
    expect(stdout).toBe('');
    // (after the AWS SDK's warnings about the Node.js version, if any)
    expect(stderr).toMatch(/^no contact found for nobody@example\.com\n$/m);
  });
});

describe('relance campaign --json', () => {
  it('prints the forecast of the next pass', async () => {
    // Act
    const { code, stdout } = await relance(
      ['campaign', 'win-back', '--dry-run', '--json', '--cdk-out', system.cdkOut],
      { env: relancePort() },
    );

    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      journeyId: 'win-back',
      segment: 'lapsed-90',
      audience: 1,
      steps: expect.any(Array),
      cost: expect.objectContaining({ total: expect.any(Number) }),
    });
  });
});
