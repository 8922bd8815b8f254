// The local Lambda service: one execution environment per function (own environment variables,
// own module instances), errors as the function raised them, timeouts that recycle the environment.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { LambdaHost } from '../../../local/aws/lambda-host.ts';
import type { LocalFunction } from '../../../local/aws/template.ts';

const PROJECT_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const FIXTURES = 'test/local/aws/fixtures';

function fn(name: string, entry: string, overrides: Partial<LocalFunction> = {}): LocalFunction {
  return {
    logicalId: name,
    name,
    arn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
    entry: `${FIXTURES}/${entry}`,
    environment: { OWN_VARIABLE: name },
    timeoutSeconds: 30,
    memorySize: 256,
    systemLogLevel: 'INFO',
    tracing: 'PassThrough',
    asyncRetries: 2,
    ...overrides,
  };
}

interface Answer {
  count: number;
  variables: string[];
  name: string;
  booted: unknown;
  at: string;
}

let host: LambdaHost | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

function start(
  functions: LocalFunction[],
  options: Partial<ConstructorParameters<typeof LambdaHost>[1]> = {},
) {
  host = new LambdaHost(functions, {
    projectRoot: PROJECT_ROOT,
    now: () => 0,
    onAsyncFailure: async () => undefined,
    environment: (f) => ({ ...f.environment, AWS_LAMBDA_FUNCTION_NAME: f.name }),
    ...options,
  });
  return host;
}

describe('execution environments', () => {
  it('give each function only the environment it is given, nothing of this process', async () => {
    const lambdas = start([fn('A', 'counting-handler.ts'), fn('B', 'counting-handler.ts')]);

    const a = (await lambdas.invoke('A', {})) as Answer;

    expect(process.env.PATH).toBeDefined();
    expect(a.variables).toEqual(['AWS_LAMBDA_FUNCTION_NAME', 'OWN_VARIABLE']);
    expect(a.name).toBe('A');
  });

  it('keep module instances per function: warm invocations share them, other functions do not', async () => {
    const lambdas = start([fn('A', 'counting-handler.ts'), fn('B', 'counting-handler.ts')]);

    const counts = [
      ((await lambdas.invoke('A', {})) as Answer).count,
      ((await lambdas.invoke('A', {})) as Answer).count,
      ((await lambdas.invoke('B', {})) as Answer).count,
    ];

    expect(counts).toEqual([1, 2, 1]);
    expect(lambdas.coldStarts).toBe(2);
  });

  it('load a package’s JSON imported with an import attribute (esbuild kept the attribute)', async () => {
    const lambdas = start([fn('A', 'package-json-handler.ts')]);
    expect(await lambdas.invoke('A', {})).toEqual({ codes: 250 });
  });

  it('load a module the handler imports with `await import()` when it is first called, with its packages (as deployed code is split)', async () => {
    const lambdas = start([fn('A', 'lazy-import-handler.ts')]);

    const untouched = await lambdas.invoke('A', {});
    const loaded = (await lambdas.invoke('A', { load: true })) as { languages: number };

    expect(untouched).toEqual({ atStart: false, afterwards: false });
    expect(loaded).toMatchObject({ atStart: false, afterwards: true });
    expect(loaded.languages).toBeGreaterThan(0);
  });

  it('return the result as JSON, as Lambda serializes it', async () => {
    const lambdas = start([fn('A', 'counting-handler.ts')]);
    expect(((await lambdas.invoke('A', {})) as Answer).at).toBe('1970-01-01T00:00:00.000Z');
  });

  it('run the bootstrap module before the handler, with its data (shared memory stays shared)', async () => {
    const shared = new SharedArrayBuffer(8);
    const cells = new Float64Array(shared);
    const lambdas = start([fn('A', 'counting-handler.ts')], {
      bootstrap: {
        module: fileURLToPath(new URL('./fixtures/bootstrap.ts', import.meta.url)),
        data: { shared },
      },
    });

    cells[0] = 42;
    const first = ((await lambdas.invoke('A', {})) as Answer).booted;
    cells[0] = 43;
    const second = ((await lambdas.invoke('A', {})) as Answer).booted;

    expect([first, second]).toEqual([42, 43]);
  });
});

describe('failures', () => {
  it('rethrow the function’s error with its name and message', async () => {
    const lambdas = start([fn('A', 'counting-handler.ts')]);

    const error = await lambdas.invoke('A', { fail: 'JourneyStepFailed' }).catch((e: unknown) => e);

    expect(error).toMatchObject({
      name: 'JourneyStepFailed',
      message: 'failed on purpose: JourneyStepFailed',
    });
    expect(lambdas.invocations.at(-1)).toMatchObject({
      ok: false,
      error: expect.stringContaining('JourneyStepFailed'),
    });
  });

  it('report an error thrown while the module loads, and try the init again on the next invocation', async () => {
    const lambdas = start([fn('A', 'failing-init-handler.ts')]);

    await expect(lambdas.invoke('A', {})).rejects.toThrow('Missing environment variable REQUIRED_TABLE');
    await expect(lambdas.invoke('A', {})).rejects.toThrow('Missing environment variable REQUIRED_TABLE');
    expect(lambdas.coldStarts).toBe(2);
  });

  it('time out an invocation that runs past the function’s timeout, and start a fresh environment after', async () => {
    const lambdas = start([fn('A', 'counting-handler.ts', { timeoutSeconds: 0.2 })]);
    expect(((await lambdas.invoke('A', {})) as Answer).count).toBe(1);

    const error = await lambdas.invoke('A', { sleepMs: 5_000 }).catch((e: unknown) => e);

    expect(error).toMatchObject({
      name: 'Sandbox.Timedout',
      message: expect.stringMatching(/Task timed out after 0\.20 seconds$/),
    });
    // Lambda reset the environment: module scope starts again.
    expect(((await lambdas.invoke('A', {})) as Answer).count).toBe(1);
    expect(lambdas.coldStarts).toBe(2);
  });

  it('bound each function’s concurrent invocations: the rest wait in order, their timeout counted from their start', async () => {
    // Arrange: A may run two at once (its reserved concurrency); each call takes 300 ms of a 500 ms timeout.
    const lambdas = start([
      fn('A', 'counting-handler.ts', { timeoutSeconds: 0.5, reservedConcurrency: 2 }),
      fn('B', 'counting-handler.ts'),
    ]);
    await lambdas.warm();

    // Act: six calls of A at once, then one of B.
    const calls = Array.from({ length: 6 }, () => lambdas.invoke('A', { sleepMs: 300 }));
    const queuedAtOnce = lambdas.queuedInvocations('A');
    const other = (await lambdas.invoke('B', {})) as Answer;
    const answers = (await Promise.all(calls)) as Answer[];

    // Assert: four waited; B has its own slots; none timed out (three rounds of 300 ms
    // exceed the 500 ms timeout, so it runs from each call's start); they ran in order.
    expect(queuedAtOnce).toBe(4);
    expect(other.count).toBe(1);
    expect(lambdas.queuedInvocations('B')).toBe(0);
    expect(answers.map((a) => a.count)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(lambdas.queuedInvocations('A')).toBe(0);
  });

  it('retry an asynchronous invocation as configured, then hand it to the on-failure destination', async () => {
    const failures: unknown[] = [];
    const lambdas = start([fn('A', 'counting-handler.ts', { asyncRetries: 1 })], {
      onAsyncFailure: async (_fn, event, error) => {
        failures.push({ event, error: (error as Error).name });
      },
    });

    await lambdas.invokeAsync('A', { fail: 'Boom' });

    expect(lambdas.counts.get('A')).toBe(2);
    expect(failures).toEqual([{ event: { fail: 'Boom' }, error: 'Boom' }]);
  });

  it('refuse invocations once stopped, and build nothing for them', async () => {
    // Names no other test uses: the first one's bundle tells this host's folder apart.
    const lambdas = start([
      fn('stop-invoked', 'counting-handler.ts'),
      fn('stop-never-built', 'counting-handler.ts'),
    ]);
    await lambdas.invoke('stop-invoked', {});
    const cache = join(PROJECT_ROOT, 'node_modules', '.cache', 'relance-lambda');
    const folders = readdirSync(cache)
      .map((run) => join(cache, run))
      .filter((folder) => existsSync(join(folder, 'stop-invoked')));
    expect(folders).toHaveLength(1);

    await lambdas.close();
    await expect(lambdas.invoke('stop-invoked', {})).rejects.toThrow('the Lambda host is stopped');
    await expect(lambdas.invoke('stop-never-built', {})).rejects.toThrow('the Lambda host is stopped');

    // A function first invoked after the stop was built into the folder being removed: the removal
    // failed (ENOTEMPTY) or the folder was made again and left behind.
    expect(folders.filter((folder) => existsSync(folder))).toEqual([]);
  });
});
