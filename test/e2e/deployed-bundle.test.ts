// The local runtime runs each handler from its source (bundled in one file, packages from
// node_modules), so nothing ran the code synth deploys: here the deployed bundles themselves
// (lib/stateless/function-bundle.ts: split into chunks, with the AWS SDK clients they call, built
// once for all functions: lib/stateless/sdk-bundle.ts) run in a fresh Node process with the environment Lambda gives
// the function, against the local AWS, whose edge checks each call against the function's role.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploymentBuildOptions, packageFunctionCode } from '../../lib/stateless/function-bundle.ts';
import { PARIS_COMPANY } from '../support/leads.ts';
import {
  eventId,
  type LocalSystem,
  PROJECT_ROOT,
  signUpPosted,
  startLocalSystem,
} from '../support/local-system.ts';

const run = promisify(execFile);
let system: LocalSystem;
let bundles: string;

beforeAll(async () => {
  system = await startLocalSystem();
  // Outside the project: a function's code holds the AWS SDK it calls, as in Lambda, where nothing
  // else of ours is installed; a client missing from it fails the import here.
  bundles = mkdtempSync(join(tmpdir(), 'relance-deployed-bundle-'));
});
afterAll(async () => {
  await system.stop();
  rmSync(bundles, { recursive: true, force: true });
});

/** Bundles `entry` as synth does and returns the URL of its index.mjs. */
async function deployedCode(entry: string): Promise<string> {
  const outdir = join(bundles, entry.replace(/\W/g, '_'));
  const { metafile } = await build({
    ...deploymentBuildOptions(join(PROJECT_ROOT, entry), outdir),
    absWorkingDir: PROJECT_ROOT,
    metafile: true,
  });
  packageFunctionCode(metafile, PROJECT_ROOT, outdir);
  return pathToFileURL(join(outdir, 'index.mjs')).href;
}

/** Invokes the deployed handler of `entry` once, in a new Node process, and returns its result. */
async function invokeDeployed(entry: string, event: unknown): Promise<{ statusCode: number; body: string }> {
  const code = await deployedCode(entry);
  const script = `
    const { handler } = await import(${JSON.stringify(code)});
    const context = {
      awsRequestId: 'deployed-bundle-test',
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:' + process.env.AWS_LAMBDA_FUNCTION_NAME,
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      getRemainingTimeInMillis: () => 30000,
    };
    const result = await handler(${JSON.stringify(event)}, context);
    process.stdout.write('\\n' + JSON.stringify(result));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    env: {
      PATH: process.env.PATH ?? '',
      ...system.runtime.environmentOf(entry),
    },
    cwd: bundles,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? 'null');
}

describe('deployed bundles against the local AWS', () => {
  it('HTTP ingest forwards a posted event to the bus (EventBridge): the welcome e-mail goes out', async () => {
    const id = eventId('deployed');
    const answer = await invokeDeployed('functions/ingest/http-handler.ts', {
      httpMethod: 'POST',
      path: '/events',
      headers: { 'content-type': 'application/json' },
      isBase64Encoded: false,
      body: JSON.stringify(signUpPosted(id, 'deployed.bundle@example.com', 'Ada')),
      requestContext: { identity: { sourceIp: '127.0.0.1' } },
    });

    expect(answer.statusCode).toBe(202);
    expect(JSON.parse(answer.body)).toEqual({ accepted: true, eventId: id, type: 'contact.signed_up' });
    await system.runtime.idle();
    expect(system.emailsTo('deployed.bundle@example.com').map((m) => m.subject)).toEqual([
      'Welcome to Relance Demo Shop, Ada!',
    ]);
  }, 60_000);

  it('the lead form stores the submission (DynamoDB) and announces it (EventBridge): the rep is told', async () => {
    const fields = {
      email: 'deployed.prospect@client.example',
      firstName: 'Marie',
      lastName: 'Deployed',
      ...PARIS_COMPANY,
      message: 'Nous voulons une démo.',
    };
    const answer = await invokeDeployed('functions/leads/form-handler.ts', {
      httpMethod: 'POST',
      path: '/v1/leads',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://shop.example.com' },
      isBase64Encoded: false,
      body: new URLSearchParams(fields).toString(),
      requestContext: { identity: { sourceIp: '192.0.2.10' } },
    });

    expect(answer.statusCode).toBe(202);
    const { leadId } = JSON.parse(answer.body) as { leadId: string };
    expect(leadId).toMatch(/\S/);
    await system.runtime.idle();
    expect(
      system.emailsTo('julien.moreau@example.com').some((m) => m.subject.includes('Marie Deployed')),
    ).toBe(true);
  }, 60_000);
});
