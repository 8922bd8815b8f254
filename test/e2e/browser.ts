/**
 * Headless Chromium for the end-to-end page tests: the build shipped inside the npm package
 * `@sparticuz/chromium` (a devDependency, so `npm ci` is the only install step), driven by
 * playwright-core. No apt package, no browser download (this machine's closed network would refuse
 * one). A browser that cannot start is a failure, never a skip, so a machine without one cannot
 * pass the page tests by accident.
 *
 * `RELANCE_CHROMIUM=/path/to/chromium` uses another Chromium instead (the npm build is Linux-only).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import serverlessChromium from '@sparticuz/chromium';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

/** Flags for a machine without network: no background fetches, no QUIC probing. */
const LOOPBACK_ARGS = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/**
 * The package's serverless flags (no sandbox, no zygote, headless shell, SwiftShader), less three:
 * the two that switch off the web's security model, so the page is tested under a browser's
 * ordinary rules, and `--single-process`, which Lambda's seccomp needs but which leaves the browser
 * unable to open a second context once the first is closed (each page test opens its own).
 */
const DROPPED = new Set(['--disable-web-security', '--allow-running-insecure-content', '--single-process']);
const SERVERLESS_ARGS = serverlessChromium.args.filter((flag) => !DROPPED.has(flag));

const PACKAGE_ENTRY = require.resolve('@sparticuz/chromium');
const PACKAGE_VERSION: string = JSON.parse(
  readFileSync(join(dirname(PACKAGE_ENTRY), '..', 'package.json'), 'utf8'),
).version;

/** Where the package's browser is unpacked, once per machine and version. */
const UNPACKED = join(tmpdir(), `relance-chromium-${PACKAGE_VERSION}`);

/**
 * Unpacks the package's Chromium (binary, SwiftShader, fonts; ~1.5 s the first time) and returns
 * the binary's path. The package unpacks into `os.tmpdir()` and trusts whatever it finds there, so
 * a run killed halfway would leave a truncated binary for good, and two suites starting at once
 * could launch each other's half-written file. Here the package unpacks in a child process whose
 * temporary directory is a fresh staging folder, which is then renamed into place in one step:
 * the folder is either complete or absent.
 */
async function unpackedChromium(): Promise<string> {
  const binary = join(UNPACKED, 'chromium');
  if (existsSync(binary)) return binary;
  const staging = mkdtempSync(join(tmpdir(), 'relance-chromium-staging-'));
  try {
    const script =
      'const { default: c } = await import(process.argv[1]); process.stdout.write(await c.executablePath());';
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', script, PACKAGE_ENTRY],
      { env: { ...process.env, TMPDIR: staging, TMP: staging, TEMP: staging } },
    );
    if (stdout !== join(staging, 'chromium')) {
      throw new Error(`@sparticuz/chromium unpacked to ${stdout}, expected ${join(staging, 'chromium')}`);
    }
    // The package's fonts.conf lists Lambda's folders; point it at the fonts unpacked here.
    writeFileSync(
      join(staging, 'fonts', 'fonts.conf'),
      `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n` +
        `  <dir>${join(UNPACKED, 'fonts')}</dir>\n  <cachedir>${join(UNPACKED, 'fonts-cache')}</cachedir>\n` +
        `</fontconfig>\n`,
    );
    try {
      renameSync(staging, UNPACKED);
    } catch (error) {
      // Another process finished first: its folder is complete, ours is discarded below.
      if (!existsSync(binary)) throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return binary;
}

/** Launches headless Chromium; throws (never skips) when no browser can start. */
export async function launchChromium(): Promise<Browser> {
  const override = process.env.RELANCE_CHROMIUM;
  if (override) {
    if (!existsSync(override)) throw new Error(`RELANCE_CHROMIUM=${override}: no such file`);
    return chromium.launch({
      executablePath: override,
      args: ['--no-sandbox', '--disable-gpu', ...LOOPBACK_ARGS],
      headless: true,
    });
  }
  if (process.platform !== 'linux') {
    throw new Error(
      `@sparticuz/chromium ships a Linux build only (this is ${process.platform}): ` +
        'set RELANCE_CHROMIUM to a local Chromium or Chrome binary.',
    );
  }
  const executablePath = await unpackedChromium();
  return chromium.launch({
    executablePath,
    args: [...SERVERLESS_ARGS, ...LOOPBACK_ARGS],
    headless: true,
    env: { ...process.env, FONTCONFIG_PATH: join(UNPACKED, 'fonts') },
  });
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
