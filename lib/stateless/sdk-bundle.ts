/**
 * The AWS SDK a function calls, deployed with the function instead of left to Lambda's own copy.
 * Lambda's copy is read module by module, from hundreds of files, on the first call to each service
 * (about 175 ms for DynamoDB and SESv2 in a fresh process here); bundled and minified, the same
 * clients load in a few files. Every function's build would parse the SDK again (about 0.35 s
 * each), so the SDK packages the project depends on are built once, in one esbuild build with code
 * splitting (the clients share @smithy's core), cached under node_modules/.cache by what they are
 * built from (esbuild's version, these settings, package-lock.json). Each function's code then gets
 * the clients its build imports, with the chunks they load, as `node_modules/@aws-sdk/<name>/`:
 * Node resolves `import('@aws-sdk/client-dynamodb')` there, from the function's own folder, before
 * anything of Lambda's, and the function runs with the SDK version the tests ran.
 */
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative as relativePath, resolve } from 'node:path';
import { buildSync, version as esbuildVersion, type Metafile } from 'esbuild';
import { PROJECT_ROOT } from '../context.ts';

/** The SDK packages bundled: the project's `@aws-sdk/*` dependencies. */
export function sdkPackages(): string[] {
  const manifest = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  return Object.keys(manifest.dependencies ?? {})
    .filter((name) => name.startsWith('@aws-sdk/'))
    .sort();
}

/**
 * How the SDK is built: as the functions are (their RELANCE_BUNDLING, less what they leave
 * external), so minified, split, with maps beside the code and `require` defined for CommonJS.
 */
export interface SdkBuildSettings {
  readonly minify: boolean;
  readonly sourcemap: boolean;
  readonly sourcesContent: boolean;
  readonly format: 'esm';
  readonly splitting: boolean;
  readonly target: string;
  readonly mainFields: readonly string[];
  readonly banner: string;
}

/** Where the chunks the packages share sit in a function's code (hashed into its asset hash). */
// Not a dot folder: nothing that packages a function's code may skip it.
export const SDK_CHUNK_NAMES = 'node_modules/relance-sdk-chunks/[name]-[hash]';

/** Where a package's entry sits in a function's code: `import('@aws-sdk/<name>')` resolves to it. */
const entryOf = (name: string) => `node_modules/${name}/index.mjs`;

interface SdkBuild {
  /** The folder the build wrote (its paths as `metafile` names them, relative to it). */
  readonly dir: string;
  readonly metafile: Metafile;
}

/** Where the SDK's builds are kept, one folder per key (gone with node_modules, as after `npm ci`). */
export const SDK_BUILD_CACHE = join(PROJECT_ROOT, 'node_modules', '.cache', 'relance-sdk-bundle');

/** Builds already found in this process, by cache folder and settings: each function's synth asks. */
const builds = new Map<string, SdkBuild>();

/** The SDK built once for these settings and this lockfile: from the cache, or built now (about a second). */
export function sdkBuild(settings: SdkBuildSettings, cache = SDK_BUILD_CACHE): SdkBuild {
  const asked = `${cache}\n${JSON.stringify(settings)}`;
  const found = builds.get(asked);
  if (found) return found;
  const packages = sdkPackages();
  const key = createHash('sha256')
    .update(
      `esbuild ${esbuildVersion}\n${JSON.stringify(settings)}\n${SDK_CHUNK_NAMES}\n${packages.join('\n')}\n`,
    )
    .update(readFileSync(join(PROJECT_ROOT, 'package-lock.json')))
    .digest('hex')
    .slice(0, 16);
  const dir = join(cache, key);
  const metafilePath = join(dir, 'metafile.json');
  if (!existsSync(metafilePath)) {
    // Built beside, then renamed: a synth running alongside never reads half a build.
    const building = `${dir}.${process.pid}.building`;
    rmSync(building, { recursive: true, force: true });
    const { banner, mainFields, ...shared } = settings;
    const { metafile } = buildSync({
      ...shared,
      entryPoints: Object.fromEntries(packages.map((name) => [entryOf(name).replace(/\.mjs$/, ''), name])),
      chunkNames: SDK_CHUNK_NAMES,
      mainFields: [...mainFields],
      banner: { js: banner },
      bundle: true,
      platform: 'node',
      outExtension: { '.js': '.mjs' },
      outdir: building,
      absWorkingDir: PROJECT_ROOT,
      metafile: true,
      logLevel: 'warning',
    });
    // Paths relative to the build's folder, as a function's code holds them.
    const relative = (path: string) => relativePath(building, resolve(PROJECT_ROOT, path));
    const outputs = Object.fromEntries(
      Object.entries(metafile.outputs).map(([path, output]) => [
        relative(path),
        {
          ...output,
          imports: output.imports.map((i) => (i.external ? i : { ...i, path: relative(i.path) })),
        },
      ]),
    );
    for (const name of packages)
      writeFileSync(
        join(building, 'node_modules', name, 'package.json'),
        `${JSON.stringify({ name, type: 'module', exports: './index.mjs' })}\n`,
      );
    writeFileSync(join(building, 'metafile.json'), JSON.stringify({ inputs: {}, outputs }));
    mkdirSync(dirname(dir), { recursive: true });
    try {
      renameSync(building, dir);
    } catch (error) {
      // Another process built the same SDK meanwhile: keep its build (complete, since renamed whole).
      rmSync(building, { recursive: true, force: true });
      if (!existsSync(metafilePath)) throw error;
    }
  }
  const build = { dir, metafile: JSON.parse(readFileSync(metafilePath, 'utf8')) as Metafile };
  builds.set(asked, build);
  return build;
}

/** The SDK packages a function's build imports (left external by its build). */
export function sdkImportsOf(functionMetafile: Metafile): string[] {
  const names = new Set<string>();
  for (const output of Object.values(functionMetafile.outputs))
    for (const imported of output.imports)
      if (imported.external && imported.path.startsWith('@aws-sdk/')) names.add(imported.path);
  return [...names].sort();
}

/**
 * Copies into `outdir` the SDK packages a function's build imports, each with the chunks it loads
 * (statically or with `await import()`), and their maps; returns the paths copied (JavaScript only).
 */
export function copySdkBundle(
  functionMetafile: Metafile,
  outdir: string,
  settings: SdkBuildSettings,
): string[] {
  const imports = sdkImportsOf(functionMetafile);
  if (imports.length === 0) return [];
  const { dir, metafile } = sdkBuild(settings);
  const needed = new Set<string>();
  const visit = (path: string) => {
    if (needed.has(path)) return;
    needed.add(path);
    for (const imported of metafile.outputs[path]?.imports ?? [])
      if (!imported.external) visit(imported.path);
  };
  for (const name of imports) {
    // The build has an entry for each package the project depends on (sdkPackages).
    if (!metafile.outputs[entryOf(name)])
      throw new Error(`${name} is imported by a function but is not a dependency in package.json`);
    visit(entryOf(name));
  }
  const copy = (path: string) => {
    const target = join(outdir, path);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(dir, path), target);
  };
  for (const path of needed) {
    copy(path);
    if (existsSync(join(dir, `${path}.map`))) copy(`${path}.map`);
  }
  for (const name of imports) copy(`node_modules/${name}/package.json`);
  return [...needed].map((path) => join(outdir, path));
}
