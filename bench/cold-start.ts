/**
 * Cold start of every Lambda function: each handler bundled with the deployment's own esbuild
 * options (lib/stateless/function-bundle.ts, what synth runs), the size of the code loaded at init
 * and of the chunks loaded on demand, and its module initialisation time (the entry imported in a
 * fresh Node process with the function's template environment and NODE_OPTIONS, once the Node
 * built-ins Lambda's runtime loads before any handler are loaded, as in Lambda), median of
 * `processes` processes, then what its first calls load on top (see outputsLoadedOnFirstUse).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import {
  deploymentBuildOptions,
  outputsLoadedAtInit,
  outputsLoadedOnFirstUse,
  packageFunctionCode,
  packageOf,
} from '../lib/stateless/function-bundle.ts';
import { loadLocalApp } from '../local/aws/template.ts';
import { synthesizeForLocal } from '../local/dev/synth.ts';
import { count, milliseconds, type Table } from './report.ts';

export interface ColdStartBenchOptions {
  readonly projectRoot: string;
  /** Fresh processes per function; the median is reported. */
  readonly processes: number;
}

export const COLD_START_TARGETS = { maxBundleBytes: 300 * 1024, maxInitMs: 40 } as const;

/** The code a function's deployment holds, as esbuild wrote it. */
interface BuiltCode {
  /** The entry (index.mjs) and the chunks it imports statically: what a cold start loads. */
  readonly atInit: readonly string[];
  /** The chunks loaded with `await import()`, on the first call that reaches them. */
  readonly onDemand: readonly string[];
  /** What the first calls load (outputsLoadedOnFirstUse): chunks, then modules left external. */
  readonly firstUse: readonly string[];
  readonly firstUseExternal: readonly string[];
  /** The package files read with `require` on first use (the phone metadata), deployed alongside. */
  readonly runTimeFiles: readonly string[];
  readonly bytesAtInit: number;
  readonly bytesOnDemand: number;
  readonly bytesFirstUse: number;
}

/** Splits a build's output files (JavaScript only, absolute paths) into what init loads and the rest. */
function builtCode(
  metafile: Metafile,
  cwd: string,
  { runTimeFiles, sdkFiles }: { runTimeFiles: readonly string[]; sdkFiles: readonly string[] },
): BuiltCode {
  const atInit = [...outputsLoadedAtInit(metafile)].map((path) => join(cwd, path));
  const onDemand = Object.keys(metafile.outputs)
    .filter((path) => path.endsWith('.mjs'))
    .map((path) => join(cwd, path))
    .filter((path) => !atInit.includes(path));
  const firstUse = outputsLoadedOnFirstUse(metafile);
  const firstUseChunks = [...firstUse.chunks].map((path) => join(cwd, path));
  const bytes = (paths: Iterable<string>) => [...paths].reduce((sum, path) => sum + statSync(path).size, 0);
  return {
    atInit,
    onDemand,
    firstUse: firstUseChunks,
    firstUseExternal: [...firstUse.external],
    runTimeFiles,
    bytesAtInit: bytes(atInit),
    bytesOnDemand: bytes([...onDemand, ...runTimeFiles, ...sdkFiles]),
    bytesFirstUse: bytes([...firstUseChunks, ...runTimeFiles]),
  };
}

/** The packages (or `project` for this repository's files) with the most bytes in the code loaded at init. */
function largestInputs(metafile: Metafile, cwd: string, atInit: readonly string[], top: number): string {
  const byPackage = new Map<string, number>();
  for (const [path, output] of Object.entries(metafile.outputs)) {
    if (!atInit.includes(join(cwd, path))) continue;
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = packageOf(input) ?? 'project';
      byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...byPackage]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, bytes]) => `${name} ${kilobytes(bytes)}`)
    .join(', ');
}

const kilobytes = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

/**
 * The Node built-ins Lambda's Node.js runtime has loaded when it imports a function's handler. Its
 * runtime interface client (aws-lambda-nodejs-runtime-interface-client, src/index.mjs `run`)
 * requires them before `UserFunction.load`: http in RAPIDClient's constructor (an http.Agent for the
 * Runtime API), net with ResponseStream.js, util and fs with LogPatch.js, path and fs with
 * UserFunction.js, assert with InvokeContext.js. A handler importing one of them does not load it
 * again, so a bare Node process would charge its init with the runtime's own loading.
 */
const LOADED_BY_LAMBDA_RUNTIME = ['http', 'net', 'util', 'fs', 'path', 'assert'] as const;

/**
 * Imports the function's entry in a fresh process: how long the import took (module
 * initialisation) and its CPU time, then how long importing what its first calls load takes, in ms.
 * `asLambda`: the built-ins Lambda's runtime loads are loaded first (LOADED_BY_LAMBDA_RUNTIME), as
 * in Lambda; otherwise the process is bare Node.
 */
function initTime(
  code: BuiltCode,
  env: Record<string, string>,
  asLambda: boolean,
): [init: number, cpu: number, firstUse: number] {
  const [entry] = code.atInit;
  if (!entry) throw new Error('no entry to import');
  const later = [...code.firstUse.map((path) => pathToFileURL(path).href), ...code.firstUseExternal];
  const script = [
    asLambda
      ? `{ const require = (await import('node:module')).createRequire(import.meta.url); for (const name of ${JSON.stringify(LOADED_BY_LAMBDA_RUNTIME)}) require(name); new (require('http').Agent)({ keepAlive: true, maxSockets: 1 }); }`
      : '',
    'let t = performance.now();',
    'const c = process.cpuUsage();',
    `await import(${JSON.stringify(pathToFileURL(entry).href)});`,
    'const init = performance.now() - t;',
    'const { user, system } = process.cpuUsage(c);',
    't = performance.now();',
    `await Promise.all(${JSON.stringify(later)}.map((p) => import(p)));`,
    `const readFile = (await import('node:module')).createRequire(${JSON.stringify(pathToFileURL(entry).href)});`,
    `for (const file of ${JSON.stringify(code.runTimeFiles)}) readFile(file);`,
    'process.stdout.write(JSON.stringify([init, (user + system) / 1000, performance.now() - t]));',
  ].join(' ');
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env,
    encoding: 'utf8',
    // The SDK resolves from the entry's folder (its node_modules), as in Lambda; `-e` resolves from the working directory.
    cwd: dirname(entry),
  });
  return JSON.parse(out.trim().split('\n').at(-1) ?? '[]');
}

const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

export async function benchColdStart(options: ColdStartBenchOptions): Promise<Table[]> {
  const cdkOut = synthesizeForLocal(mkdtempSync(join(tmpdir(), 'relance-bench-cold-')));
  // Outside the project: each function's code holds all it imports (the AWS SDK clients and the
  // package files read on first use), as its deployment does; nothing resolves from node_modules.
  const outDir = mkdtempSync(join(tmpdir(), 'relance-bench-cold-start-'));
  try {
    // No request leaves a process: the endpoint only has to be well formed.
    const app = loadLocalApp(cdkOut, 'http://127.0.0.1:9');
    const byEntry = new Map(app.functions.map((fn) => [fn.entry, fn]));
    const rows: string[][] = [];
    let largest = { bytes: 0, entry: '', packages: '' };
    let slowest = { ms: 0, entry: '' };
    for (const [entry, fn] of [...byEntry].sort(([a], [b]) => a.localeCompare(b))) {
      const functionDir = join(outDir, entry.replace(/\//g, '_').replace(/\.ts$/, ''));
      const result = await build({
        ...deploymentBuildOptions(join(options.projectRoot, entry), functionDir),
        metafile: true,
      });
      const metafile = result.metafile ?? { inputs: {}, outputs: {} };
      // esbuild names outputs relative to the working directory.
      const code = builtCode(
        metafile,
        process.cwd(),
        packageFunctionCode(metafile, process.cwd(), functionDir),
      );
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
      const runs = Array.from({ length: options.processes }, () => initTime(code, env, true));
      const inits = runs.map(([init]) => init).sort((a, b) => a - b);
      const init = median(inits);
      const bare = median(Array.from({ length: options.processes }, () => initTime(code, env, false)[0]));
      if (code.bytesAtInit > largest.bytes)
        largest = {
          bytes: code.bytesAtInit,
          entry,
          packages: largestInputs(metafile, process.cwd(), code.atInit, 4),
        };
      if (init > slowest.ms) slowest = { ms: init, entry };
      rows.push([
        entry,
        kilobytes(code.bytesAtInit),
        kilobytes(code.bytesFirstUse),
        kilobytes(code.bytesOnDemand),
        `${milliseconds(init)} ms`,
        `${milliseconds(inits[0] ?? Number.NaN)}–${milliseconds(inits.at(-1) ?? Number.NaN)} ms`,
        `${milliseconds(median(runs.map(([, cpu]) => cpu)))} ms`,
        `${milliseconds(bare)} ms`,
        `${milliseconds(median(runs.map(([, , later]) => later)))} ms`,
        // The SDK clients its first calls import (functions/platform/clients), deployed with it.
        String(code.firstUseExternal.filter((path) => path.startsWith('@aws-sdk/client-')).length),
      ]);
    }
    const { maxBundleBytes, maxInitMs } = COLD_START_TARGETS;
    const mark = (ok: boolean) => (ok ? '✓' : '✗');
    return [
      {
        title: `Cold start: ${count(rows.length)} functions bundled as deployed (lib/stateless/function-bundle.ts), each imported in ${options.processes} fresh processes`,
        columns: [
          'function',
          'at init',
          'first-use code',
          'on demand',
          'init (median)',
          'init (range)',
          'init CPU',
          'bare Node',
          'first use',
          'clients',
        ],
        rows,
        notes: [
          `largest code loaded at init ${kilobytes(largest.bytes)} (${largest.entry}; target ≤ ${kilobytes(maxBundleBytes)}) ${mark(largest.bytes <= maxBundleBytes)}`,
          `slowest initialisation ${milliseconds(slowest.ms)} ms (${slowest.entry}; target ≤ ${maxInitMs} ms) ${mark(slowest.ms <= maxInitMs)}`,
          `largest code at init by package: ${largest.packages}`,
          "at init = the entry (index.mjs) and the chunks it imports statically: what a cold start reads, parses and runs; first-use code = the chunks the first calls load: those of the modules relance's code imports with `await import()` (the X-Ray tracer with the first AWS client, Liquid with the first render, an event type's schema) with their static imports, and the package files read on first use (the phone metadata); on demand = every chunk not loaded at init",
          `init = importing index.mjs in a fresh process once the built-ins Lambda's Node.js runtime loads before a handler are loaded (${LOADED_BY_LAMBDA_RUNTIME.join(', ')}: its runtime interface client requires them first), as in Lambda; bare Node = the same import in a process without them (median), which also pays for loading those`,
          'first use = importing, after init in the same process, the first-use code and the AWS SDK clients the function calls (deployed with it, built once for all functions: lib/stateless/sdk-bundle.ts): the most the first invocations add (each loads the part it reaches)',
        ],
      },
    ];
  } finally {
    rmSync(cdkOut, { recursive: true, force: true });
    rmSync(outDir, { recursive: true, force: true });
  }
}
