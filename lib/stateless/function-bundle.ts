/**
 * How a function's code is built for deployment: esbuild, run in this process at synth, with code
 * splitting. The handler's entry is `index.mjs`; every module the code loads with `await import()`
 * (the X-Ray tracer with the first AWS client, Liquid with the first render) is a chunk of its own
 * under `chunks/`, read from disk only when that call first runs. A single-file bundle (what
 * NodejsFunction builds) parses and links those modules, and the Node built-ins they import, at
 * every cold start, whether the invocation reaches them or not. Package data read at run time
 * (the phone metadata) is copied in as a file (RUN_TIME_FILES), and the AWS SDK clients the code
 * imports as packages of its own, built once for all functions (./sdk-bundle.ts).
 *
 * `npm run bench` builds the same bundles with `deploymentBuildOptions` to measure them.
 */

import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { AssetHashType, DockerImage, Stack } from 'aws-cdk-lib';
import { Code } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { type BuildOptions, buildSync, type Metafile } from 'esbuild';
import { PHONE_METADATA_FILE } from '../../workflows/catalogue/phone.ts';
import { bundledCatalog } from '../../workflows/versions/index.ts';
import { PROJECT_ROOT } from '../context.ts';
import { bundleInputsHash } from './bundle-inputs.ts';
import { copySdkBundle, SDK_CHUNK_NAMES, type SdkBuildSettings } from './sdk-bundle.ts';

/** The bundling settings (part of each bundle's input hash: changing one rebuilds every bundle). */
export const RELANCE_BUNDLING = {
  minify: true,
  // Stack traces need the mappings only: without the sources' text a map is a quarter of the size
  // (1.4 MB -> 0.4 MB for a 270 KB bundle). Read when a stack is first formatted, not at init
  // (functions/platform/source-mapped-stacks.ts).
  sourcemap: true,
  sourcesContent: false,
  format: 'esm',
  splitting: true,
  target: 'node22',
  mainFields: ['module', 'main'],
  // ESM bundles of CommonJS dependencies still call require(): every chunk gets its own (under a
  // name no bundled module imports createRequire as).
  banner:
    "import { createRequire as createRequireForBundle } from 'node:module'; const require = createRequireForBundle(import.meta.url);",
  // The AWS SDK is built once for every function (./sdk-bundle.ts) and copied into each function's
  // code with the clients it imports: each function's own build would parse it again (+0.35 s each).
  external: ['@aws-sdk/*'],
} as const;

/** The AWS SDK's build (./sdk-bundle.ts) shares the functions' settings, but bundles the SDK. */
const { external: _builtApart, ...SDK_BUILD_SETTINGS } = RELANCE_BUNDLING;
export const SDK_SETTINGS: SdkBuildSettings = SDK_BUILD_SETTINGS;

/** The handler setting: `handler` exported by `index.mjs`, the entry of the function's code. */
export const HANDLER = 'index.handler';

let journeyVersions: Record<string, string> | undefined;
/**
 * The version of each journey the code bundles (workflows/journeys/ with workflows/templates/),
 * given to the code as RELANCE_BUNDLED_JOURNEY_VERSIONS so a cold start does not hash them again
 * (workflows/versions/index.ts). Computed here from the same sources esbuild bundles.
 */
export function bundledJourneyVersions(): Record<string, string> {
  journeyVersions ??= Object.fromEntries(bundledCatalog().current.map((v) => [v.journeyId, v.version]));
  return journeyVersions;
}

/**
 * What the code knows of its journeys' versions, computed here from the sources it bundles: the
 * version of each journey, and the earlier versions runs may be on (the recorded versions less the
 * deployed ones, which its journeys already are). With these defined, the code's catalog does not
 * import workflows/versions/recorded.ts, so it does not carry a second copy of every deployed journey
 * and its templates as recorded JSON (workflows/versions/index.ts).
 */
function catalogDefines(): Record<string, string> {
  catalogDefined ??= {
    RELANCE_BUNDLED_CATALOG: 'true',
    RELANCE_BUNDLED_JOURNEY_VERSIONS: JSON.stringify(bundledJourneyVersions()),
    RELANCE_BUNDLED_EARLIER_VERSIONS: JSON.stringify(bundledCatalog().earlier),
  };
  return catalogDefined;
}
let catalogDefined: Record<string, string> | undefined;

/** The esbuild options of a function's deployed code: `entry` (absolute) built into `outdir`. */
export function deploymentBuildOptions(entry: string, outdir: string): BuildOptions {
  const { banner, external, mainFields, ...settings } = RELANCE_BUNDLING;
  return {
    ...settings,
    define: catalogDefines(),
    entryPoints: [entry],
    outdir,
    entryNames: 'index',
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    mainFields: [...mainFields],
    banner: { js: banner },
    external: [...external],
    logLevel: 'warning',
  };
}

/**
 * Package files the code reads at run time with `require` instead of bundling them, by the source
 * module that reads them. A deployment whose code holds the module carries each file under
 * `node_modules/`, where Node's lookup from index.mjs or chunks/ finds it, as it finds them in
 * node_modules when the local runtime runs the source.
 */
export const RUN_TIME_FILES: Readonly<Record<string, readonly string[]>> = {
  'workflows/catalogue/phone.ts': [PHONE_METADATA_FILE],
};

/**
 * Copies into `outdir` the run-time files (RUN_TIME_FILES) of the source modules among a build's
 * inputs (its metafile's, relative to the build's working directory); returns the copies' paths.
 */
export function copyRunTimeFiles(metafile: Metafile, workingDir: string, outdir: string): string[] {
  const bundled = new Set(Object.keys(metafile.inputs).map((input) => resolve(workingDir, input)));
  const fromProject = createRequire(join(PROJECT_ROOT, 'package.json'));
  const copied: string[] = [];
  for (const [module, files] of Object.entries(RUN_TIME_FILES)) {
    if (!bundled.has(join(PROJECT_ROOT, module))) continue;
    for (const file of files) {
      const target = join(outdir, 'node_modules', file);
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(fromProject.resolve(file), target);
      copied.push(target);
    }
  }
  return copied;
}

/**
 * Completes a function's code built into `outdir`: the run-time files its modules read
 * (copyRunTimeFiles) and the AWS SDK packages it imports (./sdk-bundle.ts). Returns what was copied.
 */
export function packageFunctionCode(
  metafile: Metafile,
  workingDir: string,
  outdir: string,
): { runTimeFiles: string[]; sdkFiles: string[] } {
  return {
    runTimeFiles: copyRunTimeFiles(metafile, workingDir, outdir),
    sdkFiles: copySdkBundle(metafile, outdir, SDK_SETTINGS),
  };
}

/** `starts` and every output they import statically, transitively (paths as the metafile names them). */
function withStaticImports(metafile: Metafile, starts: Iterable<string>): Set<string> {
  const loaded = new Set<string>();
  const visit = (path: string) => {
    if (loaded.has(path)) return;
    loaded.add(path);
    for (const imported of metafile.outputs[path]?.imports ?? [])
      if (!imported.external && imported.kind === 'import-statement') visit(imported.path);
  };
  for (const start of starts) visit(start);
  return loaded;
}

/**
 * The output files of a build (as its metafile names them) that a cold start loads: the entry and
 * every chunk it imports statically, not those loaded with `await import()`.
 */
export function outputsLoadedAtInit(metafile: Metafile): Set<string> {
  // The handler's entry is index.mjs (entryNames): a chunk loaded with `await import()` has an
  // entry point too, and may come first in the metafile.
  const entry = Object.keys(metafile.outputs).find((path) => /(^|\/)index\.mjs$/.test(path));
  if (!entry) throw new Error('the build wrote no index.mjs');
  return withStaticImports(metafile, [entry]);
}

/**
 * What the first calls load on top of init: the chunks of the modules the project's own code
 * imports with `await import()` (each AWS SDK client, the X-Ray tracer, Liquid, an event's schema),
 * with what they import statically; and those of these modules a build leaves external. Not the
 * chunks the SDK itself imports only when the environment holds no credentials (SSO, profiles,
 * instance metadata...), which Lambda's environment always does.
 */
export function outputsLoadedOnFirstUse(metafile: Metafile): { chunks: Set<string>; external: Set<string> } {
  const chunkOf = new Map<string, string>();
  for (const [path, output] of Object.entries(metafile.outputs))
    if (output.entryPoint) chunkOf.set(output.entryPoint, path);
  const starts: string[] = [];
  const external = new Set<string>();
  for (const [input, { imports }] of Object.entries(metafile.inputs)) {
    if (packageOf(input)) continue;
    for (const imported of imports) {
      if (imported.kind !== 'dynamic-import') continue;
      if (imported.external) external.add(imported.path);
      else {
        const chunk = chunkOf.get(imported.path);
        if (chunk) starts.push(chunk);
      }
    }
  }
  const atInit = outputsLoadedAtInit(metafile);
  const chunks = new Set([...withStaticImports(metafile, starts)].filter((path) => !atInit.has(path)));
  return { chunks, external };
}

/** The package a bundled input comes from (`@scope/name` or `name`), or undefined for the project's own files. */
export function packageOf(input: string): string | undefined {
  return /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];
}

/**
 * The code of the function whose handler is `entry` (relative to the repository root), bundled by
 * the local esbuild when the stack is synthesized for deployment, and named by the hash of its
 * inputs, so an unchanged function is not bundled again (./bundle-inputs.ts). Tests and the local
 * runtime skip bundling: the asset is then the source folder, never read.
 */
export function functionCode(scope: Construct, entry: string): Code {
  const bundlingRequired = Stack.of(scope).bundlingRequired;
  return Code.fromAsset(PROJECT_ROOT, {
    ...(bundlingRequired
      ? {
          // The journeys' versions (the define) are not hashed apart: they come from the journeys'
          // and templates' sources, inputs of exactly the functions that bundle them.
          assetHash: bundleInputsHash(entry, {
            ...RELANCE_BUNDLING,
            runTimeFiles: RUN_TIME_FILES,
            sdkChunks: SDK_CHUNK_NAMES,
          }),
          assetHashType: AssetHashType.CUSTOM,
        }
      : { assetHashType: AssetHashType.OUTPUT }),
    bundling: {
      // Never pulled: local bundling always succeeds or throws (no Docker on the machines we synth on).
      image: DockerImage.fromRegistry('dummy'),
      local: {
        tryBundle(outputDir: string): boolean {
          const { metafile } = buildSync({
            ...deploymentBuildOptions(join(PROJECT_ROOT, entry), outputDir),
            absWorkingDir: PROJECT_ROOT,
            metafile: true,
          });
          packageFunctionCode(metafile, PROJECT_ROOT, outputDir);
          return true;
        },
      },
    },
  });
}
