import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RELANCE_SOURCE } from '#platform/env-names.ts';
import {
  dashboardWeb,
  type EventsView,
  type OutboxView,
  type StatusView,
} from '../../local/dev/dashboard.ts';
import { type LocalRuntime, startLocalRuntime } from '../../local/dev/runtime.ts';
import { synthesizeForLocal } from '../../local/dev/synth.ts';
import type { TemplateCheck } from '../../local/dev/template-check.ts';
import { API_KEY, eventId, PROJECT_ROOT, T0 } from '../support/local-system.ts';
import { launchChromium, loopbackContext } from './browser.ts';

const GRACE = 'grace@example.com';
const SUBJECT = 'Welcome to Relance Demo Shop';
// Markup in event data must show as text on the page, never run.
const HOSTILE = '<img src=x onerror=window.__pwned=1>';

const NOT_DEPLOYABLE: TemplateCheck = {
  state: 'not deployable',
  detail:
    "cdk deploy would fail: 1 finding(s), validated in 4.2 s (CloudFormation's rules, as cdk synth runs them)",
  findings: [
    {
      rule: 'E3012',
      severity: 'error',
      description: "VisibilityTimeout: 'soon' is not of type 'integer'",
      resources: ['Queue4A7E3555 (Small.template.json)'],
    },
  ],
  seconds: 4.2,
};

describe('the local page and its JSON views', () => {
  let cdkOut: string | undefined;
  let runtime: LocalRuntime;
  let events: EventBridgeClient;
  let browser: Browser | undefined;

  /** Puts an event on the relance bus with the real SDK, as the harness does, and waits for quiet. */
  async function put(source: string, detailType: string, detail: Record<string, unknown>): Promise<void> {
    const result = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: runtime.app.buses[0]?.name ?? 'default',
            Source: source,
            DetailType: detailType,
            Detail: JSON.stringify(detail),
          },
        ],
      }),
    );
    if (result.FailedEntryCount) throw new Error(`PutEvents failed: ${JSON.stringify(result.Entries)}`);
    await runtime.idle();
  }

  async function getJson<T>(path: string): Promise<T> {
    const response = await fetch(`${runtime.endpoint}${path}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    return (await response.json()) as T;
  }

  beforeAll(async () => {
    // Same start as test/support/local-system.ts, plus the page.
    cdkOut = mkdtempSync(join(tmpdir(), 'relance-e2e-cdk-'));
    synthesizeForLocal(cdkOut);
    runtime = await startLocalRuntime({
      projectRoot: PROJECT_ROOT,
      cdkOut,
      port: 0,
      clock: { mode: 'virtual', start: T0 },
      apiKey: API_KEY,
      environmentOverrides: { POWERTOOLS_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'SILENT' },
      web: dashboardWeb,
    });
    // As relance dev sets it once its validation found what would fail a deploy (template-check.ts).
    runtime.templateCheck = () => NOT_DEPLOYABLE;
    events = new EventBridgeClient({
      endpoint: runtime.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 't', secretAccessKey: 't' },
    });
    await put('shop.test', 'contact.signed_up', {
      eventId: eventId('signup'),
      occurredAt: new Date(T0).toISOString(),
      source: 'shop.test',
      contact: { email: GRACE },
      firstName: 'Grace',
    });
    // relance's own source: the producer rule excludes it and no journey listens for it.
    await put(RELANCE_SOURCE, 'segment.entered', { eventId: eventId('segment'), segment: HOSTILE });
  });

  afterAll(async () => {
    await browser?.close();
    events?.destroy();
    await runtime?.stop();
    if (cdkOut) rmSync(cdkOut, { recursive: true, force: true });
  });

  it('lists the welcome e-mail with its journey, step and ledger decision', async () => {
    // Act
    const outbox = await getJson<OutboxView>('/_relance/outbox');

    // Assess
    const email = outbox.emails.find((e) => e.to.includes(GRACE));
    expect(email).toMatchObject({ journey: 'welcome', step: 'welcome-email', ledger: { status: 'sent' } });
    expect(email?.subject).toContain(SUBJECT);
  });

  it('reports an event no rule matched', async () => {
    // Act
    const view = await getJson<EventsView>('/_relance/events');

    // Assess
    expect(view.unmatched.map((e) => e.detailType)).toContain('segment.entered');
    expect(view.events.find((e) => e.detailType === 'segment.entered')).toMatchObject({
      source: RELANCE_SOURCE,
      unmatched: true,
      matchedRules: [],
    });
    expect(view.events.find((e) => e.detailType === 'contact.signed_up')?.unmatched).toBe(false);
  });

  it('serves the status, the other views, and 404 for unknown paths', async () => {
    // Act
    const status = await getJson<StatusView>('/_relance/status');
    for (const view of [
      'ledger',
      'runs',
      'executions',
      'contacts',
      'schedules',
      'leads',
      'reps',
      'passes',
      'segments',
    ])
      await getJson(`/_relance/${view}`);
    const missing = await fetch(`${runtime.endpoint}/_relance/nope`);

    // Assess
    expect(status).toMatchObject({
      clock: new Date(T0).toISOString(),
      mode: 'virtual',
      endpoint: runtime.endpoint,
    });
    expect(status.counts.emails).toBe(1);
    expect(status.templates).toEqual(NOT_DEPLOYABLE);
    expect(missing.status).toBe(404);
  });

  it('shows the outbox and the run in headless Chromium, with data as text', async () => {
    // Prepare
    browser = await launchChromium();
    const { context, blocked } = await loopbackContext(browser);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));

    // Act
    await page.goto(`${runtime.endpoint}/`);
    const outbox = page.locator('#outbox');
    const message = outbox.locator('details.msg', { hasText: GRACE });
    await message.waitFor();
    await page.locator('#runs tr[data-journey="welcome"]').waitFor();
    await page.locator('#events tr.unmatched', { hasText: 'segment.entered' }).first().waitFor();
    await message.locator('summary').click();
    const mailText = await page
      .frameLocator('#outbox details.msg[open] iframe')
      .locator('body')
      .textContent();

    // Assess
    expect(await page.title()).toBe('relance local');
    expect(await message.locator('summary').textContent()).toContain(SUBJECT);
    expect(await message.locator('summary').textContent()).toContain('welcome-email');
    expect(mailText).toContain('Grace');
    expect(await page.locator('#runs tr[data-journey="welcome"]').first().textContent()).toContain(
      'contact:',
    );
    expect(await page.locator('#clock').textContent()).toBe('2026-03-02 10:00:00Z');
    expect(await page.locator('#events').textContent()).toContain(HOSTILE);
    expect(await page.locator('#deployable').textContent()).toBe(
      `templates not deployable: ${NOT_DEPLOYABLE.detail}`,
    );
    expect(await page.locator('#deployable').getAttribute('title')).toBe(
      "error E3012: VisibilityTimeout: 'soon' is not of type 'integer' (Queue4A7E3555 (Small.template.json))",
    );
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(pageErrors).toEqual([]);
    expect(blocked).toEqual([]);
    await context.close();
  });

  it('shows leads, reps, segments and passes, and an e-mail attachment as text', async () => {
    // Prepare: a Paris lead (Julien's postcode territory) and a demo booked with Claire
    const posted = await fetch(`${runtime.endpoint}/v1/leads`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://shop.example.com' },
      body: new URLSearchParams({
        email: 'page.prospect@client.example',
        country: 'FR',
        postcode: '75011',
        productInterest: 'analytics',
        language: 'fr',
      }).toString(),
    });
    expect(posted.status).toBe(202);
    const { leadId } = (await posted.json()) as { leadId: string };
    await put('shop.test', 'appointment.booked', {
      eventId: eventId('appointment'),
      occurredAt: new Date(T0).toISOString(),
      source: 'calendar.test',
      contact: { email: GRACE },
      appointmentId: 'apt-page-1',
      repId: 'claire-martin',
      startsAt: '2026-03-04T14:00:00Z',
      durationMinutes: 45,
      location: 'https://meet.example.com/claire',
      title: 'relance demo',
    });
    browser ??= await launchChromium();
    const { context, blocked } = await loopbackContext(browser);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));

    // Act
    await page.goto(`${runtime.endpoint}/`);
    const lead = page.locator(`#leads tr[data-lead="${leadId}"]`);
    await lead.waitFor();
    const confirmation = page.locator('#outbox details.msg', { hasText: 'Your appointment' });
    // The message's own line: its attachments have summaries too.
    const confirmationLine = confirmation.locator(':scope > summary');
    await confirmationLine.click();
    const attachment = confirmation.locator('details.att');
    await attachment.locator('summary').click();

    // Assess
    expect(await lead.textContent()).toContain('Julien Moreau');
    expect(await lead.textContent()).toContain('territory_skills');
    expect(await page.locator('#reps tr[data-rep="julien-moreau"]').textContent()).toContain('1 / 30');
    expect(await page.locator('#reps tr[data-rep="julien-moreau"]').textContent()).toContain('on duty');
    expect(await page.locator('#segments tr[data-segment="customers"]').textContent()).toContain(
      'Placed at least one order.',
    );
    expect(await page.locator('#passes').textContent()).toContain('no audience pass yet');
    expect(await confirmationLine.textContent()).toContain('relance-demo.ics');
    expect(await attachment.locator('summary').textContent()).toContain('text/calendar');
    expect(await attachment.locator('pre').textContent()).toContain('DTSTART:20260304T140000Z');
    expect(pageErrors).toEqual([]);
    expect(blocked).toEqual([]);
    await context.close();
  });
});
