/**
 * EventBridge event-pattern matching, case by case from the AWS documentation. Test names quote or
 * paraphrase the documented rule; the page is named in each describe block (EventBridge User Guide):
 *   eb-create-pattern            "Event pattern syntax"
 *   eb-event-patterns-arrays     "Matching on multiple field values" / arrays
 *   eb-event-patterns-null-values "Matching null values and empty strings"
 *   eb-create-pattern-operators  "Comparison operators" (content filtering)
 * Where the docs are silent, the test says which choice the matcher makes.
 */
import { describe, expect, it } from 'vitest';
import { matchesPattern, matchWildcard } from '../../../local/aws/eventbridge/event-pattern.ts';

/** An event envelope as EventBridge delivers it, with the given detail. */
function envelope(detail: Record<string, unknown>, overrides: Record<string, unknown> = {}) {
  return {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': 'EC2 Instance State-change Notification',
    source: 'aws.ec2',
    account: '111122223333',
    time: '2017-10-02T18:43:48Z',
    region: 'us-west-1',
    resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
    detail,
    ...overrides,
  };
}

/** Pattern `{ detail: { [field]: matchers } }` against an event whose detail holds `value` (or not). */
function matchesField(matchers: unknown[], ...values: unknown[]): boolean {
  const detail = values.length === 0 ? {} : { field: values[0] };
  return matchesPattern({ detail: { field: matchers } }, envelope(detail));
}

describe('event pattern syntax (eb-create-pattern)', () => {
  it('matches when every field named in the pattern matches; other event fields are ignored', () => {
    const pattern = {
      source: ['aws.ec2'],
      'detail-type': ['EC2 Instance State-change Notification'],
      detail: { state: ['terminated'] },
    };
    expect(matchesPattern(pattern, envelope({ state: 'terminated', 'instance-id': 'i-1' }))).toBe(true);
    expect(matchesPattern(pattern, envelope({ state: 'running' }))).toBe(false);
    expect(matchesPattern(pattern, envelope({ state: 'terminated' }, { source: 'aws.s3' }))).toBe(false);
  });

  it('the values in a field array are alternatives: ["aws.ec2", "aws.fargate"] matches either', () => {
    const pattern = { source: ['aws.ec2', 'aws.fargate'] };
    expect(matchesPattern(pattern, envelope({}, { source: 'aws.fargate' }))).toBe(true);
    expect(matchesPattern(pattern, envelope({}, { source: 'aws.ec2' }))).toBe(true);
    expect(matchesPattern(pattern, envelope({}, { source: 'aws.ecs' }))).toBe(false);
  });

  it('strings match character by character, without case-folding or normalization', () => {
    expect(matchesField(['terminated'], 'terminated')).toBe(true);
    expect(matchesField(['terminated'], 'Terminated')).toBe(false);
    expect(matchesField(['terminated'], 'terminated ')).toBe(false);
  });

  it('numbers match numbers exactly, and never their string form', () => {
    expect(matchesField([80], 80)).toBe(true);
    expect(matchesField([80], 81)).toBe(false);
    expect(matchesField([80], '80')).toBe(false);
    expect(matchesField(['80'], 80)).toBe(false);
  });

  it('the keywords true and false match JSON booleans only', () => {
    expect(matchesField([true], true)).toBe(true);
    expect(matchesField([true], false)).toBe(false);
    expect(matchesField([true], 'true')).toBe(false);
    expect(matchesField([false], false)).toBe(true);
    expect(matchesField([false], 0)).toBe(false);
  });

  it('the event must contain every field named in the pattern', () => {
    expect(matchesField(['terminated'])).toBe(false);
    expect(matchesPattern({ detail: { state: ['terminated'] } }, { source: 'aws.ec2' })).toBe(false);
  });

  it('field names must appear with the same nesting structure (nested objects descend)', () => {
    const pattern = { detail: { trigger: { risk: [8] } } };
    expect(matchesPattern(pattern, envelope({ trigger: { risk: 8 } }))).toBe(true);
    expect(matchesPattern(pattern, envelope({ risk: 8 }))).toBe(false);
    expect(matchesPattern(pattern, envelope({ trigger: { risk: 9 } }))).toBe(false);
    expect(matchesPattern({ state: ['terminated'] }, envelope({ state: 'terminated' }))).toBe(false);
  });

  it('a nested pattern does not match a scalar where the event has no object', () => {
    expect(matchesPattern({ detail: { trigger: { risk: [8] } } }, envelope({ trigger: 8 }))).toBe(false);
  });

  it('matching is on leaf values: a value matcher never matches an object', () => {
    expect(matchesField(['x'], { nested: 'x' })).toBe(false);
    expect(matchesField([{ prefix: '' }], { nested: 'x' })).toBe(false);
  });

  it('sibling fields are ANDed (Macie example: risk-score 80 and trigger.risk 8)', () => {
    const pattern = { source: ['aws.macie'], detail: { 'risk-score': [80], trigger: { risk: [8] } } };
    const event = (risk: number) =>
      envelope({ 'risk-score': 80, trigger: { risk, 'alert-type': 'basic' } }, { source: 'aws.macie' });
    expect(matchesPattern(pattern, event(8))).toBe(true);
    expect(matchesPattern(pattern, event(7))).toBe(false);
  });
});

describe('null values and empty strings (eb-event-patterns-null-values)', () => {
  const event = envelope({ eventVersion: '', responseElements: null });

  it('[""] matches a field whose value is an empty string', () => {
    expect(matchesPattern({ detail: { eventVersion: [''] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { eventVersion: [''] } }, envelope({ eventVersion: '1' }))).toBe(false);
  });

  it('[null] matches a field whose value is null', () => {
    expect(matchesPattern({ detail: { responseElements: [null] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { responseElements: [null] } }, envelope({ responseElements: {} }))).toBe(
      false,
    );
  });

  it('null and empty strings are not interchangeable', () => {
    expect(matchesPattern({ detail: { responseElements: [''] } }, event)).toBe(false);
    expect(matchesPattern({ detail: { eventVersion: [null] } }, event)).toBe(false);
  });

  it('[null] does not match a missing field', () => {
    expect(matchesPattern({ detail: { missing: [null] } }, event)).toBe(false);
  });
});

describe('arrays (eb-event-patterns-arrays)', () => {
  const resourcesPattern = {
    resources: [
      'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
      'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
      'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
    ],
  };

  it('when the event value is an array, the pattern matches if the intersection is non-empty', () => {
    const event = envelope(
      {},
      {
        resources: [
          'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b:autoScalingGroupName/ASGTerminate',
          'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        ],
      },
    );
    expect(matchesPattern(resourcesPattern, event)).toBe(true);
  });

  it('when no element of the event array is in the pattern array, it does not match', () => {
    const event = envelope({}, { resources: ['arn:aws:ec2:us-east-1:999999999999:instance/i-b188560f'] });
    expect(matchesPattern(resourcesPattern, event)).toBe(false);
  });

  it('an empty event array never matches a value matcher', () => {
    expect(matchesField([''], [])).toBe(false);
    expect(matchesField([null], [])).toBe(false);
    expect(matchesField([{ prefix: '' }], [])).toBe(false);
    expect(matchesField([{ 'anything-but': 'x' }], [])).toBe(false);
    expect(matchesField([{ numeric: ['>=', 0] }], [])).toBe(false);
    expect(matchesField([{ exists: true }], [])).toBe(false);
  });

  it('operators apply to each element of an event array: any element may satisfy them', () => {
    expect(matchesField([{ prefix: 'us-' }], ['eu-west-1', 'us-east-1'])).toBe(true);
    expect(matchesField([{ numeric: ['>', 10] }], [1, 2, 30])).toBe(true);
    expect(matchesField([{ numeric: ['>', 10] }], [1, 2, 3])).toBe(false);
  });

  it('arrays of objects are flattened: a nested pattern matches if any element matches it', () => {
    const pattern = { detail: { items: { sku: ['A-1'] } } };
    expect(matchesPattern(pattern, envelope({ items: [{ sku: 'B-2' }, { sku: 'A-1' }] }))).toBe(true);
    expect(matchesPattern(pattern, envelope({ items: [{ sku: 'B-2' }, { sku: 'C-3' }] }))).toBe(false);
    expect(matchesPattern(pattern, envelope({ items: [] }))).toBe(false);
  });

  it('array-consistent: fields of one nested pattern must come from the same array element', () => {
    const pattern = { detail: { employees: { firstName: ['Anna'], lastName: ['Smith'] } } };
    const employees = [
      { firstName: 'John', lastName: 'Doe' },
      { firstName: 'Anna', lastName: 'Smith' },
      { firstName: 'Peter', lastName: 'Jones' },
    ];
    expect(matchesPattern(pattern, envelope({ employees }))).toBe(true);
    const crossed = { detail: { employees: { firstName: ['Anna'], lastName: ['Jones'] } } };
    expect(matchesPattern(crossed, envelope({ employees }))).toBe(false);
  });

  it('multi-level arrays are flattened too', () => {
    const pattern = { detail: { employees: { firstName: ['Peter'] } } };
    const employees = [[{ firstName: 'John' }, { firstName: 'Anna' }], [{ firstName: 'Peter' }]];
    expect(matchesPattern(pattern, envelope({ employees }))).toBe(true);
    expect(matchesField(['b'], [['a'], [['b']]])).toBe(true);
    expect(matchesField(['c'], [['a'], [['b']]])).toBe(false);
  });
});

describe('prefix matching (eb-create-pattern-operators: Begins with)', () => {
  it('{"prefix": "2017-10-02"} matches "2017-10-02T18:43:48Z" and not another day', () => {
    expect(matchesPattern({ time: [{ prefix: '2017-10-02' }] }, envelope({}))).toBe(true);
    expect(matchesPattern({ time: [{ prefix: '2017-10-03' }] }, envelope({}))).toBe(false);
  });

  it('prefix is case-sensitive', () => {
    expect(matchesField([{ prefix: 'us-' }], 'US-east-1')).toBe(false);
  });

  it('prefix works on string values only', () => {
    expect(matchesField([{ prefix: '12' }], 123)).toBe(false);
    expect(matchesField([{ prefix: 'tr' }], true)).toBe(false);
    expect(matchesField([{ prefix: 'nu' }], null)).toBe(false);
  });

  it('{"prefix": {"equals-ignore-case": "EventB"}} matches any casing of the prefix', () => {
    const matcher = { prefix: { 'equals-ignore-case': 'EventB' } };
    expect(matchesField([matcher], 'eventbridge')).toBe(true);
    expect(matchesField([matcher], 'EVENTBRIDGE')).toBe(true);
    expect(matchesField([matcher], 'lambda')).toBe(false);
    expect(matchesField([matcher], 'the EventBridge')).toBe(false);
  });
});

describe('suffix matching (eb-create-pattern-operators: Ends with)', () => {
  it('{"suffix": ".png"} matches file names ending in .png only', () => {
    expect(matchesField([{ suffix: '.png' }], 'photo.png')).toBe(true);
    expect(matchesField([{ suffix: '.png' }], 'photo.jpg')).toBe(false);
    expect(matchesField([{ suffix: '.png' }], 'photo.png.bak')).toBe(false);
  });

  it('suffix is case-sensitive and works on strings only', () => {
    expect(matchesField([{ suffix: '.png' }], 'photo.PNG')).toBe(false);
    expect(matchesField([{ suffix: '5' }], 5)).toBe(false);
  });

  it('{"suffix": {"equals-ignore-case": ".png"}} matches .PNG and other casings', () => {
    const matcher = { suffix: { 'equals-ignore-case': '.png' } };
    expect(matchesField([matcher], 'photo.PNG')).toBe(true);
    expect(matchesField([matcher], 'photo.Png')).toBe(true);
    expect(matchesField([matcher], 'photo.gif')).toBe(false);
  });
});

describe('equals-ignore-case (eb-create-pattern-operators: Equals (ignore case))', () => {
  it('{"equals-ignore-case": "alice"} matches "Alice" in any casing', () => {
    expect(matchesField([{ 'equals-ignore-case': 'alice' }], 'Alice')).toBe(true);
    expect(matchesField([{ 'equals-ignore-case': 'alice' }], 'ALICE')).toBe(true);
  });

  it('does not match other strings, longer strings or non-strings', () => {
    expect(matchesField([{ 'equals-ignore-case': 'alice' }], 'Alicia')).toBe(false);
    expect(matchesField([{ 'equals-ignore-case': 'alice' }], 'Alice ')).toBe(false);
    expect(matchesField([{ 'equals-ignore-case': '1' }], 1)).toBe(false);
  });
});

describe('wildcard (eb-create-pattern-operators: Wildcard)', () => {
  it('"dir/*.png" matches any .png file located within the folder "dir"', () => {
    expect(matchesField([{ wildcard: 'dir/*.png' }], 'dir/photo.png')).toBe(true);
    expect(matchesField([{ wildcard: 'dir/*.png' }], 'dir/sub/photo.png')).toBe(true);
    expect(matchesField([{ wildcard: 'dir/*.png' }], 'other/photo.png')).toBe(false);
    expect(matchesField([{ wildcard: 'dir/*.png' }], 'dir/photo.jpg')).toBe(false);
  });

  it('* matches zero, one or many characters, anywhere in the pattern', () => {
    expect(matchesField([{ wildcard: '*Title*' }], 'Title')).toBe(true);
    expect(matchesField([{ wildcard: '*Title*' }], 'The Title of it')).toBe(true);
    expect(matchesField([{ wildcard: '*Title*' }], 'The title')).toBe(false);
    expect(matchesField([{ wildcard: 'a*b*c' }], 'abc')).toBe(true);
    expect(matchesField([{ wildcard: 'a*b*c' }], 'acb')).toBe(false);
  });

  it('without a *, wildcard is an exact match (other regex characters are literal)', () => {
    expect(matchesField([{ wildcard: 'a.b' }], 'a.b')).toBe(true);
    expect(matchesField([{ wildcard: 'a.b' }], 'axb')).toBe(false);
  });

  it('\\* matches a literal star', () => {
    expect(matchesField([{ wildcard: 'a\\*b' }], 'a*b')).toBe(true);
    expect(matchesField([{ wildcard: 'a\\*b' }], 'axb')).toBe(false);
    expect(matchesField([{ wildcard: 'a\\**' }], 'a*bc')).toBe(true);
  });

  it('\\\\ matches a literal backslash', () => {
    expect(matchesField([{ wildcard: 'C:\\\\*' }], 'C:\\Windows')).toBe(true);
    expect(matchesField([{ wildcard: 'C:\\\\*' }], 'C:/Windows')).toBe(false);
  });

  it('matches without backtracking: a star-heavy wildcard against a long value (21 s with the regular expression)', () => {
    // Correctness here; the time it takes is in the bench (npm run bench -- --only wildcard).
    const value = 'a'.repeat(400);
    expect(matchWildcard('*a*a*a*b', value)).toBe(false);
    expect(matchWildcard('*a*a*a*b', `${value}b`)).toBe(true);
    expect(matchWildcard('*a*a*a*', value)).toBe(true);
    expect(matchWildcard(`${'*a'.repeat(400)}*`, value)).toBe(true);
    expect(matchWildcard(`${'*a'.repeat(401)}*`, value)).toBe(false);
  });

  it('keeps the first and last pieces anchored, and pieces in order without overlapping', () => {
    expect(matchWildcard('ab*ba', 'aba')).toBe(false); // the prefix and the suffix would share the b
    expect(matchWildcard('ab*ba', 'abba')).toBe(true);
    expect(matchWildcard('a*aa*a', 'aaa')).toBe(false);
    expect(matchWildcard('a*aa*a', 'aaaa')).toBe(true);
    expect(matchWildcard('*x*y*', 'yx')).toBe(false);
    expect(matchWildcard('*x*y*', 'xy')).toBe(true);
    expect(matchWildcard('', '')).toBe(true);
    expect(matchWildcard('', 'a')).toBe(false);
    expect(matchWildcard('*', '')).toBe(true);
  });

  it('wildcard works on string values only', () => {
    expect(matchesField([{ wildcard: '*' }], 5)).toBe(false);
    expect(matchesField([{ wildcard: '*' }], '')).toBe(true);
  });
});

describe('anything-but (eb-create-pattern-operators: Anything-but)', () => {
  it('a single string: state is any value besides "initializing"', () => {
    expect(matchesField([{ 'anything-but': 'initializing' }], 'running')).toBe(true);
    expect(matchesField([{ 'anything-but': 'initializing' }], 'initializing')).toBe(false);
  });

  it('a single number: x-limit is anything but 123', () => {
    expect(matchesField([{ 'anything-but': 123 }], 124)).toBe(true);
    expect(matchesField([{ 'anything-but': 123 }], 123)).toBe(false);
  });

  it('values are typed: anything-but 123 does not exclude the string "123"', () => {
    expect(matchesField([{ 'anything-but': 123 }], '123')).toBe(true);
  });

  it('a list of strings excludes each of them', () => {
    const matcher = { 'anything-but': ['stopped', 'overloaded'] };
    expect(matchesField([matcher], 'running')).toBe(true);
    expect(matchesField([matcher], 'stopped')).toBe(false);
    expect(matchesField([matcher], 'overloaded')).toBe(false);
  });

  it('a list of numbers excludes each of them', () => {
    const matcher = { 'anything-but': [100, 200, 300] };
    expect(matchesField([matcher], 150)).toBe(true);
    expect(matchesField([matcher], 200)).toBe(false);
  });

  it('{"anything-but": {"prefix": "us-"}}: region is not in the US', () => {
    const matcher = { 'anything-but': { prefix: 'us-' } };
    expect(matchesField([matcher], 'eu-west-1')).toBe(true);
    expect(matchesField([matcher], 'us-east-1')).toBe(false);
  });

  it('{"anything-but": {"suffix": ".png"}}: file name does not end with .png', () => {
    const matcher = { 'anything-but': { suffix: '.png' } };
    expect(matchesField([matcher], 'photo.jpg')).toBe(true);
    expect(matchesField([matcher], 'photo.png')).toBe(false);
  });

  it('{"anything-but": {"equals-ignore-case": "initializing"}} excludes every casing', () => {
    const matcher = { 'anything-but': { 'equals-ignore-case': 'initializing' } };
    expect(matchesField([matcher], 'running')).toBe(true);
    expect(matchesField([matcher], 'INITIALIZING')).toBe(false);
    expect(matchesField([matcher], 'Initializing')).toBe(false);
  });

  it('anything-but equals-ignore-case also takes a list', () => {
    const matcher = { 'anything-but': { 'equals-ignore-case': ['stopped', 'overloaded'] } };
    expect(matchesField([matcher], 'running')).toBe(true);
    expect(matchesField([matcher], 'Overloaded')).toBe(false);
  });

  it('{"anything-but": {"wildcard": "*/lib/*"}}: the path does not include /lib/', () => {
    const matcher = { 'anything-but': { wildcard: '*/lib/*' } };
    expect(matchesField([matcher], '/usr/bin/node')).toBe(true);
    expect(matchesField([matcher], '/usr/lib/node')).toBe(false);
  });

  it('anything-but on a missing field does not match', () => {
    expect(matchesField([{ 'anything-but': 'initializing' }])).toBe(false);
    expect(matchesField([{ 'anything-but': { prefix: 'init' } }])).toBe(false);
  });

  it('a null value is present and is not excluded by a string anything-but', () => {
    expect(matchesField([{ 'anything-but': ['baz'] }], null)).toBe(true);
  });

  it('string filters never exclude non-strings', () => {
    expect(matchesField([{ 'anything-but': { prefix: '1' } }], 123)).toBe(true);
  });

  it('on an event array, matches if any element is not excluded', () => {
    const matcher = { 'anything-but': 'stopped' };
    expect(matchesField([matcher], ['stopped', 'running'])).toBe(true);
    expect(matchesField([matcher], ['stopped', 'stopped'])).toBe(false);
  });
});

describe('numeric (eb-create-pattern-operators: Numeric)', () => {
  it('[">", 0, "<=", 5] is a range open at 0 and closed at 5', () => {
    const matcher = { numeric: ['>', 0, '<=', 5] };
    expect(matchesField([matcher], 5)).toBe(true);
    expect(matchesField([matcher], 0.5)).toBe(true);
    expect(matchesField([matcher], 0)).toBe(false);
    expect(matchesField([matcher], 5.000001)).toBe(false);
  });

  it('["<", 10] and [">=", 10] are single-sided bounds', () => {
    expect(matchesField([{ numeric: ['<', 10] }], -3)).toBe(true);
    expect(matchesField([{ numeric: ['<', 10] }], 10)).toBe(false);
    expect(matchesField([{ numeric: ['>=', 10] }], 10)).toBe(true);
    expect(matchesField([{ numeric: ['>=', 10] }], 9.99)).toBe(false);
  });

  it('["=", 3] matches exactly 3; ["=", 3.018e2] matches 301.8', () => {
    expect(matchesField([{ numeric: ['=', 3] }], 3)).toBe(true);
    expect(matchesField([{ numeric: ['=', 3] }], 3.5)).toBe(false);
    expect(matchesField([{ numeric: ['=', 3.018e2] }], 301.8)).toBe(true);
  });

  it('numeric matching only works with values that are JSON numbers', () => {
    expect(matchesField([{ numeric: ['=', 3] }], '3')).toBe(false);
    expect(matchesField([{ numeric: ['>=', 0] }], null)).toBe(false);
    expect(matchesField([{ numeric: ['>=', 0] }], true)).toBe(false);
  });

  it('a missing field does not match a numeric filter', () => {
    expect(matchesField([{ numeric: ['>=', 0] }])).toBe(false);
  });
});

describe('exists (eb-create-pattern-operators: Exists / Does not exist)', () => {
  it('{"exists": true} matches when the field is present, not when it is missing', () => {
    expect(matchesField([{ exists: true }], 'pending')).toBe(true);
    expect(matchesField([{ exists: true }])).toBe(false);
  });

  it('{"exists": false} matches when the field is missing, not when it is present', () => {
    expect(matchesField([{ exists: false }])).toBe(true);
    expect(matchesField([{ exists: false }], 'pending')).toBe(false);
  });

  it('exists is about presence, not value: null and "" are present', () => {
    expect(matchesField([{ exists: true }], null)).toBe(true);
    expect(matchesField([{ exists: false }], null)).toBe(false);
    expect(matchesField([{ exists: true }], '')).toBe(true);
    expect(matchesField([{ exists: true }], 0)).toBe(true);
    expect(matchesField([{ exists: true }], false)).toBe(true);
  });

  it('exists only works on leaf nodes: an object value counts as no leaf (c-count example)', () => {
    expect(matchesField([{ exists: false }], { c1: 100 })).toBe(true);
    expect(matchesField([{ exists: true }], { c1: 100 })).toBe(false);
  });

  it('a missing parent object means the leaf is missing', () => {
    expect(matchesPattern({ detail: { a: { b: [{ exists: false }] } } }, envelope({}))).toBe(true);
    expect(matchesPattern({ detail: { a: { b: [{ exists: true }] } } }, envelope({}))).toBe(false);
  });

  it('an array of scalars is a present leaf; an empty array has no leaf values (choice: missing)', () => {
    expect(matchesField([{ exists: true }], ['a'])).toBe(true);
    expect(matchesField([{ exists: false }], ['a'])).toBe(false);
    expect(matchesField([{ exists: false }], [])).toBe(true);
  });

  it('exists combines with values as alternatives in one match list', () => {
    const matchers = ['active', { exists: false }];
    expect(matchesField(matchers)).toBe(true);
    expect(matchesField(matchers, 'active')).toBe(true);
    expect(matchesField(matchers, 'inactive')).toBe(false);
  });

  it('inside an array of objects, exists:false holds only when no element has the field', () => {
    const pattern = { detail: { items: { sku: [{ exists: false }] } } };
    expect(matchesPattern(pattern, envelope({ items: [{ qty: 1 }, { qty: 2 }] }))).toBe(true);
    expect(matchesPattern(pattern, envelope({ items: [{ qty: 1 }, { sku: 'A-1' }] }))).toBe(false);
  });

  it('a field named like an Object.prototype member is still missing when absent', () => {
    expect(matchesPattern({ detail: { constructor: [{ exists: true }] } }, envelope({}))).toBe(false);
    expect(matchesPattern({ detail: { toString: [{ exists: false }] } }, envelope({}))).toBe(true);
  });
});

describe('cidr (eb-create-pattern-operators: IP address matching)', () => {
  it('"10.0.0.0/24" matches 10.0.0.0 through 10.0.0.255 and nothing outside', () => {
    expect(matchesField([{ cidr: '10.0.0.0/24' }], '10.0.0.0')).toBe(true);
    expect(matchesField([{ cidr: '10.0.0.0/24' }], '10.0.0.255')).toBe(true);
    expect(matchesField([{ cidr: '10.0.0.0/24' }], '10.0.1.1')).toBe(false);
    expect(matchesField([{ cidr: '10.0.0.0/24' }], '9.255.255.255')).toBe(false);
  });

  it('/32 is a single address and /0 is every IPv4 address', () => {
    expect(matchesField([{ cidr: '192.168.1.7/32' }], '192.168.1.7')).toBe(true);
    expect(matchesField([{ cidr: '192.168.1.7/32' }], '192.168.1.8')).toBe(false);
    expect(matchesField([{ cidr: '0.0.0.0/0' }], '203.0.113.9')).toBe(true);
  });

  it('works with IPv6 addresses, including :: compression', () => {
    expect(matchesField([{ cidr: '2001:db8::/32' }], '2001:db8:1::1')).toBe(true);
    expect(matchesField([{ cidr: '2001:db8::/32' }], '2001:0db8:0000:0000:0000:0000:0000:0001')).toBe(true);
    expect(matchesField([{ cidr: '2001:db8::/32' }], '2001:db9::1')).toBe(false);
    expect(matchesField([{ cidr: '::ffff:10.0.0.0/120' }], '::ffff:10.0.0.42')).toBe(true);
  });

  it('does not match across address families, malformed addresses or non-strings', () => {
    expect(matchesField([{ cidr: '10.0.0.0/8' }], '::a00:1')).toBe(false);
    expect(matchesField([{ cidr: '10.0.0.0/8' }], '10.0.0.256')).toBe(false);
    expect(matchesField([{ cidr: '10.0.0.0/8' }], 'not-an-ip')).toBe(false);
    expect(matchesField([{ cidr: '10.0.0.0/8' }], 167772161)).toBe(false);
  });
});

describe('$or (eb-create-pattern-operators: Or)', () => {
  const metrics = {
    source: ['aws.cloudwatch'],
    $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
  };

  it('source AND (metricName OR namespace): any alternative may match', () => {
    expect(matchesPattern(metrics, { source: 'aws.cloudwatch', metricName: 'CPUUtilization' })).toBe(true);
    expect(matchesPattern(metrics, { source: 'aws.cloudwatch', namespace: 'AWS/ES' })).toBe(true);
  });

  it('no alternative matching means no match', () => {
    expect(
      matchesPattern(metrics, { source: 'aws.cloudwatch', metricName: 'DiskIO', namespace: 'AWS/S3' }),
    ).toBe(false);
  });

  it('sibling keys of $or still apply (AND)', () => {
    expect(matchesPattern(metrics, { source: 'aws.ec2', metricName: 'CPUUtilization' })).toBe(false);
  });

  it('$or works at any level of nesting', () => {
    const pattern = {
      detail: { $or: [{ state: ['stopped'] }, { 'c-count': [{ numeric: ['>', 5] }] }] },
    };
    expect(matchesPattern(pattern, envelope({ state: 'stopped' }))).toBe(true);
    expect(matchesPattern(pattern, envelope({ state: 'running', 'c-count': 6 }))).toBe(true);
    expect(matchesPattern(pattern, envelope({ state: 'running', 'c-count': 5 }))).toBe(false);
  });

  it('an alternative may AND several fields, and may itself contain $or', () => {
    const pattern = {
      source: ['aws.cloudwatch'],
      $or: [
        { metricName: ['CPUUtilization'] },
        {
          metricType: ['MetricType'],
          namespace: ['AWS/EC2'],
          $or: [{ metricId: [1234] }, { spaceId: [1000] }],
        },
      ],
    };
    const base = { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/EC2' };
    expect(matchesPattern(pattern, { ...base, spaceId: 1000 })).toBe(true);
    expect(matchesPattern(pattern, { ...base, metricId: 1 })).toBe(false);
    expect(matchesPattern(pattern, { ...base, namespace: 'AWS/ES', metricId: 1234 })).toBe(false);
  });

  it('two $or clauses at different levels must both hold', () => {
    const pattern = {
      $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }],
      detail: { $or: [{ source: ['aws.cloudwatch'] }, { 'detail-type': ['CloudWatch Alarm State Change'] }] },
    };
    expect(matchesPattern(pattern, { namespace: 'AWS/EC2', detail: { source: 'aws.cloudwatch' } })).toBe(
      true,
    );
    expect(matchesPattern(pattern, { namespace: 'AWS/EC2', detail: { source: 'aws.s3' } })).toBe(false);
  });
});

describe('relance patterns', () => {
  const cartUpdated = {
    source: ['relance.ingest'],
    'detail-type': ['cart.updated'],
    detail: { items: { sku: [{ exists: true }] } },
  };
  const cartEvent = (items: unknown[], detailType = 'cart.updated') =>
    envelope({ cartId: 'c-1', items }, { source: 'relance.ingest', 'detail-type': detailType });

  it('cart.updated with items.sku exists: matches when any item in the array has a sku', () => {
    expect(matchesPattern(cartUpdated, cartEvent([{ qty: 1 }, { sku: 'SKU-1', qty: 2 }]))).toBe(true);
  });

  it('cart.updated with items.sku exists: no item with a sku, or no items, does not match', () => {
    expect(matchesPattern(cartUpdated, cartEvent([{ qty: 1 }, { name: 'gift card' }]))).toBe(false);
    expect(matchesPattern(cartUpdated, cartEvent([]))).toBe(false);
  });

  it('cart.updated pattern does not match another detail-type', () => {
    expect(matchesPattern(cartUpdated, cartEvent([{ sku: 'SKU-1' }], 'cart.abandoned'))).toBe(false);
  });

  const backInStock = { detail: { newQuantity: [{ numeric: ['>', 0] }], previousQuantity: [0] } };

  it('back in stock: newQuantity > 0 and previousQuantity exactly 0', () => {
    expect(matchesPattern(backInStock, envelope({ sku: 'SKU-1', newQuantity: 4, previousQuantity: 0 }))).toBe(
      true,
    );
  });

  it('back in stock: fails when still out of stock, previously in stock, or quantities are strings', () => {
    expect(matchesPattern(backInStock, envelope({ newQuantity: 0, previousQuantity: 0 }))).toBe(false);
    expect(matchesPattern(backInStock, envelope({ newQuantity: 4, previousQuantity: 1 }))).toBe(false);
    expect(matchesPattern(backInStock, envelope({ newQuantity: '4', previousQuantity: 0 }))).toBe(false);
    expect(matchesPattern(backInStock, envelope({ newQuantity: 4, previousQuantity: '0' }))).toBe(false);
    expect(matchesPattern(backInStock, envelope({ newQuantity: 4 }))).toBe(false);
  });
});

describe('malformed patterns never match', () => {
  it('a non-object pattern matches nothing', () => {
    expect(matchesPattern(null, envelope({}))).toBe(false);
    expect(matchesPattern(['aws.ec2'], envelope({}))).toBe(false);
    expect(matchesPattern('{"source":["aws.ec2"]}', envelope({}))).toBe(false);
  });

  it('a scalar leaf (not an array) or an unknown operator matches nothing', () => {
    expect(matchesPattern({ source: 'aws.ec2' }, envelope({}))).toBe(false);
    expect(matchesField([{ contains: 'x' }], 'xyz')).toBe(false);
    expect(matchesField([{ prefix: 'x', suffix: 'z' }], 'xyz')).toBe(false);
  });

  it('a non-object event matches nothing positive', () => {
    expect(matchesPattern({ source: ['aws.ec2'] }, null)).toBe(false);
    expect(matchesPattern({ source: ['aws.ec2'] }, 'aws.ec2')).toBe(false);
  });
});
