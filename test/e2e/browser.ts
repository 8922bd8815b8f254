/**
 * Headless Chromium for the end-to-end page tests: Debian's own build driven by playwright-core
 * (no browser download, which this machine's closed network would refuse). A missing Chromium is
 * a failure, never a skip, so a machine without it cannot pass the page tests by accident.
 */
import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags for a machine without network: no background fetches, no QUIC probing, no sandbox (root). */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches Debian's Chromium; throws with the install command when it is absent. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed (${CHROMIUM_PATH} is missing): install the Debian package "chromium" ` +
        "with `apt-get update && apt-get install -y chromium` (CI's .ci/run does this).",
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** Hosts a page under test may reach: this machine only. */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * A browser context that lets requests reach only loopback addresses; any other request is
 * aborted and listed in `blocked`, so a test can assert the page needs nothing from outside.
 */
export async function loopbackContext(
  browser: Browser,
): Promise<{ context: BrowserContext; blocked: string[] }> {
  const context = await browser.newContext();
  const blocked: string[] = [];
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if ((url.protocol === 'http:' || url.protocol === 'https:') && !LOOPBACK.has(url.hostname)) {
      blocked.push(url.href);
      await route.abort('blockedbyclient');
      return;
    }
    await route.continue();
  });
  return { context, blocked };
}
