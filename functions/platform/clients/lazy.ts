/**
 * AWS clients loaded on first use. The SDK is not bundled (Lambda provides it), and importing one
 * of its packages takes 50-130 ms: a function imports a package only when it first sends one of
 * its commands, so module initialisation stays short and a call path that never reaches a service
 * never loads it.
 *
 * Code builds commands with the classes of each client module (`new GetCommand(input)`, typed with
 * the SDK's own input and output types); `send` builds the SDK's command of that name on the loaded
 * client. The SDK's errors (ConditionalCheckFailedException...) are recognised by `name`.
 *
 * The X-Ray tracer (../tracer.ts, which pulls aws-xray-sdk-core) is loaded with the first client
 * too, and each client is traced when it is made; unless tracing is switched off, as the local
 * runtime does: importing aws-xray-sdk-core installs an async hook (cls-hooked) that tracks every
 * promise of the process until it is collected (about 6% of a warm function's CPU here), and the
 * tracer switched off would return each client as it is anyway.
 */

import { onFirstUse } from '../first-use.ts';

/** A command for a lazily loaded client: the SDK command's class name and its input. */
export interface Command<Input, Output> {
  readonly sdkName: string;
  readonly input: Input;
  /** Never set: carries the SDK's output type to `send`. */
  readonly output?: Output;
}

/** The base of each client module's command classes: the SDK command's name and its input. */
export abstract class SdkCommand<Input, Output> implements Command<Input, Output> {
  abstract readonly sdkName: string;
  declare readonly output?: Output;
  constructor(readonly input: Input) {}
}

/** What a client module loads: the client and the SDK command classes by name. */
export interface LoadedClient {
  readonly client: { send(command: never): Promise<unknown> };
  readonly commands: Readonly<Record<string, unknown>>;
}

export interface LazyClient {
  /** Loads the client on the first call, then sends the SDK command named by `command`. */
  send<Input, Output>(command: Command<Input, Output>): Promise<Output>;
}

type SdkCommandClass = new (input: unknown) => never;

/** Wraps an SDK client so that its calls are traced. */
export type Trace = <Client>(client: Client) => Client;

/**
 * The client without the SDK's logger middleware. Without a logger configured, the SDK still hands
 * every response to its no-op logger, filtered for sensitive fields member by member first: about
 * 5% of the CPU of a page of a scan. relance logs with Powertools, never through the SDK's logger.
 */
export function withoutSdkLogger<Client>(client: Client): Client {
  (client as { middlewareStack?: { remove(name: string): boolean } }).middlewareStack?.remove(
    'loggerMiddleware',
  );
  return client;
}

/** Powertools' own switch (POWERTOOLS_TRACE_ENABLED=false, in any case), read as its Tracer reads it. */
const tracingSwitchedOff = () => process.env.POWERTOOLS_TRACE_ENABLED?.trim().toLowerCase() === 'false';

async function loadTraced(load: (traced: Trace) => Promise<LoadedClient>): Promise<LoadedClient> {
  if (tracingSwitchedOff()) return load(withoutSdkLogger);
  const { traced } = await import('../tracer.ts');
  return load((client) => traced(withoutSdkLogger(client)));
}

/**
 * A client made by `load` on the first `send` (given `traced` to wrap the SDK client it makes); a
 * failed load is tried again by the next one.
 */
export function lazyClient(load: (traced: Trace) => Promise<LoadedClient>): LazyClient {
  const loaded = onFirstUse(() => loadTraced(load));
  return {
    async send<Input, Output>(command: Command<Input, Output>): Promise<Output> {
      const { client, commands } = await loaded();
      const SdkCommand = commands[command.sdkName] as SdkCommandClass | undefined;
      if (!SdkCommand) throw new Error(`the SDK has no command ${command.sdkName}`);
      return (await client.send(new SdkCommand(command.input))) as Output;
    },
  };
}
