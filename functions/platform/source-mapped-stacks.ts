/**
 * Stack traces that name relance's source files in a deployed function, without paying for it at
 * cold start. NODE_OPTIONS=--enable-source-maps reads and parses every chunk's map while the
 * modules load (about 10 ms of each function's initialisation, measured by `npm run bench -- --only
 * cold-start`); here a map is read the first time a stack through its file is formatted, which in
 * a healthy function is never.
 *
 * Installed by importing this module (the logger does, so every handler has it), and only in a
 * bundle that has its maps beside it (`index.mjs.map`, as function-bundle.ts writes them) and when
 * Node maps nothing itself: in tests (the sources run) and in the local runtime (Node's own source
 * maps) it stays out of the way.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A chunk's map, read once; undefined when the file has none (or it cannot be read). */
const mapsByFile = new Map<string, SourceMap | undefined>();

function pathOf(fileName: string): string {
  return fileName.startsWith('file://') ? fileURLToPath(fileName) : fileName;
}

function sourceMapOf(fileName: string): SourceMap | undefined {
  if (mapsByFile.has(fileName)) return mapsByFile.get(fileName);
  let map: SourceMap | undefined;
  try {
    const path = `${pathOf(fileName)}.map`;
    if (existsSync(path)) map = new SourceMap(JSON.parse(readFileSync(path, 'utf8')));
  } catch {
    // A map that cannot be read leaves the frame as V8 wrote it.
    map = undefined;
  }
  mapsByFile.set(fileName, map);
  return map;
}

interface Origin {
  readonly fileName: string;
  readonly lineNumber: number;
  readonly columnNumber: number;
  readonly name?: string;
}

/** Where a 1-based position of a generated file came from, when its map says. */
function originOf(map: SourceMap, line: number, column: number): Origin | undefined {
  const origin = map.findOrigin(line, column);
  return 'fileName' in origin ? origin : undefined;
}

/**
 * The original name of the function a frame is in: the name its definition maps to, or else the
 * name at the call into it one frame up (minified code calls `e`, the map says `explode`).
 */
function originalName(site: NodeJS.CallSite, caller: NodeJS.CallSite | undefined, map: SourceMap) {
  const line = site.getEnclosingLineNumber?.();
  const column = site.getEnclosingColumnNumber?.();
  const defined = line && column ? originOf(map, line, column)?.name : undefined;
  if (defined) return defined;
  if (caller?.getFileName() !== site.getFileName()) return undefined;
  const callLine = caller?.getLineNumber();
  const callColumn = caller?.getColumnNumber();
  return callLine && callColumn ? originOf(map, callLine, callColumn)?.name : undefined;
}

/** One frame, at its source position when its file has a map; as V8 writes it otherwise. */
function sourceFrame(site: NodeJS.CallSite, caller?: NodeJS.CallSite): string {
  try {
    return mappedFrame(site, caller);
  } catch {
    // Formatting a stack must never throw: a map that cannot answer leaves the frame as it was.
    return site.toString();
  }
}

function mappedFrame(site: NodeJS.CallSite, caller: NodeJS.CallSite | undefined): string {
  const text = site.toString();
  const fileName = site.getFileName();
  const line = site.getLineNumber();
  const column = site.getColumnNumber();
  if (!fileName || !line || !column) return text;
  const map = sourceMapOf(fileName);
  const origin = map ? originOf(map, line, column) : undefined;
  if (!map || !origin) return text;
  const source = isAbsolute(origin.fileName)
    ? origin.fileName
    : resolve(dirname(pathOf(fileName)), origin.fileName);
  const where = `${source}:${origin.lineNumber}:${origin.columnNumber}`;
  const name = originalName(site, caller, map) ?? site.getFunctionName();
  const prefix = `${site.isAsync() ? 'async ' : ''}${site.isConstructor() ? 'new ' : ''}`;
  return name ? `${prefix}${name} (${where})` : `${prefix}${where}`;
}

/** What V8 prints for a stack (the error's text, then a frame a line), each frame mapped. */
export function sourceMappedStack(error: unknown, sites: readonly NodeJS.CallSite[]): string {
  let head: string;
  try {
    head = Error.prototype.toString.call(error);
  } catch {
    head = '<error>';
  }
  const frames = sites.map((site, i) => `\n    at ${sourceFrame(site, sites[i + 1])}`);
  return head + frames.join('');
}

/** Whether this process should map stacks itself: a bundle with its maps, Node's mapping off. */
function shouldMapStacks(moduleUrl: string): boolean {
  return (
    !process.sourceMapsEnabled &&
    moduleUrl.endsWith('.mjs') &&
    // Only whether the map is there: it is read when a stack needs it.
    existsSync(`${pathOf(moduleUrl)}.map`)
  );
}

if (shouldMapStacks(import.meta.url)) Error.prepareStackTrace = sourceMappedStack;
