// The AWS SDK is deployed with each function (lib/stateless/sdk-bundle.ts): built once for all
// functions, each function's code gets the clients its build imports, as packages Node resolves
// from the function's own folder.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploymentBuildOptions, SDK_SETTINGS } from '../../lib/stateless/function-bundle.ts';
import { copySdkBundle, sdkBuild, sdkImportsOf, sdkPackages } from '../../lib/stateless/sdk-bundle.ts';
import { PROJECT_ROOT } from '../support/local-system.ts';

const run = promisify(execFile);
let outdir: string;
let metafile: Metafile;
let copied: string[];

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), 'relance-sdk-bundle-'));
  const result = await build({
    ...deploymentBuildOptions(join(PROJECT_ROOT, 'functions/delivery/sms-inbound-handler.ts'), outdir),
    absWorkingDir: PROJECT_ROOT,
    metafile: true,
  });
  metafile = result.metafile;
  copied = copySdkBundle(metafile, outdir, SDK_SETTINGS);
}, 120_000);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('the AWS SDK in a function’s code', () => {
  it('holds the packages its build imports, and only those', () => {
    // The inbound-SMS handler reads and writes contacts and dead-letters malformed records.
    expect(sdkImportsOf(metafile)).toEqual([
      '@aws-sdk/client-dynamodb',
      '@aws-sdk/client-sqs',
      '@aws-sdk/lib-dynamodb',
    ]);
    const packages = readdirSync(join(outdir, 'node_modules', '@aws-sdk'));
    expect(packages.sort()).toEqual(['client-dynamodb', 'client-sqs', 'lib-dynamodb']);
    // The chunks the clients share, in a folder of their own (no package.json: nothing imports it by name).
    expect(readdirSync(join(outdir, 'node_modules')).sort()).toEqual(['@aws-sdk', 'relance-sdk-chunks']);
    for (const name of packages)
      expect(
        JSON.parse(readFileSync(join(outdir, 'node_modules', '@aws-sdk', name, 'package.json'), 'utf8')),
      ).toEqual({
        name: `@aws-sdk/${name}`,
        type: 'module',
        exports: './index.mjs',
      });
    expect(copied.length).toBeGreaterThan(3);
    for (const path of copied) expect(existsSync(path), path).toBe(true);
  });

  it('resolves from the function’s own folder and loads with nothing installed around it', async () => {
    const script = `
      const dynamo = await import('@aws-sdk/client-dynamodb');
      const documents = await import('@aws-sdk/lib-dynamodb');
      const sqs = await import('@aws-sdk/client-sqs');
      const client = documents.DynamoDBDocumentClient.from(new dynamo.DynamoDBClient({ region: 'eu-west-1' }));
      process.stdout.write(JSON.stringify({
        resolved: import.meta.resolve('@aws-sdk/client-dynamodb'),
        region: await client.config.region(),
        queue: typeof sqs.SendMessageCommand,
      }));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: outdir,
      env: { PATH: process.env.PATH ?? '' },
    });
    const answer = JSON.parse(stdout) as { resolved: string; region: string; queue: string };
    expect(answer.resolved).toContain(`${outdir}/node_modules/@aws-sdk/client-dynamodb/index.mjs`);
    expect(answer.region).toBe('eu-west-1');
    expect(answer.queue).toBe('function');
  });

  it('is built once for every function', () => {
    const first = sdkBuild(SDK_SETTINGS);
    expect(sdkBuild(SDK_SETTINGS)).toBe(first);
    for (const name of sdkPackages())
      expect(first.metafile.outputs[`node_modules/${name}/index.mjs`], name).toBeDefined();
  });

  it('is built whole by one of two synths starting at once, and both use it', async () => {
    const cache = join(outdir, 'sdk-cache');
    const script = `
      const { sdkBuild } = await import(${JSON.stringify(join(PROJECT_ROOT, 'lib/stateless/sdk-bundle.ts'))});
      const { SDK_SETTINGS } = await import(${JSON.stringify(join(PROJECT_ROOT, 'lib/stateless/function-bundle.ts'))});
      const { dir, metafile } = sdkBuild(SDK_SETTINGS, ${JSON.stringify(cache)});
      process.stdout.write(JSON.stringify({ dir, outputs: Object.keys(metafile.outputs).length }));`;
    const both = await Promise.all(
      [1, 2].map(() =>
        run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
          cwd: PROJECT_ROOT,
          env: { ...process.env, NODE_OPTIONS: '' },
        }),
      ),
    );
    const [first, second] = both.map(({ stdout }) => JSON.parse(stdout) as { dir: string; outputs: number });
    expect(second).toEqual(first);
    expect(first?.outputs).toBe(Object.keys(sdkBuild(SDK_SETTINGS).metafile.outputs).length);
    // One build kept, nothing half-built left beside it.
    expect(readdirSync(cache)).toEqual([first?.dir.split('/').at(-1)]);
  }, 120_000);

  it('refuses a package the project does not depend on, naming it', () => {
    const importing: Metafile = {
      inputs: {},
      outputs: {
        'index.mjs': {
          bytes: 0,
          inputs: {},
          exports: [],
          imports: [{ path: '@aws-sdk/client-s3', kind: 'dynamic-import', external: true }],
        },
      },
    };
    expect(() => copySdkBundle(importing, join(outdir, 'unused'), SDK_SETTINGS)).toThrow(
      '@aws-sdk/client-s3 is imported by a function but is not a dependency in package.json',
    );
  });
});
