// Writes docs/schemas/<event-type>.json from the zod event schemas (the only source of truth).
//   npx tsx bin/generate-schemas.ts          write the files, delete stale ones
//   npx tsx bin/generate-schemas.ts --check  exit 1 if the files differ from the schemas
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { eventJsonSchema, eventTypes } from '#catalogue/catalogue.ts';

/** Directory holding the generated JSON Schema files. */
export const schemasDir = resolve(dirname(fileURLToPath(import.meta.url)), '../docs/schemas');

/** The generated files: file name → content, one per event type. */
export function renderSchemaFiles(): Map<string, string> {
  return new Map(
    eventTypes.map((type) => [`${type}.json`, `${JSON.stringify(eventJsonSchema(type), null, 2)}\n`]),
  );
}

/** File names in `dir` that are missing, out of date or no longer generated. */
export function staleSchemaFiles(dir: string = schemasDir): string[] {
  const expected = renderSchemaFiles();
  const present = readdirSafe(dir).filter((name) => name.endsWith('.json'));
  const stale = present.filter((name) => !expected.has(name));
  for (const [name, content] of expected) {
    if (!present.includes(name) || readFileSync(join(dir, name), 'utf8') !== content) stale.push(name);
  }
  return stale.sort();
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function main(args: string[]): number {
  if (args.includes('--check')) {
    const stale = staleSchemaFiles();
    if (stale.length === 0) return 0;
    console.error(`Out of date: ${stale.join(', ')}. Run: npx tsx bin/generate-schemas.ts`);
    return 1;
  }
  mkdirSync(schemasDir, { recursive: true });
  const expected = renderSchemaFiles();
  for (const name of readdirSafe(schemasDir)) {
    if (name.endsWith('.json') && !expected.has(name)) rmSync(join(schemasDir, name));
  }
  for (const [name, content] of expected) writeFileSync(join(schemasDir, name), content);
  console.log(`Wrote ${expected.size} schemas to ${schemasDir}`);
  return 0;
}

// Run only when executed, so tests can import the functions above.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
