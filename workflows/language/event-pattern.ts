/**
 * What EventBridge refuses in an event pattern when a rule is created (`InvalidEventPatternException`
 * at deploy), checked before that: journeys' trigger filters by the journey validator, and every
 * rule of the synthesized templates by the deploy-limit check. Each problem names its JSON path
 * (`detail.value[0]`). A pattern refused here never reaches the local runtime, where it would
 * silently match nothing.
 *
 * Written from the EventBridge User Guide ("Event patterns", "Content filtering", "Arrays",
 * "Comparison operators") and the behaviour of Event Ruler, the matching library EventBridge runs:
 * - a pattern is a non-empty object; a field is a non-empty object (nested fields) or a non-empty
 *   array of matchers; nothing else;
 * - a matcher is a string, a number, true, false, null, or an object with exactly one operator:
 *   `prefix` / `suffix` (a string, or `{ "equals-ignore-case": string }`), `equals-ignore-case`
 *   (a string), `wildcard` (a string; no two `*` in a row; a backslash escapes only `*` or `\`),
 *   `anything-but` (a string, a number, a non-empty list of only strings or only numbers, or one of
 *   `prefix` / `suffix` with a string and `equals-ignore-case` / `wildcard` with a string or a
 *   list of strings), `numeric` (`["=", n]`, `["<" | "<=", n]`, or `[">" | ">=", n]` optionally
 *   followed by `"<" | "<=", m` with n below m), `exists` (true or false), `cidr` (an IPv4 or IPv6
 *   block);
 * - `$or` is a list of at least two non-empty sub-patterns, whose fields may not be operator
 *   names, and no field may be given twice in one alternative (`a` beside `$or: [{ a }, ...]`).
 */
import { isIP } from 'node:net';

/** One thing EventBridge would refuse, at a JSON path of the pattern. */
export interface EventPatternProblem {
  /** `detail.value[0]`, `$or[1].source`; empty for the pattern itself. */
  readonly path: string;
  readonly message: string;
}

type JsonObject = Record<string, unknown>;

const OPERATORS = [
  'prefix',
  'suffix',
  'equals-ignore-case',
  'wildcard',
  'anything-but',
  'numeric',
  'exists',
  'cidr',
] as const;

/** Names a field inside `$or` may not have: Event Ruler reads them as operators. */
const RESERVED_IN_OR: ReadonlySet<string> = new Set([...OPERATORS, 'exact', '=', '<', '<=', '>', '>=']);

/** Beyond this many `$or` alternatives, fields given twice are not looked for (the check stays bounded). */
const MAX_ALTERNATIVES_CHECKED = 10_000;

/** Every problem EventBridge would refuse `pattern` for (empty when it would accept it). */
export function eventPatternProblems(pattern: unknown): EventPatternProblem[] {
  const problems: EventPatternProblem[] = [];
  const report = (path: string, message: string) => problems.push({ path, message });
  if (!isObject(pattern)) {
    report('', 'an event pattern is a JSON object');
    return problems;
  }
  checkObject(pattern, '', false, report);
  if (problems.length === 0) checkRepeatedFields(pattern, report);
  return problems;
}

type Report = (path: string, message: string) => void;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function checkObject(pattern: JsonObject, path: string, insideOr: boolean, report: Report): void {
  const entries = Object.entries(pattern);
  if (entries.length === 0) report(path, 'an empty object is not allowed');
  for (const [key, value] of entries) {
    const at = join(path, key);
    if (key === '$or') {
      checkOr(value, at, report);
    } else if (insideOr && RESERVED_IN_OR.has(key)) {
      report(at, `"${key}" is an operator name: it cannot be a field inside $or`);
    } else if (Array.isArray(value)) {
      checkMatchers(value, at, report);
    } else if (isObject(value)) {
      checkObject(value, at, insideOr, report);
    } else {
      report(at, `must be an object of fields or an array of matchers, not ${JSON.stringify(value)}`);
    }
  }
}

function checkOr(value: unknown, at: string, report: Report): void {
  if (!Array.isArray(value)) {
    report(at, '$or takes an array of sub-patterns');
    return;
  }
  if (value.length < 2) report(at, `$or needs at least two sub-patterns, not ${value.length}`);
  for (const [i, alternative] of value.entries()) {
    if (isObject(alternative)) checkObject(alternative, `${at}[${i}]`, true, report);
    else report(`${at}[${i}]`, 'an alternative of $or is an object (a sub-pattern)');
  }
}

function checkMatchers(matchers: readonly unknown[], at: string, report: Report): void {
  if (matchers.length === 0) report(at, 'an empty list of matchers is not allowed');
  for (const [i, matcher] of matchers.entries()) {
    if (matcher === null || ['string', 'number', 'boolean'].includes(typeof matcher)) continue;
    const problem = isObject(matcher)
      ? operatorProblem(matcher)
      : 'a matcher is a string, a number, true, false, null or an operator object';
    if (problem !== undefined) report(`${at}[${i}]`, problem);
  }
}

function operatorProblem(matcher: JsonObject): string | undefined {
  const entries = Object.entries(matcher);
  const [entry] = entries;
  if (entry === undefined || entries.length > 1) {
    return `an operator object has exactly one operator, not ${entries.length}`;
  }
  const [operator, operand] = entry;
  switch (operator) {
    case 'prefix':
    case 'suffix':
      return affixProblem(operator, operand);
    case 'equals-ignore-case':
      return typeof operand === 'string' ? undefined : 'equals-ignore-case takes a string';
    case 'wildcard':
      return wildcardProblem(operand);
    case 'anything-but':
      return anythingButProblem(operand);
    case 'numeric':
      return numericProblem(operand);
    case 'exists':
      return typeof operand === 'boolean'
        ? undefined
        : `exists takes true or false, not ${JSON.stringify(operand)}`;
    case 'cidr':
      return cidrProblem(operand);
    default:
      return `unknown operator "${operator}" (EventBridge knows ${OPERATORS.join(', ')})`;
  }
}

function affixProblem(operator: string, operand: unknown): string | undefined {
  if (typeof operand === 'string') return undefined;
  const entries = isObject(operand) ? Object.entries(operand) : [];
  const [entry] = entries;
  return entries.length === 1 && entry?.[0] === 'equals-ignore-case' && typeof entry[1] === 'string'
    ? undefined
    : `${operator} takes a string or { "equals-ignore-case": string }`;
}

/** A wildcard: no two `*` in a row; a backslash escapes `*` or `\` only (so never ends the text). */
export function wildcardProblem(operand: unknown): string | undefined {
  if (typeof operand !== 'string') return 'wildcard takes a string';
  let afterStar = false;
  for (let i = 0; i < operand.length; i++) {
    const char = operand.charAt(i);
    if (char === '\\') {
      const escaped = operand.charAt(++i);
      if (escaped !== '*' && escaped !== '\\') return 'wildcard: a backslash may only escape "*" or "\\"';
      afterStar = false;
    } else if (char === '*') {
      if (afterStar) return `wildcard "${operand}" has two "*" in a row`;
      afterStar = true;
    } else {
      afterStar = false;
    }
  }
  return undefined;
}

function anythingButProblem(operand: unknown): string | undefined {
  if (typeof operand === 'string' || typeof operand === 'number') return undefined;
  if (Array.isArray(operand)) {
    const strings = operand.every((v) => typeof v === 'string');
    const numbers = operand.every((v) => typeof v === 'number');
    return operand.length > 0 && (strings || numbers)
      ? undefined
      : 'anything-but takes a non-empty list of only strings or only numbers';
  }
  const entries = isObject(operand) ? Object.entries(operand) : [];
  const [entry] = entries;
  const filters = ['prefix', 'suffix', 'equals-ignore-case', 'wildcard'];
  if (entry === undefined || entries.length > 1 || !filters.includes(entry[0])) {
    return `anything-but takes a string, a number, a list, or one of ${filters.join(', ')}`;
  }
  const [filter, argument] = entry;
  // The User Guide gives a single prefix or suffix, and lists for the other two.
  const listAllowed = filter === 'equals-ignore-case' || filter === 'wildcard';
  const values = listAllowed && Array.isArray(argument) ? argument : [argument];
  if (values.length === 0 || !values.every((v) => typeof v === 'string')) {
    return `anything-but ${filter} takes ${listAllowed ? 'a string or a non-empty list of strings' : 'a string'}`;
  }
  return filter === 'wildcard' ? values.map(wildcardProblem).find((p) => p !== undefined) : undefined;
}

const LOWER = new Set(['>', '>=']);
const UPPER = new Set(['<', '<=']);

/** `["=", n]`, `["<" | "<=", n]`, or `[">" | ">=", n]` then optionally `"<" | "<=", m` with n < m. */
function numericProblem(operand: unknown): string | undefined {
  const shape = 'numeric takes ["=", n], ["<", n], [">", n] or [">", n, "<", m] (with >= and <= too)';
  if (!Array.isArray(operand) || operand.length === 0) return shape;
  const [first, low, second, high, ...rest] = operand as unknown[];
  const comparators = ['=', ...LOWER, ...UPPER];
  if (typeof first !== 'string' || !comparators.includes(first)) {
    return `numeric comparator ${JSON.stringify(first)} is not one of ${comparators.join(' ')}`;
  }
  if (typeof low !== 'number' || !Number.isFinite(low)) {
    return `numeric ${first} takes a number, not ${JSON.stringify(low)}`;
  }
  if (operand.length === 2) return undefined;
  if (!LOWER.has(first)) return `numeric ${first} takes one number and nothing after it`;
  if (typeof second !== 'string' || !UPPER.has(second)) {
    return `a lower bound (${first}) can only be followed by an upper bound (< or <=), not ${JSON.stringify(second)}`;
  }
  if (typeof high !== 'number' || !Number.isFinite(high)) {
    return `numeric ${second} takes a number, not ${JSON.stringify(high)}`;
  }
  if (rest.length > 0) return 'numeric takes at most a lower and an upper bound';
  if (low >= high) return `numeric lower bound ${low} must be below the upper bound ${high}`;
  return undefined;
}

function cidrProblem(operand: unknown): string | undefined {
  const wrong = `cidr takes an IPv4 or IPv6 block such as "10.0.0.0/24", not ${JSON.stringify(operand)}`;
  if (typeof operand !== 'string') return wrong;
  const match = /^([^/]+)\/(\d{1,3})$/.exec(operand);
  const version = match?.[1] === undefined ? 0 : isIP(match[1]);
  if (version === 0) return wrong;
  return Number(match?.[2]) <= (version === 4 ? 32 : 128) ? undefined : wrong;
}

/**
 * A field path given twice in one alternative (`a`, and `a` again inside one `$or` branch):
 * EventBridge refuses it ("Path cannot be allowed multiple times").
 */
function checkRepeatedFields(pattern: JsonObject, report: Report): void {
  const alternatives = fieldAlternatives(pattern, '');
  if (alternatives === undefined) return;
  const reported = new Set<string>();
  for (const fields of alternatives) {
    const seen = new Set<string>();
    for (const field of fields) {
      if (seen.has(field) && !reported.has(field)) {
        reported.add(field);
        report(field, 'this field is given twice in one alternative (beside and inside $or)');
      }
      seen.add(field);
    }
  }
}

/** The leaf paths of each alternative the pattern's `$or`s spell out; undefined past the bound. */
function fieldAlternatives(pattern: JsonObject, path: string): string[][] | undefined {
  let alternatives: string[][] = [[]];
  for (const [key, value] of Object.entries(pattern)) {
    let choices: string[][] | undefined;
    if (key === '$or' && Array.isArray(value)) {
      choices = [];
      for (const sub of value) {
        const expanded = isObject(sub) ? fieldAlternatives(sub, path) : [[]];
        if (expanded === undefined) return undefined;
        choices.push(...expanded);
      }
    } else if (isObject(value)) {
      choices = fieldAlternatives(value, join(path, key));
    } else {
      choices = [[join(path, key)]];
    }
    if (choices === undefined || alternatives.length * choices.length > MAX_ALTERNATIVES_CHECKED) {
      return undefined;
    }
    alternatives = alternatives.flatMap((fields) => choices.map((more) => [...fields, ...more]));
  }
  return alternatives;
}
