/**
 * Environment variables of the audience-pass function, shared with the CDK construct that sets
 * them so the two cannot disagree on a name.
 */
export const PASS_ENV = {
  /** JSON: workers, page size, pages per invocation, slot seconds, provider rates, default timezone. */
  settings: 'PASS_SETTINGS',
  /** JSON: the pass state machine, its schedule group and the role schedules use to start it. */
  target: 'PASS_TARGET',
} as const;
