/**
 * The sales roster shipped with the code (`reps.json`, bundled at deploy time). Parsed with the
 * zod schema and checked by validateRoster; anything wrong fails loudly, naming the field
 * (`reps.json: reps.2.timezone: must be an IANA time zone name...`), so a bad roster never deploys.
 */

import roster from './reps.json' with { type: 'json' };
import { RepRoster, validateRoster } from './reps.ts';

/** Parses and validates a roster (the bundled `reps.json` unless given), throwing with every problem. */
export function loadRoster(source: unknown = roster, name = 'reps.json'): RepRoster {
  const parsed = RepRoster.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || 'roster'}: ${issue.message}`,
    );
    throw new Error(`${name}: ${problems.join('; ')}`);
  }
  const violations = validateRoster(parsed.data);
  if (violations.length > 0) throw new Error(`${name}: ${violations.join('; ')}`);
  return parsed.data;
}
