/**
 * What EventBridge refuses when a rule is created, checked before deploy: each problem with its JSON
 * path. The forms issue 17 found passing synth (and matching nothing locally) come first.
 */
import { describe, expect, it } from 'vitest';
import { eventPatternProblems } from '#language/event-pattern.ts';

const problemsOf = (pattern: unknown) => eventPatternProblems(pattern).map((p) => `${p.path}: ${p.message}`);

describe('forms that passed synth and matched nothing locally', () => {
  it('refuses a numeric comparator that does not exist (">>")', () => {
    expect(problemsOf({ detail: { value: [{ numeric: ['>>', 5] }] } })).toEqual([
      'detail.value[0]: numeric comparator ">>" is not one of = > >= < <=',
    ]);
  });

  it('refuses an empty list of matchers', () => {
    expect(problemsOf({ detail: { value: [] } })).toEqual([
      'detail.value: an empty list of matchers is not allowed',
    ]);
  });

  it('refuses exists: "yes" (only true or false)', () => {
    expect(problemsOf({ detail: { value: [{ exists: 'yes' }] } })).toEqual([
      'detail.value[0]: exists takes true or false, not "yes"',
    ]);
  });

  it('refuses a wildcard with two stars in a row (a**)', () => {
    expect(problemsOf({ detail: { name: [{ wildcard: 'a**' }] } })).toEqual([
      'detail.name[0]: wildcard "a**" has two "*" in a row',
    ]);
  });

  it('refuses a $or with one alternative', () => {
    expect(problemsOf({ detail: { $or: [{ a: ['x'] }] } })).toEqual([
      'detail.$or: $or needs at least two sub-patterns, not 1',
    ]);
  });
});

describe('the other rules of EventBridge patterns', () => {
  it('accepts every documented operator form', () => {
    const pattern = {
      source: ['aws.ec2', { prefix: 'aws.' }, { prefix: { 'equals-ignore-case': 'AWS.' } }],
      time: [{ suffix: 'Z' }, { suffix: { 'equals-ignore-case': 'z' } }],
      detail: {
        name: [{ 'equals-ignore-case': 'alice' }, { wildcard: 'dir/*.png' }, { wildcard: 'a\\*b\\\\c' }],
        state: [
          { 'anything-but': 'initializing' },
          { 'anything-but': 123 },
          { 'anything-but': ['stopped', 'overloaded'] },
          { 'anything-but': [100, 200] },
          { 'anything-but': { prefix: 'init' } },
          { 'anything-but': { suffix: '.png' } },
          { 'anything-but': { 'equals-ignore-case': ['a', 'b'] } },
          { 'anything-but': { wildcard: ['*/lib/*', '*.jar'] } },
        ],
        count: [{ numeric: ['>', 0, '<=', 5] }, { numeric: ['=', 3.018e2] }, { numeric: ['<', 10] }],
        ip: [{ cidr: '10.0.0.0/24' }, { cidr: '2001:db8::/32' }],
        flags: [true, false, null, '', 0, { exists: true }, { exists: false }],
        $or: [{ a: ['x'] }, { b: { c: [1] } }],
      },
    };
    expect(problemsOf(pattern)).toEqual([]);
  });

  it('refuses what is not an object, an empty object anywhere, and a value that is neither object nor list', () => {
    expect(problemsOf(null)).toEqual([': an event pattern is a JSON object']);
    expect(problemsOf([])).toEqual([': an event pattern is a JSON object']);
    expect(problemsOf({})).toEqual([': an empty object is not allowed']);
    expect(problemsOf({ detail: {} })).toEqual(['detail: an empty object is not allowed']);
    expect(problemsOf({ detail: { state: 'running' } })).toEqual([
      'detail.state: must be an object of fields or an array of matchers, not "running"',
    ]);
  });

  it('refuses nested lists, unknown operators and operator objects with two operators or none', () => {
    expect(problemsOf({ source: [['aws.ec2']] })).toEqual([
      'source[0]: a matcher is a string, a number, true, false, null or an operator object',
    ]);
    expect(problemsOf({ source: [{ contains: 'ec2' }] })).toEqual([
      'source[0]: unknown operator "contains" (EventBridge knows prefix, suffix, equals-ignore-case, wildcard, anything-but, numeric, exists, cidr)',
    ]);
    expect(problemsOf({ source: [{ prefix: 'a', suffix: 'b' }] })).toEqual([
      'source[0]: an operator object has exactly one operator, not 2',
    ]);
    expect(problemsOf({ source: [{}] })).toEqual([
      'source[0]: an operator object has exactly one operator, not 0',
    ]);
  });

  it('refuses prefix, suffix and equals-ignore-case operands of the wrong kind', () => {
    expect(problemsOf({ a: [{ prefix: 5 }] })).toEqual([
      'a[0]: prefix takes a string or { "equals-ignore-case": string }',
    ]);
    expect(problemsOf({ a: [{ suffix: { 'equals-ignore-case': 5 } }] })).toHaveLength(1);
    expect(problemsOf({ a: [{ prefix: { wildcard: 'x*' } }] })).toHaveLength(1);
    expect(problemsOf({ a: [{ 'equals-ignore-case': ['a'] }] })).toEqual([
      'a[0]: equals-ignore-case takes a string',
    ]);
  });

  it('takes numeric ranges only as EventBridge reads them: a lower bound first, below the upper one', () => {
    const problem = (numeric: unknown) => problemsOf({ n: [{ numeric }] });
    expect(problem(['>', 0, '<'])).toEqual(['n[0]: numeric < takes a number, not undefined']);
    expect(problem([])).toHaveLength(1);
    expect(problem('>0')).toHaveLength(1);
    expect(problem(['>', '0'])).toEqual(['n[0]: numeric > takes a number, not "0"']);
    expect(problem(['=', 3, '<', 5])).toEqual(['n[0]: numeric = takes one number and nothing after it']);
    expect(problem(['<', 5, '>', 1])).toEqual(['n[0]: numeric < takes one number and nothing after it']);
    expect(problem(['>', 0, '>=', 1])).toEqual([
      'n[0]: a lower bound (>) can only be followed by an upper bound (< or <=), not ">="',
    ]);
    expect(problem(['>', 5, '<', 1])).toEqual([
      'n[0]: numeric lower bound 5 must be below the upper bound 1',
    ]);
    expect(problem(['>', 0, '<', 5, '<', 6])).toEqual([
      'n[0]: numeric takes at most a lower and an upper bound',
    ]);
  });

  it('refuses malformed cidr blocks', () => {
    for (const cidr of ['10.0.0.0', '10.0.0.0/33', '10.0.0/8', '2001:db8::/129', '2001:db8:::1/64', 10]) {
      expect(problemsOf({ ip: [{ cidr }] }), String(cidr)).toHaveLength(1);
    }
  });

  it('refuses wildcard escapes of anything but * and \\, and a trailing backslash', () => {
    expect(problemsOf({ a: [{ wildcard: 'a\\b' }] })).toEqual([
      'a[0]: wildcard: a backslash may only escape "*" or "\\"',
    ]);
    expect(problemsOf({ a: [{ wildcard: 'a\\' }] })).toHaveLength(1);
    expect(problemsOf({ a: [{ wildcard: '*\\\\*' }] })).toEqual([]);
    expect(problemsOf({ a: [{ wildcard: '\\**' }] })).toEqual([]);
  });

  it('refuses anything-but forms the User Guide does not give', () => {
    for (const operand of [
      ['a', 1],
      [],
      true,
      { prefix: ['a', 'b'] },
      { numeric: ['>', 1] },
      { wildcard: 'a**' },
    ]) {
      expect(problemsOf({ a: [{ 'anything-but': operand }] }), JSON.stringify(operand)).toHaveLength(1);
    }
  });

  it('checks inside each $or alternative, refuses operator names as fields there and a $or that is not a list', () => {
    expect(problemsOf({ $or: [{ a: ['x'] }, { b: 'y' }] })).toEqual([
      '$or[1].b: must be an object of fields or an array of matchers, not "y"',
    ]);
    expect(problemsOf({ $or: [{ a: ['x'] }, { numeric: [1] }] })).toEqual([
      '$or[1].numeric: "numeric" is an operator name: it cannot be a field inside $or',
    ]);
    expect(problemsOf({ $or: { a: ['x'] } })).toEqual(['$or: $or takes an array of sub-patterns']);
    expect(problemsOf({ $or: [{ a: ['x'] }, {}] })).toEqual(['$or[1]: an empty object is not allowed']);
  });

  it('refuses a field given twice in one alternative: beside a $or and inside one of its branches', () => {
    expect(problemsOf({ detail: { a: ['x'], $or: [{ a: ['y'] }, { b: ['z'] }] } })).toEqual([
      'detail.a: this field is given twice in one alternative (beside and inside $or)',
    ]);
    expect(problemsOf({ detail: { $or: [{ a: ['y'] }, { a: ['z'] }] } })).toEqual([]);
  });

  it('reports every problem, not just the first', () => {
    expect(problemsOf({ a: 'x', b: [{ nope: 1 }], c: { d: [{ exists: 1 }] } })).toHaveLength(3);
  });
});
