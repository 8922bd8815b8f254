/**
 * The inside of a local Lambda execution environment: a worker thread whose bundle is this module,
 * the optional bootstrap and the function's handler module. It receives invocations from the
 * Lambda host, builds the Lambda context, runs the handler and posts back its JSON result or its
 * error (name, message, stack), as the Lambda runtime interface client does. When the host gives it
 * a port to the local AWS, the SDK clients reach it through that port (./in-process-http.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type InProcessAws, useInProcessAws } from './in-process-http.ts';

// Before the handler module loads: the SDK clients it creates reach the local AWS over the port.
const inProcess = (workerData as { aws?: InProcessAws } | null)?.aws;
if (inProcess) useInProcessAws(inProcess);

type Handler = (event: unknown, context: Record<string, unknown>, callback?: unknown) => unknown;

/** The host's message for one invocation. */
export interface InvokeMessage {
  readonly type: 'invoke';
  readonly id: number;
  readonly event: unknown;
  readonly context: {
    readonly awsRequestId: string;
    readonly functionName: string;
    readonly invokedFunctionArn: string;
    readonly memoryLimitInMB: string;
    readonly logGroupName: string;
    readonly logStreamName: string;
    /** Epoch milliseconds (real time) when Lambda stops the invocation. */
    readonly deadlineMs: number;
  };
}

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

/** What the sandbox posts back. */
export type SandboxMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'init-error'; readonly error: SerializedError }
  | { readonly type: 'result'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly type: 'result'; readonly id: number; readonly ok: false; readonly error: SerializedError };

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error)
    return { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  return { name: 'Error', message: typeof error === 'string' ? error : JSON.stringify(error) };
}

/** Lambda serializes the result as JSON: what does not survive JSON does not reach the caller. */
function asJson(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

async function run(handler: Handler, message: InvokeMessage): Promise<unknown> {
  const context = {
    ...message.context,
    functionVersion: '$LATEST',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, message.context.deadlineMs - Date.now()),
  };
  // A callback-style handler (three parameters) answers through its callback.
  if (handler.length >= 3) {
    return new Promise((resolve, reject) => {
      const callback = (error: unknown, value: unknown) => (error ? reject(error) : resolve(value));
      const returned = handler(message.event, context, callback);
      if (returned instanceof Promise) returned.then(resolve, reject);
    });
  }
  return handler(message.event, context);
}

/** Serves invocations of a handler module's `handler` export; called once the module has loaded. */
export function serve(module: { handler?: unknown }): void {
  const port = parentPort;
  if (!port) throw new Error('the Lambda sandbox runs in a worker thread');
  const handler = module.handler;
  if (typeof handler !== 'function') {
    const error = { name: 'Runtime.HandlerNotFound', message: 'the module exports no handler function' };
    port.postMessage({ type: 'init-error', error } satisfies SandboxMessage);
    return;
  }
  port.on('message', (message: InvokeMessage) => {
    if (message?.type !== 'invoke') return;
    run(handler as Handler, message).then(
      (value) => {
        let answer: SandboxMessage;
        try {
          answer = { type: 'result', id: message.id, ok: true, value: asJson(value) };
        } catch (error) {
          answer = { type: 'result', id: message.id, ok: false, error: serializeError(error) };
        }
        port.postMessage(answer);
      },
      (error: unknown) =>
        port.postMessage({
          type: 'result',
          id: message.id,
          ok: false,
          error: serializeError(error),
        } satisfies SandboxMessage),
    );
  });
  port.postMessage({ type: 'ready' } satisfies SandboxMessage);
}
