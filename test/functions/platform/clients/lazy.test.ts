import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type LoadedClient, lazyClient, SdkCommand, withoutSdkLogger } from '#platform/clients/lazy.ts';

const tracedClients = vi.hoisted(() => [] as unknown[]);
vi.mock('#platform/tracer.ts', () => ({
  traced: <T>(client: T): T => {
    tracedClients.push(client);
    return client;
  },
}));

const PROJECT_ROOT = resolve(import.meta.dirname, '../../../..');

class EchoCommand extends SdkCommand<{ value: string }, { echoed: string }> {
  readonly sdkName = 'EchoCommand';
}

/** A stand-in for an SDK client: sends an SDK command object by returning its input. */
function fakeSdk() {
  const sent: unknown[] = [];
  class SdkEcho {
    constructor(readonly input: { value: string }) {}
  }
  const client = {
    async send(command: SdkEcho) {
      sent.push(command);
      return { echoed: command.input.value };
    },
  };
  return { client, sent, commands: { EchoCommand: SdkEcho } };
}

afterEach(() => {
  tracedClients.length = 0;
});

describe('lazyClient', () => {
  it('makes and traces the client on the first send only, then sends the SDK command of that name', async () => {
    const sdk = fakeSdk();
    const load = vi.fn(
      async (traced: <T>(client: T) => T): Promise<LoadedClient> => ({
        client: traced(sdk.client),
        commands: sdk.commands,
      }),
    );
    const client = lazyClient(load);
    expect(load).not.toHaveBeenCalled();
    expect(tracedClients).toEqual([]);

    await expect(client.send(new EchoCommand({ value: 'a' }))).resolves.toEqual({ echoed: 'a' });
    await expect(client.send(new EchoCommand({ value: 'b' }))).resolves.toEqual({ echoed: 'b' });

    expect(load).toHaveBeenCalledTimes(1);
    expect(tracedClients).toEqual([sdk.client]);
    expect(sdk.sent.map((command) => command instanceof sdk.commands.EchoCommand)).toEqual([true, true]);
  });

  it('tries a failed load again on the next send', async () => {
    const sdk = fakeSdk();
    let attempts = 0;
    const client = lazyClient(async (traced) => {
      attempts += 1;
      if (attempts === 1) throw new Error('the package failed to load');
      return { client: traced(sdk.client), commands: sdk.commands };
    });
    await expect(client.send(new EchoCommand({ value: 'a' }))).rejects.toThrow('the package failed to load');
    await expect(client.send(new EchoCommand({ value: 'b' }))).resolves.toEqual({ echoed: 'b' });
    expect(attempts).toBe(2);
  });

  it('names a command the loaded SDK does not have', async () => {
    const client = lazyClient(async () => ({ client: fakeSdk().client, commands: {} }));
    await expect(client.send(new EchoCommand({ value: 'a' }))).rejects.toThrow(
      'the SDK has no command EchoCommand',
    );
  });
});

describe('withoutSdkLogger', () => {
  it("takes the SDK's logger middleware out of a client's stack and leaves the rest", async () => {
    // Prepare
    const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
    const client = new DynamoDBClient({ region: 'us-east-1' });
    const before = client.middlewareStack.identify();

    // Act
    withoutSdkLogger(client);

    // Assess
    const after = client.middlewareStack.identify();
    expect(before.some((entry) => entry.startsWith('loggerMiddleware'))).toBe(true);
    expect(after.some((entry) => entry.startsWith('loggerMiddleware'))).toBe(false);
    expect(after).toHaveLength(before.length - 1);
    client.destroy();
  });

  it('is given every client a lazy client loads, before it is traced', async () => {
    // Prepare
    const removed: string[] = [];
    const sdk = fakeSdk();
    const client = { ...sdk.client, middlewareStack: { remove: (name: string) => removed.push(name) > 0 } };
    const lazy = lazyClient(async (traced) => ({ client: traced(client), commands: sdk.commands }));

    // Act
    await lazy.send(new EchoCommand({ value: 'x' }));

    // Assess
    expect(removed).toEqual(['loggerMiddleware']);
    expect(tracedClients).toEqual([client]);
  });
});

describe('the X-Ray SDK', () => {
  /**
   * The namespaces cls-hooked made in a fresh Node process (on `process.namespaces`) after a lazy
   * client's first send, with POWERTOOLS_TRACE_ENABLED as given: aws-xray-sdk-core makes its own,
   * and the async hook that tracks every promise with it, when it is imported.
   */
  function namespacesAfterFirstSend(setting: string | undefined): string[] {
    const script = [
      "const { lazyClient, SdkCommand } = await import('#platform/clients/lazy.ts');",
      'class Echo { constructor(input) { this.input = input; } }',
      'class EchoCommand extends SdkCommand { sdkName = "EchoCommand"; }',
      'const client = lazyClient(async (traced) => ({',
      '  client: traced({ middlewareStack: { remove: () => true }, send: async (c) => c.input }),',
      '  commands: { EchoCommand: Echo },',
      '}));',
      "await client.send(new EchoCommand({ value: 'a' }));",
      'console.log(JSON.stringify(Object.keys(process.namespaces ?? {})));',
    ].join('\n');
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', POWERTOOLS_LOG_LEVEL: 'SILENT' };
    if (setting !== undefined) env.POWERTOOLS_TRACE_ENABLED = setting;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: PROJECT_ROOT,
      env,
      encoding: 'utf8',
    });
    return JSON.parse(out.trim().split('\n').at(-1) ?? '[]') as string[];
  }

  it.each([
    ['false', []],
    [' FALSE ', []],
    ['true', ['AWSXRay']],
    [undefined, ['AWSXRay']],
  ])('with POWERTOOLS_TRACE_ENABLED=%j is loaded only when tracing may be on: %j', (setting, namespaces) => {
    expect(namespacesAfterFirstSend(setting)).toEqual(namespaces);
  });
});
