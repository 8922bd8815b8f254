/**
 * The layout's dependency direction, checked on the sources: bin -> lib -> functions ->
 * workflows/language -> workflows/catalogue; local/dev -> local/aws. A forbidden import fails here
 * with the file and the import named, before it can blur the layers.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = normalize(join(import.meta.dirname, '../..'));

/** Package `imports` aliases, as package.json declares them. */
const ALIASES: Record<string, string> = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).imports;

function sourceFiles(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(folder, file));
}

/** Every specifier a file imports (static, dynamic, type-only), as written. */
function specifiersOf(file: string): string[] {
  const source = readFileSync(join(ROOT, file), 'utf8');
  return [...source.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)].map(
    (match) => match[1] ?? '',
  );
}

/** Every module of the repository a file imports, as a path from the repository root. */
function importsOf(file: string): string[] {
  const resolved: string[] = [];
  for (const specifier of specifiersOf(file)) {
    if (specifier.startsWith('.')) {
      resolved.push(relative(ROOT, join(ROOT, dirname(file), specifier)));
      continue;
    }
    for (const [alias, target] of Object.entries(ALIASES)) {
      const prefix = alias.replace('*', '');
      if (specifier.startsWith(prefix))
        resolved.push(normalize(target.replace('*', specifier.slice(prefix.length))));
    }
  }
  return resolved;
}

function violations(folder: string, forbidden: readonly string[]): string[] {
  return sourceFiles(folder).flatMap((file) =>
    importsOf(file)
      .filter((target) => forbidden.some((prefix) => target === prefix || target.startsWith(`${prefix}/`)))
      .map((target) => `${file} imports ${target}`),
  );
}

describe('the dependency direction of the layout', () => {
  it('the journey and segment languages and the catalogue import no runtime code', () => {
    const runtime = ['functions', 'lib', 'local', 'bin', 'bench'];
    expect(violations('workflows/language', runtime)).toEqual([]);
    expect(violations('workflows/catalogue', [...runtime, 'workflows/language'])).toEqual([]);
  });

  it('functions import neither the CDK constructs nor the local runtime', () => {
    expect(violations('functions', ['lib', 'local', 'bin'])).toEqual([]);
  });

  it('lib holds constructs only: it imports no stand-in', () => {
    expect(violations('lib', ['local', 'bin'])).toEqual([]);
  });

  it('the AWS stand-ins are generic: no product imports', () => {
    expect(violations('local/aws', ['functions', 'workflows', 'lib', 'bin', 'local/dev'])).toEqual([]);
  });

  it('the deployed code reaches zod only through workflows/catalogue/zod.ts, its mini build', () => {
    // zod's classic build costs each function 15-30 ms of initialisation at every cold start.
    const isZod = (specifier: string) => specifier === 'zod' || specifier.startsWith('zod/');
    const direct = [...sourceFiles('functions'), ...sourceFiles('workflows')]
      .filter((file) => file !== join('workflows', 'catalogue', 'zod.ts'))
      .flatMap((file) =>
        specifiersOf(file)
          .filter(isZod)
          .map((specifier) => `${file} imports ${specifier}`),
      );

    expect(direct).toEqual([]);
    expect(specifiersOf(join('workflows', 'catalogue', 'zod.ts')).filter(isZod)).toContain('zod/mini');
  });

  it('finds a forbidden import when there is one (the check can fail)', () => {
    expect(violations('local/dev', ['local/aws']).length).toBeGreaterThan(0);
  });
});
