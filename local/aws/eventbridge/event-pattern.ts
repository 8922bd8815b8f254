/**
 * Amazon EventBridge event-pattern matching for the local runtime, written from the documented
 * semantics (EventBridge User Guide: "Event patterns", "Comparison operators", "Arrays in event
 * patterns", "Null values and empty strings"). Pure functions: no I/O, no state.
 *
 * Model: a pattern object names fields; a nested object descends into the event, an array lists
 * matchers for a leaf (any one may match), sibling fields must all match, and `$or` holds
 * alternative sub-patterns. Arrays in the event are "crushed": a leaf array offers each element as a
 * candidate value, and an array of objects offers each object to the nested pattern.
 */

/** A JSON scalar an event leaf can hold and a pattern can match exactly. */
export type Scalar = string | number | boolean | null;

/** A content filter such as `{ "prefix": "us-" }` or `{ "numeric": [">", 0] }`. */
export type ContentFilter = { readonly [operator: string]: unknown };

/** One entry of a leaf's match list. */
export type FieldMatcher = Scalar | ContentFilter;

/** An EventBridge event pattern: nested objects, leaf match lists, and `$or` lists of sub-patterns. */
export interface EventPattern {
  readonly [field: string]: EventPattern | readonly FieldMatcher[] | readonly EventPattern[];
}

type JsonObject = Record<string, unknown>;

const OPERATORS = new Set([
  'prefix',
  'suffix',
  'equals-ignore-case',
  'wildcard',
  'anything-but',
  'numeric',
  'cidr',
  'exists',
]);

/** The filters `anything-but` can negate besides plain values. */
const ANYTHING_BUT_FILTERS = new Set(['prefix', 'suffix', 'equals-ignore-case', 'wildcard']);

// ---------------------------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------------------------

/** True when `event` matches `pattern` as EventBridge would; a malformed pattern matches nothing. */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
  return isObject(pattern) && matchObject(pattern, event);
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Match a pattern object against an event node (object, array of objects, or anything else). */
function matchObject(pattern: JsonObject, node: unknown): boolean {
  if (Array.isArray(node)) {
    const elements = node.flat(Number.POSITIVE_INFINITY);
    // Array-consistent: the whole sub-pattern must hold within one element. A sub-pattern that only
    // asserts absence holds when no element has the field (the flattened field is then missing).
    return absenceOnly(pattern)
      ? elements.every((element) => matchObject(pattern, element))
      : elements.some((element) => matchObject(pattern, element));
  }
  // A scalar or missing node has no fields: only `exists: false` can hold beneath it.
  const fields = isObject(node) ? node : {};
  return Object.entries(pattern).every(([key, expected]) => matchEntry(key, expected, fields));
}

function matchEntry(key: string, expected: unknown, fields: JsonObject): boolean {
  if (key === '$or' && isOrClause(expected)) {
    return expected.some((alternative) => matchObject(alternative, fields));
  }
  // hasOwn: a field named "constructor" must not find Object.prototype.constructor.
  const value = Object.hasOwn(fields, key) ? fields[key] : undefined;
  if (Array.isArray(expected)) return matchLeaf(expected, leafValues(value));
  if (isObject(expected)) return matchObject(expected, value);
  return false;
}

/** `$or` is an array of sub-patterns; an array of content filters is a leaf list for a field named "$or". */
function isOrClause(value: unknown): value is JsonObject[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every(
      (alternative) => isObject(alternative) && !Object.keys(alternative).some((k) => OPERATORS.has(k)),
    )
  );
}

/** True when every leaf of the pattern is `exists: false` (nothing positive to pin an array element). */
function absenceOnly(pattern: JsonObject): boolean {
  return Object.entries(pattern).every(([key, expected]) => {
    if (key === '$or' && isOrClause(expected)) return false;
    if (Array.isArray(expected)) {
      return expected.length > 0 && expected.every((m) => isObject(m) && m.exists === false);
    }
    return isObject(expected) && absenceOnly(expected);
  });
}

/** The scalar values at a leaf: arrays are flattened, objects are not leaves, undefined is missing. */
function leafValues(value: unknown): Scalar[] {
  const candidates = Array.isArray(value) ? value.flat(Number.POSITIVE_INFINITY) : [value];
  return candidates.filter(isScalar);
}

function isScalar(value: unknown): value is Scalar {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

/** A leaf's match list is an OR; each value matcher succeeds if any event value satisfies it. */
function matchLeaf(matchers: readonly unknown[], values: Scalar[]): boolean {
  // `exists` is about presence of a leaf, not its value: null counts as present.
  const present = values.length > 0;
  return matchers.some((matcher) => {
    if (isObject(matcher) && Object.hasOwn(matcher, 'exists')) return matcher.exists === present;
    return values.some((value) => matchValue(matcher, value));
  });
}

/** One matcher against one event value. */
function matchValue(matcher: unknown, value: Scalar): boolean {
  if (!isObject(matcher)) return matcher === value; // exact: no type coercion, no case-folding
  const entries = Object.entries(matcher);
  const [entry] = entries;
  if (entry === undefined || entries.length > 1) return false;
  const [operator, operand] = entry;
  switch (operator) {
    case 'prefix':
      return matchAffix(operand, value, (v, a) => v.startsWith(a));
    case 'suffix':
      return matchAffix(operand, value, (v, a) => v.endsWith(a));
    case 'equals-ignore-case':
      return (
        typeof operand === 'string' && typeof value === 'string' && foldCase(value) === foldCase(operand)
      );
    case 'wildcard':
      return typeof operand === 'string' && typeof value === 'string' && matchWildcard(operand, value);
    case 'anything-but':
      return matchAnythingBut(operand, value);
    case 'numeric':
      return matchNumeric(operand, value);
    case 'cidr':
      return matchCidr(operand, value);
    default:
      return false;
  }
}

function foldCase(text: string): string {
  return text.toLowerCase();
}

/** prefix/suffix on strings only; the operand may be `{ "equals-ignore-case": "..." }`. */
function matchAffix(
  operand: unknown,
  value: Scalar,
  test: (value: string, affix: string) => boolean,
): boolean {
  if (typeof value !== 'string') return false;
  if (typeof operand === 'string') return test(value, operand);
  const ignoreCase = isObject(operand) ? operand['equals-ignore-case'] : undefined;
  return typeof ignoreCase === 'string' && test(foldCase(value), foldCase(ignoreCase));
}

/**
 * `*` matches any run of characters (including none); `\*` is a literal star and `\\` a literal
 * backslash. Everything else is literal.
 *
 * No regular expression: a backtracking one takes exponential time on `*a*a*a*b` against a long run
 * of `a` (21 s for 400 characters, with the event loop blocked). The wildcard is cut at its stars
 * into literal pieces; the first must start the value, the last must end it, and each one between
 * is found left to right after the one before, at its first place (the leftmost place leaves the
 * most room for what follows, so nothing is ever retried).
 */
export function matchWildcard(wildcard: string, value: string): boolean {
  const pieces = literalPieces(wildcard);
  const first = pieces[0] ?? '';
  if (pieces.length === 1) return value === first;
  const last = pieces[pieces.length - 1] ?? '';
  if (value.length < first.length + last.length) return false;
  if (!value.startsWith(first) || !value.endsWith(last)) return false;
  let at = first.length;
  const end = value.length - last.length;
  for (const piece of pieces.slice(1, -1)) {
    const found = value.indexOf(piece, at);
    if (found === -1 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return true;
}

/** The literal text between unescaped stars: `a*b\*c*` gives `a`, `b*c`, ``. */
function literalPieces(wildcard: string): string[] {
  const pieces: string[] = [];
  let piece = '';
  for (let i = 0; i < wildcard.length; i++) {
    const char = wildcard.charAt(i);
    if (char === '\\' && i + 1 < wildcard.length) piece += wildcard.charAt(++i);
    else if (char === '*') {
      pieces.push(piece);
      piece = '';
    } else piece += char;
  }
  pieces.push(piece);
  return pieces;
}

/**
 * Negation of a value, a value list, or one string filter. The field must still be present (the
 * caller only gets here with a value), and non-strings are never excluded by string filters.
 */
function matchAnythingBut(operand: unknown, value: Scalar): boolean {
  if (isObject(operand)) {
    const [entry] = Object.entries(operand);
    if (entry === undefined || !ANYTHING_BUT_FILTERS.has(entry[0])) return false;
    const [filter, argument] = entry;
    // equals-ignore-case and wildcard accept a list inside anything-but.
    const excluded = Array.isArray(argument) ? argument : [argument];
    return !excluded.some((one) => matchValue({ [filter]: one }, value));
  }
  const excluded = Array.isArray(operand) ? operand : [operand];
  return !excluded.includes(value);
}

/** `["op", n, "op", n]`: every comparison must hold, and only JSON numbers qualify. */
function matchNumeric(operand: unknown, value: Scalar): boolean {
  if (typeof value !== 'number' || !Array.isArray(operand) || operand.length === 0) return false;
  for (let i = 0; i < operand.length; i += 2) {
    const bound: unknown = operand[i + 1];
    if (typeof bound !== 'number' || !compare(operand[i], value, bound)) return false;
  }
  return true;
}

function compare(comparator: unknown, value: number, bound: number): boolean {
  switch (comparator) {
    case '=':
      return value === bound;
    case '<':
      return value < bound;
    case '<=':
      return value <= bound;
    case '>':
      return value > bound;
    case '>=':
      return value >= bound;
    default:
      return false;
  }
}

// ---------------------------------------------------------------------------------------------
// IP addresses (cidr)
// ---------------------------------------------------------------------------------------------

interface IpAddress {
  readonly bits: 32 | 128;
  readonly value: bigint;
}

interface CidrBlock extends IpAddress {
  readonly prefixLength: number;
}

function matchCidr(operand: unknown, value: Scalar): boolean {
  if (typeof operand !== 'string' || typeof value !== 'string') return false;
  const block = parseCidr(operand);
  const address = parseIp(value);
  if (block === undefined || address === undefined || block.bits !== address.bits) return false;
  const hostBits = BigInt(block.bits - block.prefixLength);
  return address.value >> hostBits === block.value >> hostBits;
}

function parseCidr(text: string): CidrBlock | undefined {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(text);
  const address = match?.[1] === undefined ? undefined : parseIp(match[1]);
  const prefixLength = Number(match?.[2]);
  if (address === undefined || prefixLength > address.bits) return undefined;
  return { ...address, prefixLength };
}

function parseIp(text: string): IpAddress | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { bits: 32, value: v4 };
  const v6 = parseIpv6(text);
  return v6 === undefined ? undefined : { bits: 128, value: v6 };
}

function parseIpv4(text: string): bigint | undefined {
  const octets = text.split('.');
  if (octets.length !== 4 || !octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255)) return undefined;
  return octets.reduce((acc, octet) => (acc << 8n) | BigInt(octet), 0n);
}

/** Eight hex groups with at most one `::` standing for a run of zero groups; may end in dotted IPv4. */
function parseIpv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parsed = halves.map((half, i) => ipv6Groups(half, i === halves.length - 1));
  if (parsed.includes(undefined)) return undefined;
  const [head = [], tail = []] = parsed;
  const compressed = halves.length === 2;
  const missing = 8 - head.length - tail.length;
  if (compressed ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...new Array<number>(compressed ? missing : 0).fill(0), ...tail];
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(group), 0n);
}

/** Colon-separated 16-bit groups (a final dotted IPv4 piece counts as two); undefined if malformed. */
function ipv6Groups(half: string, last: boolean): number[] | undefined {
  if (half === '') return [];
  const pieces = half.split(':');
  const groups: number[] = [];
  for (const [i, piece] of pieces.entries()) {
    if (/^[0-9a-f]{1,4}$/i.test(piece)) {
      groups.push(Number.parseInt(piece, 16));
      continue;
    }
    const v4 = last && i === pieces.length - 1 ? parseIpv4(piece) : undefined;
    if (v4 === undefined) return undefined;
    groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
  }
  return groups;
}
