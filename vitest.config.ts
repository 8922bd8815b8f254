import { defineConfig } from 'vitest/config';

/**
 * Test tiers, each a vitest project that runs alone with `npx vitest run --project <name>`;
 * `npm test` (`vitest run`) runs them all. Each tier inherits the shared settings below.
 */
const TIERS = {
  /** The journey and segment languages and the event catalogue: pure, in memory. */
  language: 'test/workflows/**/*.test.ts',
  /** Domain logic and Lambda handlers, AWS mocked with aws-sdk-client-mock or dynalite. */
  functions: 'test/functions/**/*.test.ts',
  /** CDK template assertions: rules, grants, runtime settings, cdk-nag. */
  infra: 'test/lib/**/*.test.ts',
  /** The local AWS stand-ins and dev tool against the real SDK clients. */
  local: 'test/local/**/*.test.ts',
  /** Reference journeys end to end on the local runtime, on a virtual clock. */
  journeys: 'test/journeys/**/*.test.ts',
  /** Leads, retention, failures and the web page end to end on the local runtime. */
  e2e: 'test/e2e/**/*.test.ts',
  /** The command line. */
  cli: 'test/bin/**/*.test.ts',
  /** The folders' dependency direction, checked on the sources. */
  layout: 'test/layout/**/*.test.ts',
} as const;

/** Tiers that run the whole system on the local runtime. */
const SLOW_TIERS = new Set<string>(['journeys', 'e2e', 'cli']);

export default defineConfig({
  test: {
    environment: 'node',
    // Two cores: keep parallelism modest so end-to-end tiers do not starve each other.
    maxWorkers: 2,
    // Generous: no test depends on the machine's speed, and a loaded machine (two suites at once
    // on two cores) can be several times slower than a quiet one.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    setupFiles: ['test/setup.ts'],
    projects: Object.entries(TIERS).map(([name, include]) => ({
      extends: true as const,
      test: {
        name,
        include: [include],
        // Whole days of virtual time on the local runtime: seconds on a quiet machine, and a minute
        // or more with a second suite sharing the two cores.
        ...(SLOW_TIERS.has(name) ? { testTimeout: 180_000 } : {}),
      },
    })),
  },
});
