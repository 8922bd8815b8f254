// Issue 18.2: every function's bundle was one file, so each cold start parsed and linked the X-Ray
// tracer (120 KB, with node:http, https and tls) and Liquid (80 KB), which a function loads with
// `await import()` on its first AWS call or render. The deployed code is now built with code
// splitting: those modules are chunks of their own, read on the call that needs them.
// The phone metadata (83 KB, in every function whose events may carry a phone number) is not
// bundled: read from node_modules/ with the first number, and deployed there with the code.
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { build, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventType, eventTypes } from '#catalogue/event-types.ts';
import {
  bundledJourneyVersions,
  copyRunTimeFiles,
  deploymentBuildOptions,
  functionCode,
  HANDLER,
  outputsLoadedAtInit,
  outputsLoadedOnFirstUse,
  packageOf,
} from '../../lib/stateless/function-bundle.ts';
import { LOCAL_ENTRY_METADATA } from '../../lib/stateless/relance-function.ts';
import { bundledCatalog } from '../../workflows/versions/index.ts';
import { PROJECT_ROOT } from '../support/local-system.ts';
import { resourcesOfType, synthRelance } from './synth.ts';

/** The module of each event type's schema (workflows/catalogue/). */
const schemaModules: Record<EventType, string> = {
  'contact.signed_up': 'contact-signed-up.ts',
  'contact.updated': 'contact-updated.ts',
  'consent.changed': 'consent-changed.ts',
  'contact.merged': 'contact-merged.ts',
  'cart.updated': 'cart-updated.ts',
  'checkout.started': 'checkout-started.ts',
  'order.completed': 'order-completed.ts',
  'product.stock_changed': 'product-stock-changed.ts',
  'product.price_changed': 'product-price-changed.ts',
  'product.waitlisted': 'product-waitlisted.ts',
  'page.viewed': 'page-viewed.ts',
  'demo.requested': 'demo-requested.ts',
  'webinar.attended': 'webinar-attended.ts',
  'lead.submitted': 'lead-submitted.ts',
  'lead.assigned': 'lead-assigned.ts',
  'lead.contacted': 'lead-contacted.ts',
  'lead.sla_breached': 'lead-sla-breached.ts',
  'appointment.booked': 'appointment-booked.ts',
  'segment.entered': 'segment-changed.ts',
  'segment.exited': 'segment-changed.ts',
  'audience.member': 'audience-member.ts',
};

/** The packages (node_modules/<name>) whose code a set of output files holds. */
function packagesIn(metafile: Metafile, outputs: Iterable<string>): Set<string> {
  const names = new Set<string>();
  for (const output of outputs)
    for (const input of Object.keys(metafile.outputs[output]?.inputs ?? {})) {
      const name = packageOf(input);
      if (name) names.add(name);
    }
  return names;
}

/** The source files (relative to the repository) whose code a set of output files holds. */
function sourcesIn(metafile: Metafile, outputs: Iterable<string>): Set<string> {
  const sources = new Set<string>();
  for (const output of outputs)
    for (const input of Object.keys(metafile.outputs[output]?.inputs ?? {})) sources.add(input);
  return sources;
}

/** As Lambda runs a function's code in `dir`: index.mjs imported in a new process, `handler` called with `event`. */
function invokeAsLambda(dir: string, event?: unknown): string {
  const script = `const { handler } = await import('./index.mjs'); process.stdout.write(await handler(${JSON.stringify(event) ?? ''}));`;
  return execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: dir,
    encoding: 'utf8',
  });
}

describe('the deployed code of every function', () => {
  const builds = new Map<string, Metafile>();
  const copies = mkdtempSync(join(tmpdir(), 'relance-run-time-files-'));
  afterAll(() => rmSync(copies, { recursive: true, force: true }));
  beforeAll(async () => {
    const synthesized = synthRelance();
    const entries: string[] = [];
    try {
      for (const fn of resourcesOfType(synthesized.app, 'AWS::Lambda::Function').values()) {
        const entry = fn.Metadata?.[LOCAL_ENTRY_METADATA];
        if (typeof entry === 'string') entries.push(entry);
        expect(fn.Properties?.Handler).toBe(HANDLER);
      }
    } finally {
      synthesized.dispose();
    }
    const outdir = join(tmpdir(), 'relance-function-bundle-test');
    for (const entry of entries) {
      const result = await build({
        ...deploymentBuildOptions(join(PROJECT_ROOT, entry), outdir),
        absWorkingDir: PROJECT_ROOT,
        write: false,
        metafile: true,
        sourcemap: false,
        logLevel: 'silent',
      });
      builds.set(entry, result.metafile);
    }
  }, 180_000);

  /** What a function loads at init, and what it deploys to load on demand. */
  const split = (entry: string) => {
    const metafile = builds.get(entry);
    if (!metafile) throw new Error(`${entry} was not built`);
    const atInit = outputsLoadedAtInit(metafile);
    const onDemand = Object.keys(metafile.outputs).filter((path) => !atInit.has(path));
    return { metafile, atInit, onDemand };
  };

  it('loads the X-Ray tracer and Liquid on demand, never at init', () => {
    expect(builds.size).toBeGreaterThan(10);
    for (const entry of builds.keys()) {
      const { metafile, atInit, onDemand } = split(entry);
      const atInitPackages = packagesIn(metafile, atInit);
      for (const lazy of ['liquidjs', '@aws-lambda-powertools/tracer', 'aws-xray-sdk-core'])
        expect(atInitPackages.has(lazy), `${entry} loads ${lazy} at init`).toBe(false);
      // Every function makes AWS calls: its tracer is deployed, as a chunk of its own.
      expect(packagesIn(metafile, onDemand).has('@aws-lambda-powertools/tracer'), entry).toBe(true);
    }
  });

  it("names what its first calls load: the SDK clients it calls (Lambda's copy), the tracer, never at init", () => {
    const ingest = split('functions/ingest/http-handler.ts');
    const firstUse = outputsLoadedOnFirstUse(ingest.metafile);
    expect([...firstUse.external]).toEqual(['@aws-sdk/client-eventbridge']);
    expect(packagesIn(ingest.metafile, firstUse.chunks).has('@aws-lambda-powertools/tracer')).toBe(true);
    for (const chunk of firstUse.chunks) expect(ingest.atInit.has(chunk), chunk).toBe(false);
    const step = outputsLoadedOnFirstUse(split('functions/journeys/step-handler.ts').metafile);
    for (const client of [
      'client-dynamodb',
      'lib-dynamodb',
      'client-sesv2',
      'client-sns',
      'client-scheduler',
    ])
      expect(
        [...step.external].some((p) => p.startsWith(`@aws-sdk/${client}`)),
        client,
      ).toBe(true);
    expect(
      packagesIn(split('functions/journeys/step-handler.ts').metafile, step.chunks).has('liquidjs'),
    ).toBe(true);
  });

  it('bundles no phone metadata: the functions that read phone numbers carry it as a file', () => {
    for (const [entry, metafile] of builds) {
      const inputs = Object.keys(metafile.inputs);
      expect(
        inputs.filter((input) => /libphonenumber-js\/metadata\./.test(input)),
        entry,
      ).toEqual([]);
      if (inputs.includes('workflows/catalogue/phone.ts'))
        expect(copyRunTimeFiles(metafile, PROJECT_ROOT, join(copies, entry)), entry).toEqual([
          join(copies, entry, 'node_modules', 'libphonenumber-js', 'metadata.min.json'),
        ]);
    }
    // The lead router reads phone numbers (reps', leads'); the weekly digest reads none.
    expect(existsSync(join(copies, 'functions/leads/router-handler.ts/node_modules'))).toBe(true);
    expect(existsSync(join(copies, 'functions/journey-report/digest-handler.ts'))).toBe(false);
  });

  it("builds no event type's schema at init: ingest imports each with the first event of its type", () => {
    const schemas = eventTypes.map((type) => `workflows/catalogue/${schemaModules[type]}`);
    for (const entry of builds.keys()) {
      const { metafile, atInit } = split(entry);
      const loaded = sourcesIn(metafile, atInit);
      // The whole catalogue is for tooling and synth (its JSON Schemas and field paths).
      expect(loaded.has('workflows/catalogue/catalogue.ts'), entry).toBe(false);
      if (!entry.startsWith('functions/ingest/')) continue;
      expect(
        schemas.filter((schema) => loaded.has(schema)),
        entry,
      ).toEqual([]);
      // Each type's schema is deployed, in a chunk loaded on demand.
      const all = sourcesIn(metafile, Object.keys(metafile.outputs));
      expect(
        schemas.filter((schema) => !all.has(schema)),
        entry,
      ).toEqual([]);
    }
  });

  it('loads the event schemas and the roster in the journey step when a step needs them, and neither in the weekly digest', () => {
    const step = split('functions/journeys/step-handler.ts');
    const stepAtInit = sourcesIn(step.metafile, step.atInit);
    const stepOnDemand = sourcesIn(step.metafile, step.onDemand);
    // An event's schema with the first emit step of its type; the roster, and libphonenumber-js its
    // schema reads phone numbers with, with the first send to an owner.
    for (const lazy of [
      'workflows/catalogue/parse-event.ts',
      'workflows/catalogue/lead-sla-breached.ts',
      'functions/leads/roster-repository.ts',
    ]) {
      expect(stepAtInit.has(lazy), lazy).toBe(false);
      expect(stepOnDemand.has(lazy), lazy).toBe(true);
    }
    expect(packagesIn(step.metafile, step.atInit).has('libphonenumber-js')).toBe(false);
    // The digest walks each journey's steps for its funnel: the graph, not the validator.
    const digest = split('functions/journey-report/digest-handler.ts');
    const digestSources = sourcesIn(digest.metafile, Object.keys(digest.metafile.outputs));
    expect(digestSources.has('workflows/language/step-links.ts')).toBe(true);
    expect(digestSources.has('workflows/language/validator.ts')).toBe(false);
    expect(digestSources.has('workflows/catalogue/catalogue.ts')).toBe(false);
  });
});

describe('what a cold start loads (outputsLoadedAtInit)', () => {
  it('starts from index.mjs, though a chunk loaded on demand has an entry point too and comes first', () => {
    const output = (
      imports: Array<{ path: string; kind: 'import-statement' | 'dynamic-import' }>,
      entryPoint?: string,
    ) => ({
      bytes: 1,
      inputs: {},
      exports: [],
      imports,
      ...(entryPoint ? { entryPoint } : {}),
    });
    const metafile: Metafile = {
      inputs: {},
      outputs: {
        'out/chunks/parse-event-A.mjs': output(
          [{ path: 'out/chunks/schema-B.mjs', kind: 'dynamic-import' }],
          'parse-event.ts',
        ),
        'out/chunks/schema-B.mjs': output([], 'schema.ts'),
        'out/chunks/chunk-C.mjs': output([]),
        'out/index.mjs': output(
          [
            { path: 'out/chunks/chunk-C.mjs', kind: 'import-statement' },
            { path: 'out/chunks/parse-event-A.mjs', kind: 'dynamic-import' },
          ],
          'handler.ts',
        ),
      },
    };

    expect([...outputsLoadedAtInit(metafile)].sort()).toEqual(['out/chunks/chunk-C.mjs', 'out/index.mjs']);
  });
});

describe('a function’s code, bundled at synth', () => {
  const fixture = join(PROJECT_ROOT, 'node_modules', '.cache', `relance-function-code-${process.pid}`);
  const outdir = mkdtempSync(join(tmpdir(), 'relance-function-code-'));
  beforeAll(() => {
    mkdirSync(fixture, { recursive: true });
    writeFileSync(
      join(fixture, 'handler.ts'),
      [
        'export async function handler(event: { name: string }) {',
        "  const { greet } = await import('./greet.ts');",
        "  const { normalizePhone } = await import('../../../workflows/catalogue/phone.ts');",
        "  return greet(event.name) + ' ' + normalizePhone('01 23 45 67 89', 'FR');",
        '}',
      ].join('\n'),
    );
    writeFileSync(join(fixture, 'greet.ts'), "export const greet = (name: string) => 'bonjour ' + name;\n");
  });
  afterAll(() => {
    rmSync(fixture, { recursive: true, force: true });
    rmSync(outdir, { recursive: true, force: true });
  });

  it('is index.mjs with what it imports on demand in chunks/ and the files it reads, and runs', () => {
    // As `cdk synth` runs it: bundling on, assets named in the template's metadata.
    const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
    const stack = new Stack(app, 'Bundled');
    new LambdaFunction(stack, 'Fn', {
      code: functionCode(stack, relative(PROJECT_ROOT, join(fixture, 'handler.ts'))),
      handler: HANDLER,
      runtime: Runtime.NODEJS_22_X,
    });
    const assembly = app.synth();
    const template = assembly.getStackByName('Bundled').template as {
      Resources: Record<string, { Type: string; Metadata?: Record<string, string> }>;
    };
    const fn = Object.values(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function');
    const assetPath = fn?.Metadata?.['aws:asset:path'];
    expect(assetPath).toBeDefined();
    const asset = join(outdir, String(assetPath));
    expect(existsSync(join(asset, 'index.mjs'))).toBe(true);
    const chunks = readdirSync(join(asset, 'chunks')).filter((name) => name.endsWith('.mjs'));
    expect(chunks.some((name) => name.startsWith('greet-'))).toBe(true);
    expect(existsSync(join(asset, 'node_modules', 'libphonenumber-js', 'metadata.min.json'))).toBe(true);
    // As Lambda runs it, outside this repository (no node_modules above it): index.mjs imported,
    // `handler` called; the chunks and the phone metadata are read on the call.
    expect(relative(PROJECT_ROOT, asset).startsWith('..')).toBe(true);
    const answer = invokeAsLambda(asset, { name: 'Léa' });
    expect(answer).toBe('bonjour Léa +33123456789');
  });

  it('knows the version of each journey it bundles, and the earlier ones, without hashing or carrying the recorded copies', async () => {
    const catalogHandler = join(fixture, 'catalog-handler.ts');
    writeFileSync(
      catalogHandler,
      [
        "import { bundledCatalog } from '../../../workflows/versions/index.ts';",
        'export async function handler() {',
        '  const { current, earlier } = bundledCatalog();',
        "  const named = (versions) => versions.map((v) => v.journeyId + '@' + v.version).join(' ');",
        '  return JSON.stringify({ current: named(current), earlier: named(earlier), steps: earlier.map((v) => Object.keys(v.definition.steps).length) });',
        '}',
      ].join('\n'),
    );
    const bundled = join(outdir, 'catalog');
    const { metafile } = await build({
      ...deploymentBuildOptions(catalogHandler, bundled),
      metafile: true,
      logLevel: 'silent',
    });
    // The versions, as the sources hash them here, and the earlier versions the registry holds.
    const sources = bundledCatalog();
    const expected = sources.current.map((v) => `${v.journeyId}@${v.version}`);
    expect(expected.length).toBeGreaterThan(5);
    expect(sources.earlier.length).toBeGreaterThan(0);
    expect(Object.entries(bundledJourneyVersions()).map(([id, version]) => `${id}@${version}`)).toEqual(
      expected,
    );
    // The bundle holds them as a value (journey id: version), and answers with them.
    const code = readFileSync(join(bundled, 'index.mjs'), 'utf8');
    for (const [id, version] of Object.entries(bundledJourneyVersions()))
      expect(code, id).toMatch(new RegExp(`"?${id}"?:"${version}"`));
    expect(JSON.parse(invokeAsLambda(bundled))).toEqual({
      current: expected.join(' '),
      earlier: sources.earlier.map((v) => `${v.journeyId}@${v.version}`).join(' '),
      steps: sources.earlier.map((v) => Object.keys(v.definition.steps).length),
    });
    // No recorded version file, nor the module importing them, is in the code.
    const bundledInputs = Object.values(metafile.outputs).flatMap((output) =>
      Object.entries(output.inputs)
        .filter(([, { bytesInOutput }]) => bytesInOutput > 0)
        .map(([input]) => input),
    );
    expect(bundledInputs.some((input) => input.includes('workflows/journeys/'))).toBe(true);
    expect(
      bundledInputs.filter((input) => input.includes('workflows/versions/') && !input.endsWith('index.ts')),
    ).toEqual([]);
  });

  it('runs unminified too: the banner declares no name a bundled module imports (phone.ts imports createRequire)', async () => {
    const unminified = join(outdir, 'unminified');
    const { metafile } = await build({
      ...deploymentBuildOptions(join(fixture, 'handler.ts'), unminified),
      minify: false,
      metafile: true,
      logLevel: 'silent',
    });
    copyRunTimeFiles(metafile, process.cwd(), unminified);
    const answer = invokeAsLambda(unminified, { name: 'Léa' });
    expect(answer).toBe('bonjour Léa +33123456789');
  });
});
