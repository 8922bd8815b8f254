// Settings from the environment: a JSON setting is read with its schema, without zod's JIT (read
// once at a cold start), and is refused naming the field when it is malformed.
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { parseJsonSetting } from '../../../functions/platform/env.ts';

const Settings = z.strictObject({
  caps: z.object({ email: z.int().min(0), sms: z.int().min(0).default(2) }),
  topics: z.record(z.string(), z.object({ mode: z.enum(['opt_in', 'opt_out']) })),
});

describe('parseJsonSetting', () => {
  it('reads the JSON with the schema, defaults included, as parse does', () => {
    // Prepare
    const json = JSON.stringify({ caps: { email: 5 }, topics: { news: { mode: 'opt_in' } } });

    // Act
    const read = parseJsonSetting(Settings, json);

    // Assess
    expect(read).toEqual({ caps: { email: 5, sms: 2 }, topics: { news: { mode: 'opt_in' } } });
    expect(read).toEqual(Settings.parse(JSON.parse(json)));
  });

  it('refuses a malformed setting naming the field, and JSON that is not JSON', () => {
    // Act / Assess
    expect(() => parseJsonSetting(Settings, '{"caps":{"email":-1},"topics":{}}')).toThrow(
      /caps.*email|email/s,
    );
    expect(() => parseJsonSetting(Settings, '{"caps":{"email":1},"topics":{},"extra":true}')).toThrow(
      /extra/,
    );
    expect(() => parseJsonSetting(Settings, '{caps')).toThrow(SyntaxError);
  });
});
