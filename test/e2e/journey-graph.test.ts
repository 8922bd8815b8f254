// The Journeys view of the local page (issue 13): after the demo, the abandoned-cart journey is drawn
// as a graph from its definition, each step with the counts the report gives, and a click on a
// step lists its messages. Checked in headless Chromium.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPreview, preview } from '../../bin/cli/preview.ts';
import { report } from '../../bin/cli/report.ts';
import { sendTest } from '../../bin/cli/send-test.ts';
import { dashboardWeb, type JourneyView } from '../../local/dev/dashboard.ts';
import { playDemo } from '../../local/dev/demo.ts';
import { TRIGGER_NODE } from '../../local/dev/journey-graph.ts';
import { type LocalRuntime, startLocalRuntime } from '../../local/dev/runtime.ts';
import { synthesizeForLocal } from '../../local/dev/synth.ts';
import { abandonedCart } from '../../workflows/journeys/abandoned-cart.ts';
import { API_KEY, hours, PROJECT_ROOT, T0 } from '../support/local-system.ts';
import { launchChromium, loopbackContext } from './browser.ts';

describe('the Journeys view', () => {
  let cdkOut: string | undefined;
  let runtime: LocalRuntime;
  let browser: Browser | undefined;

  beforeAll(async () => {
    cdkOut = mkdtempSync(join(tmpdir(), 'relance-graph-cdk-'));
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
    await playDemo(runtime, () => {});
    await runtime.advance(hours(48));
  });

  afterAll(async () => {
    await browser?.close();
    await runtime?.stop();
    if (cdkOut) rmSync(cdkOut, { recursive: true, force: true });
  });

  async function abandonedCartView(): Promise<JourneyView | undefined> {
    const response = await fetch(`${runtime.endpoint}/_relance/journeys`);
    expect(response.status).toBe(200);
    return ((await response.json()) as JourneyView[]).find((j) => j.journeyId === 'abandoned-cart');
  }

  it("lays out every step and link of the definition, with the report's counts on each step", async () => {
    const view = await abandonedCartView();
    const funnel = await report('abandoned-cart', {
      projectRoot: PROJECT_ROOT,
      endpoint: runtime.endpoint,
      aws: false,
      cdkOut,
    });

    expect(view?.layout.nodes.map((n) => n.id).sort()).toEqual(
      [TRIGGER_NODE, ...Object.keys(abandonedCart.steps)].sort(),
    );
    // Trigger → start, then each link of each step.
    const links = (view?.layout.edges ?? []).map((e) => `${e.from}→${e.to}`);
    expect(links).toContain(`${TRIGGER_NODE}→${abandonedCart.start}`);
    expect(links).toContain('await-order→first-reminder');
    for (const edge of view?.layout.edges ?? []) expect(edge.points.length).toBeGreaterThanOrEqual(2);
    for (const step of funnel.steps) {
      // The page reads the ledger (and shows what is still in flight); the report, the counters.
      const { inFlight, ...counted } = view?.layout.nodes.find((n) => n.id === step.id)?.funnel ?? {};
      expect(counted).toEqual(step);
      expect(inFlight).toBe(0);
    }
    expect(view?.runs).toEqual(funnel.runs);
    // Nodes do not overlap: dagre placed them.
    const nodes = view?.layout.nodes ?? [];
    for (const a of nodes)
      for (const b of nodes)
        if (a !== b) expect(Math.abs(a.x - b.x) >= a.width || Math.abs(a.y - b.y) >= a.height).toBe(true);
  });

  it('draws the graph with counts in headless Chromium, and a click on a step lists its messages', async () => {
    browser = await launchChromium();
    const { context, blocked } = await loopbackContext(browser);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const funnel = await report('abandoned-cart', {
      projectRoot: PROJECT_ROOT,
      endpoint: runtime.endpoint,
      aws: false,
      cdkOut,
    });
    const reminder = funnel.steps.find((s) => s.id === 'first-reminder');

    await page.goto(`${runtime.endpoint}/`);
    const graph = page.locator('[data-journey-view="abandoned-cart"] svg');
    await graph.waitFor();
    const node = graph.locator('g.node[data-node="first-reminder"]');
    const nodeText = await node.textContent();
    await node.click();
    const panel = page.locator('[data-journey-view="abandoned-cart"] .jside');
    await panel.locator('h3', { hasText: 'first-reminder' }).waitFor();

    expect(await graph.locator('g.node').count()).toBe(Object.keys(abandonedCart.steps).length + 1);
    expect(await graph.locator('polyline').count()).toBeGreaterThanOrEqual(
      Object.keys(abandonedCart.steps).length,
    );
    expect(nodeText).toContain(`${reminder?.sent} sent · ${reminder?.skipped} skipped`);
    expect(await panel.locator('p.report').textContent()).toContain(`entered ${funnel.runs.entered}`);
    // One row per message the step attempted (sent and skipped).
    expect(await panel.locator('tbody tr').count()).toBe((reminder?.sent ?? 0) + (reminder?.skipped ?? 0));
    expect(await panel.textContent()).toContain('unsubscribed');
    expect(pageErrors).toEqual([]);
    expect(blocked).toEqual([]);
    await context.close();
  });

  it('previews a template for a contact of the runtime from the command line, and refuses an unknown one', async () => {
    const options = { projectRoot: PROJECT_ROOT, endpoint: runtime.endpoint, aws: false, cdkOut };
    const document = await preview('welcome', { ...options, contact: 'grace@example.com', marketing: true });

    expect(document.preview).toMatchObject({ channel: 'email', subject: expect.stringContaining('Grace') });
    expect(formatPreview(document)[1]).toMatch(/^subject: .*Grace/);
    await expect(preview('welcome', { ...options, contact: 'nobody@example.com' })).rejects.toThrow(
      '--contact: no contact found for nobody@example.com',
    );
    await expect(preview('nope', { ...options, contact: 'grace@example.com' })).rejects.toThrow(
      'unknown template "nope"',
    );
  });

  it('previews the same on the page, and names a bad parameter with a 400', async () => {
    const bad = await fetch(
      `${runtime.endpoint}/_relance/preview?template=welcome&contact=grace@example.com&trigger=%7B`,
    );
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ field: 'trigger', message: 'not JSON' });

    browser ??= await launchChromium();
    const { context, blocked } = await loopbackContext(browser);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${runtime.endpoint}/`);
    await page.locator('#pv-template option[value="welcome-sms-offer"]').waitFor({ state: 'attached' });
    await page.selectOption('#pv-template', 'welcome-sms-offer');
    await page.fill('#pv-contact', 'ada@example.com');
    await page.click('#pv-go');
    await page.locator('#pv-result .sms-parts').waitFor();

    expect(await page.locator('#pv-result .sms-parts').textContent()).toMatch(/^1 part\(s\), GSM-7/);
    expect(await page.locator('#pv-result pre').textContent()).toContain('HELLO10');
    expect(pageErrors).toEqual([]);
    expect(blocked).toEqual([]);
    await context.close();
  });

  it('sends a test through the send path to a declared test address, recorded as a test and never counted', async () => {
    const options = { projectRoot: PROJECT_ROOT, endpoint: runtime.endpoint, aws: false, cdkOut };
    const before = await report('abandoned-cart', options);
    const trigger = JSON.stringify({
      cartId: 'test-cart',
      items: [{ sku: 'LAMP-01', name: 'Brass desk lamp', qty: 1, price: 89 }],
      value: 89,
      currency: 'EUR',
    });

    const result = await sendTest('abandoned-cart/first-reminder', {
      ...options,
      to: 'marketing@shop.example.com',
      contact: 'grace@example.com',
      trigger,
    });

    expect(result.outcome).toMatchObject({ status: 'sent' });
    const email = runtime.ses.emails().find((e) => e.destination.to.includes('marketing@shop.example.com'));
    expect(email?.subject).toContain('Grace');
    expect(email?.body.text).toContain('Brass desk lamp');
    const ledger = (await (await fetch(`${runtime.endpoint}/_relance/ledger`)).json()) as Array<{
      ledgerKey: string;
      test?: boolean;
      explanation: string;
    }>;
    expect(ledger.find((e) => e.ledgerKey === result.ledgerKey)).toMatchObject({
      test: true,
      explanation: expect.stringMatching(/^test send \(relance send-test\): sent/),
    });
    expect((await report('abandoned-cart', options)).steps).toEqual(before.steps);
    await expect(
      sendTest('abandoned-cart/first-reminder', { ...options, to: 'someone@example.org' }),
    ).rejects.toThrow("--to: someone@example.org is not on the deployment's test list");
    await expect(
      sendTest('abandoned-cart/await-order', { ...options, to: 'marketing@shop.example.com' }),
    ).rejects.toThrow('"await-order" is not a send step of abandoned-cart');
  });

  it("e-mails the weekly digest on Monday at 08:00 with each journey's week as the report gives it", async () => {
    const options = { projectRoot: PROJECT_ROOT, endpoint: runtime.endpoint, aws: false, cdkOut };
    // The demo started on Monday 2 March 2026 at 10:00 UTC; the digest is due Monday 9 March, 08:00 in Paris.
    const due = Date.parse('2026-03-09T07:00:00Z');
    const digests = () => runtime.ses.emails().filter((e) => e.subject.startsWith('relance weekly digest'));
    expect(digests()).toEqual([]);

    await runtime.advance(due - runtime.clock.now() + 60_000);

    const [digest] = digests();
    expect(digest?.destination.to).toEqual(['marketing@shop.example.com']);
    // The week the digest covers: the seven whole days before Monday 9 March.
    const week = await report('abandoned-cart', { ...options, since: '2026-03-02' });
    const sent = week.steps.reduce((n, s) => n + s.sent, 0);
    expect(digest?.body.text).toContain(`abandoned-cart: ${week.runs.entered} entered, ${sent} sent,`);
    expect(digest?.body.text).toContain('journey abandoned-cart (since ');
  });
});
