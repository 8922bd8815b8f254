// `relance dev` loaded the local page's module (its views over every table, previews, funnels) and
// the demo's before it said it was ready, though the page is read only when someone opens it and
// the demo plays only after the ready lines (and never with --no-demo): about 0.3 s of a CI start
// (1.15 s to import local/dev/dev.ts in a fresh process, the page's module 0.28 s of it once the
// runtime's were loaded). Both are now imported when first needed; the page still answers.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesizeForLocal } from '../../../local/dev/synth.ts';
import { startDev } from '../../support/dev-process.ts';

// Module hooks in the child: every module it resolves is appended to the file named in `data`.
const RECORDER = `
import { appendFileSync } from 'node:fs';
let file;
export async function initialize(data) { file = data.file; }
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(file, resolved.url + '\\n');
  return resolved;
}
`;

let dir: string;
let cdkOut: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'relance-dev-loading-'));
  cdkOut = synthesizeForLocal(join(dir, 'cdk.out'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('relance dev, until it is ready', () => {
  it("loads neither the page's module nor the demo's, and serves the page once asked", async () => {
    const loaded = join(dir, 'loaded.txt');
    writeFileSync(loaded, '');
    const recorder = join(dir, 'recorder.mjs');
    writeFileSync(recorder, RECORDER);
    const register = join(dir, 'register.mjs');
    writeFileSync(
      register,
      `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${recorder}`)}, { data: { file: ${JSON.stringify(loaded)} } });\n`,
    );
    const dev = startDev(cdkOut, { nodeArgs: ['--import', register] });
    try {
      const ready = await dev.printed('Ctrl-C');
      const atReady = readFileSync(loaded, 'utf8');
      const pageUrl = /web page\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(ready)?.[1];
      expect(pageUrl, ready).toBeDefined();
      const page = await fetch(`${pageUrl}/`);
      const html = await page.text();
      const afterPage = readFileSync(loaded, 'utf8');

      // The runtime itself was loaded (the recorder works), the page's and the demo's modules not.
      expect(atReady).toContain('/local/dev/runtime.ts');
      expect(atReady).not.toContain('/local/dev/dashboard.ts');
      expect(atReady).not.toContain('/local/dev/demo.ts');
      expect(page.status).toBe(200);
      expect(html).toContain('<html');
      expect(afterPage).toContain('/local/dev/dashboard.ts');
      expect(afterPage).not.toContain('/local/dev/demo.ts');
    } finally {
      dev.child.kill('SIGTERM');
      const { code, output } = await dev.ended;
      expect(code, output).toBe(0);
    }
  }, 60_000);
});
