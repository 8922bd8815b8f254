import { afterEach, describe, expect, it, vi } from 'vitest';
import { type LoadedClient, lazyClient, SdkCommand, withoutSdkLogger } from '#platform/clients/lazy.ts';

const tracedClients = vi.hoisted(() => [] as unknown[]);
vi.mock('#platform/tracer.ts', () => ({
  traced: <T>(client: T): T => {
    tracedClients.push(client);
    return client;
  },
}));

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
