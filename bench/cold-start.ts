/**
 * Cold start of every Lambda function: each handler bundled with the deployment's own esbuild
 * settings (RELANCE_BUNDLING, what NodejsFunction runs), its size, and its module initialisation
 * time (the bundle imported in a fresh Node process with the function's template environment and
 * NODE_OPTIONS, the AWS SDK resolved from node_modules as Lambda resolves its own), median of
 * `processes` processes.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { RELANCE_BUNDLING } from '../lib/stateless/relance-function.ts';
import { loadLocalApp } from '../local/aws/template.ts';
import { synthesizeForLocal } from '../local/dev/synth.ts';
import { count, milliseconds, type Table } from './report.ts';

export interface ColdStartBenchOptions {
  readonly projectRoot: string;
  /** Fresh processes per function; the median is reported. */
  readonly processes: number;
}

export const COLD_START_TARGETS = { maxBundleBytes: 300 * 1024, maxInitMs: 40 } as const;

/** The esbuild options NodejsFunction derives from the deployment's bundling settings. */
export function deploymentBuildOptions(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: RELANCE_BUNDLING.format,
    target: RELANCE_BUNDLING.target,
    minify: RELANCE_BUNDLING.minify,
    sourcemap: RELANCE_BUNDLING.sourceMap,
    sourcesContent: RELANCE_BUNDLING.sourcesContent,
    mainFields: RELANCE_BUNDLING.mainFields,
    banner: { js: RELANCE_BUNDLING.banner },
    external: RELANCE_BUNDLING.externalModules,
    metafile: true,
    logLevel: 'warning',
  };
}

/** The packages (or `project` for this repository's files) with the most bytes in a bundle. */
function largestInputs(metafile: Metafile, outfile: string, top: number): string {
  const output = Object.entries(metafile.outputs).find(([path]) => outfile.endsWith(path))?.[1];
  const byPackage = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const name = match?.[1] ?? 'project';
    byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
  }
  return [...byPackage]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, bytes]) => `${name} ${kilobytes(bytes)}`)
    .join(', ');
}

const kilobytes = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

/** The AWS SDK packages a bundle imports (on first use: see functions/platform/clients/lazy.ts). */
function sdkPackages(metafile: Metafile): string[] {
  const packages = new Set<string>();
  for (const input of Object.values(metafile.inputs))
    for (const imported of input.imports)
      if (imported.external && imported.path.startsWith('@aws-sdk/')) packages.add(imported.path);
  return [...packages].sort();
}

/**
 * Imports the bundle in a fresh process: how long the import took (module initialisation), then
 * how long importing the SDK packages it loads on first use takes, in ms.
 */
function initTime(
  bundle: string,
  sdk: readonly string[],
  env: Record<string, string>,
): [init: number, cpu: number, sdk: number] {
  const script = [
    'let t = performance.now();',
    'const c = process.cpuUsage();',
    `await import(${JSON.stringify(pathToFileURL(bundle).href)});`,
    'const init = performance.now() - t;',
    'const { user, system } = process.cpuUsage(c);',
    't = performance.now();',
    `await Promise.all(${JSON.stringify(sdk)}.map((p) => import(p)));`,
    'process.stdout.write(JSON.stringify([init, (user + system) / 1000, performance.now() - t]));',
  ].join(' ');
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env,
    encoding: 'utf8',
    // The SDK resolves from the bundle's folder, as in Lambda; `-e` resolves from the working directory.
    cwd: dirname(bundle),
  });
  return JSON.parse(out.trim().split('\n').at(-1) ?? '[]');
}

const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

export async function benchColdStart(options: ColdStartBenchOptions): Promise<Table[]> {
  const cdkOut = synthesizeForLocal(mkdtempSync(join(tmpdir(), 'relance-bench-cold-')));
  // Under the project's node_modules, so the bundles' external packages resolve as in Lambda.
  const outDir = join(options.projectRoot, 'node_modules', '.cache', 'relance-bench-cold-start');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  try {
    // No request leaves a process: the endpoint only has to be well formed.
    const app = loadLocalApp(cdkOut, 'http://127.0.0.1:9');
    const byEntry = new Map(app.functions.map((fn) => [fn.entry, fn]));
    const rows: string[][] = [];
    let largest = { bytes: 0, entry: '', packages: '' };
    let slowest = { ms: 0, entry: '' };
    for (const [entry, fn] of [...byEntry].sort(([a], [b]) => a.localeCompare(b))) {
      const outfile = join(outDir, entry.replace(/\//g, '_').replace(/\.ts$/, ''), 'index.mjs');
      const result = await build(deploymentBuildOptions(join(options.projectRoot, entry), outfile));
      const bytes = statSync(outfile).size;
      const env = {
        PATH: process.env.PATH ?? '',
        ...fn.environment,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'bench',
        AWS_SECRET_ACCESS_KEY: 'bench',
        AWS_LAMBDA_FUNCTION_NAME: fn.name,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      };
      const metafile = result.metafile ?? { inputs: {}, outputs: {} };
      const sdk = sdkPackages(metafile);
      const runs = Array.from({ length: options.processes }, () => initTime(outfile, sdk, env));
      const inits = runs.map(([init]) => init).sort((a, b) => a - b);
      const init = median(inits);
      if (bytes > largest.bytes) largest = { bytes, entry, packages: largestInputs(metafile, outfile, 4) };
      if (init > slowest.ms) slowest = { ms: init, entry };
      rows.push([
        entry,
        kilobytes(bytes),
        `${milliseconds(init)} ms`,
        `${milliseconds(inits[0] ?? Number.NaN)}–${milliseconds(inits.at(-1) ?? Number.NaN)} ms`,
        `${milliseconds(median(runs.map(([, cpu]) => cpu)))} ms`,
        `${milliseconds(median(runs.map(([, , first]) => first)))} ms`,
        String(sdk.filter((p) => p.startsWith('@aws-sdk/client-')).length),
      ]);
    }
    const { maxBundleBytes, maxInitMs } = COLD_START_TARGETS;
    const mark = (ok: boolean) => (ok ? '✓' : '✗');
    return [
      {
        title: `Cold start: ${count(rows.length)} functions bundled as deployed (RELANCE_BUNDLING), each imported in ${options.processes} fresh processes`,
        columns: [
          'function',
          'bundle',
          'init (median)',
          'init (range)',
          'init CPU',
          'SDK at first call',
          'clients',
        ],
        rows,
        notes: [
          `largest bundle ${kilobytes(largest.bytes)} (${largest.entry}; target ≤ ${kilobytes(maxBundleBytes)}) ${mark(largest.bytes <= maxBundleBytes)}`,
          `slowest initialisation ${milliseconds(slowest.ms)} ms (${slowest.entry}; target ≤ ${maxInitMs} ms) ${mark(slowest.ms <= maxInitMs)}`,
          `largest bundle by package: ${largest.packages}`,
          'init = `await import(bundle)` in a new Node process with the function’s template environment (NODE_OPTIONS=--enable-source-maps as deployed); init CPU = the CPU time of that import (median), which another job on the machine inflates less than wall time',
          'SDK at first call = importing the AWS SDK packages the bundle loads when it first calls a service (external, as Lambda provides them; loaded from node_modules here), in the same process after init; only those a call path reaches load',
        ],
      },
    ];
  } finally {
    rmSync(cdkOut, { recursive: true, force: true });
  }
}
