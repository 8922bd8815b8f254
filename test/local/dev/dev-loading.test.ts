// `relance dev` loaded the local page's module (its views over every table, previews, funnels) and
// the demo's before it said it was ready, though the page is read only when someone opens it and
// the demo plays only after the ready lines (and never with --no-demo): about 0.3 s of a CI start
// (1.15 s to import local/dev/dev.ts in a fresh process, the page's module 0.28 s of it once the
// runtime's were loaded). Both are now imported when first needed; the page still answers.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesizeForLocal } from '../../../local/dev/synth.ts';

const PROJECT_ROOT = resolve(import.meta.dirname, '../../..');

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

/** Resolves once `child` has printed `text`, with everything it printed so far. */
function printed(child: ChildProcessWithoutNullStreams, text: string, output: () => string): Promise<string> {
  return new Promise((done, fail) => {
    const look = () => {
      if (output().includes(text)) {
        child.stdout.off('data', look);
        done(output());
      }
    };
    child.stdout.on('data', look);
    child.once('close', () => fail(new Error(`ended before printing "${text}":\n${output()}`)));
  });
}

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
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--import',
        register,
        'bin/relance.ts',
        'dev',
        '--memory',
        '--no-demo',
        '--port',
        '0',
        '--cdk-out',
        cdkOut,
      ],
      { cwd: PROJECT_ROOT, env: { ...process.env, RELANCE_PORT: '' }, stdio: 'pipe' },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const closed = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    try {
      const ready = await printed(child, 'Ctrl-C', () => output);
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
      child.kill('SIGTERM');
      expect(await closed, output).toBe(0);
    }
  }, 60_000);
});
