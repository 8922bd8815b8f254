/**
 * The Lambda service, locally. Each function runs in its own execution environment: a worker
 * thread started on the function's first invocation, with only the environment the host is given
 * for it (the template's variables, the endpoint, credentials that identify its role) and its own
 * module instances (caches and SDK clients are never shared with another function). The handler
 * is bundled with esbuild from its source, as synth bundles it for deployment (ESM, the `require`
 * banner, packages left to node_modules; one file, where the deployed code is split), together with
 * an optional bootstrap module that runs before the handler module (the dev tool installs its clock
 * that way).
 *
 * Invocations are synchronous (RequestResponse) or asynchronous (Event: retried as configured,
 * then the on-failure destination). An invocation that runs past the function's timeout fails with
 * `Task timed out after N.00 seconds` (real time: infrastructure time is never scaled) and its
 * environment is recycled, as Lambda resets the sandbox. A function's one environment serves
 * concurrent invocations interleaved, where Lambda would start one environment per concurrent
 * request, and each function has its own bound on them (its ReservedConcurrentExecutions, else
 * `concurrency`): an invocation past it waits for a slot, in order, where Lambda would throttle it
 * and its caller (Step Functions' Retry, the asynchronous queue) would try again. So one busy
 * function cannot take every slot of the process, and its timeout runs from when it starts.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';
import { build, type Plugin } from 'esbuild';
import { makeBundleDirectory } from './bundle-directory.ts';
import { serveAwsOverPort } from './in-process-http.ts';
import type { InvokeMessage, SandboxMessage, SerializedError } from './lambda-sandbox.ts';
import type { AwsRequest, AwsResponse } from './protocol.ts';
import type { LocalFunction } from './template.ts';

export interface InvocationRecord {
  readonly requestId: string;
  readonly functionName: string;
  readonly at: number;
  readonly durationMs: number;
  readonly memorySize: number;
  readonly ok: boolean;
  readonly error?: string;
}

export interface LambdaHostOptions {
  readonly projectRoot: string;
  /** Where async invocations go after their retries fail (the template's on-failure destination). */
  readonly onAsyncFailure: (fn: LocalFunction, event: unknown, error: unknown) => Promise<void>;
  readonly now: () => number;
  /** The whole environment of a function's sandbox: nothing of this process's environment is inherited. */
  readonly environment?: (fn: LocalFunction) => Record<string, string>;
  /**
   * A module bundled ahead of every handler module (it runs first), and data it reads from
   * `workerData.bootstrap` (a SharedArrayBuffer stays shared).
   */
  readonly bootstrap?: { readonly module: string; readonly data?: unknown };
  /**
   * Modules bundled in place of others, by absolute path (a test's own journey list instead of the
   * project's): the handlers run the fixture a test synthesized the template from.
   */
  readonly substitutes?: Readonly<Record<string, string>>;
  /**
   * The local AWS in process: the functions' SDK clients send their signed requests for `endpoint`
   * over a MessagePort to `dispatch` instead of a loopback socket (./in-process-http.ts).
   */
  readonly aws?: {
    readonly endpoint: () => string;
    readonly dispatch: (req: AwsRequest) => Promise<AwsResponse>;
  };
  /**
   * Each line a function writes to stdout, as CloudWatch Logs receives it; a line the callback
   * consumes (returns true: an EMF metric document) is not echoed to this process's stdout.
   */
  readonly onLogLine?: (fn: LocalFunction, line: string) => boolean;
  /** Invocations of one function running at once when the template reserves none. @default 32 */
  readonly concurrency?: number;
}

/** Invocations of one function at once, when neither the template nor the host says. */
const DEFAULT_CONCURRENCY = 32;

/** Slots for a function's invocations: taken in order, given back when an invocation ends. */
class ConcurrencyLimit {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {}

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((slot) => this.waiting.push(slot));
    else this.running++;
    try {
      return await work();
    } finally {
      // The slot passes to the next in line as it is; with nobody waiting it is freed.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

/** An error a function returned, rebuilt with the name and message the sandbox reported. */
export class LambdaFunctionError extends Error {
  constructor(serialized: SerializedError) {
    super(serialized.message);
    this.name = serialized.name;
    if (serialized.stack) this.stack = serialized.stack;
  }
}

/** An esbuild plugin that bundles a substitute for each listed module a relative import reaches. */
function substitutionPlugins(substitutes: Readonly<Record<string, string>> | undefined): Plugin[] {
  if (!substitutes || Object.keys(substitutes).length === 0) return [];
  return [
    {
      name: 'substitutes',
      setup(build) {
        const replacements = new Set(Object.values(substitutes));
        build.onResolve({ filter: /^\./ }, (args) => {
          // A substitute may build on the module it replaces: its own imports are left alone.
          if (replacements.has(args.importer)) return undefined;
          const substitute = substitutes[resolvePath(args.resolveDir, args.path)];
          return substitute ? { path: substitute } : undefined;
        });
      },
    },
  ];
}

const SANDBOX_MODULE = fileURLToPath(new URL('./lambda-sandbox.ts', import.meta.url));

/** The worker's first code: source maps on, then the bundle; an error while loading is an init error. */
const WORKER_BOOT = `
const { parentPort, workerData } = require('node:worker_threads');
process.setSourceMapsEnabled(true);
import(workerData.bundleUrl).catch((error) => {
  parentPort.postMessage({
    type: 'init-error',
    error: { name: (error && error.name) || 'Error', message: (error && error.message) || String(error), stack: error && error.stack },
  });
});
`;

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  timer?: NodeJS.Timeout;
}

/** One execution environment of a function. */
class Sandbox {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** No new invocations: recycled after a timeout, or gone. */
  retired = false;
  private gone = false;

  constructor(
    readonly fn: LocalFunction,
    bundlePath: string,
    env: Record<string, string>,
    bootstrapData: unknown,
    aws: LambdaHostOptions['aws'],
    private readonly onRetired: (sandbox: Sandbox) => void,
    onLogLine?: (fn: LocalFunction, line: string) => boolean,
  ) {
    const channel = aws ? new MessageChannel() : undefined;
    if (aws && channel) serveAwsOverPort(channel.port1, aws.dispatch);
    this.worker = new Worker(WORKER_BOOT, {
      eval: true,
      env,
      workerData: {
        bundleUrl: pathToFileURL(bundlePath).href,
        bootstrap: bootstrapData,
        ...(aws && channel ? { aws: { port: channel.port2, endpoint: aws.endpoint() } } : {}),
      },
      ...(channel ? { transferList: [channel.port2] } : {}),
      resourceLimits: { maxOldGenerationSizeMb: Math.max(fn.memorySize, 64) },
      ...(onLogLine ? { stdout: true } : {}),
    });
    if (onLogLine) {
      // Lambda sends the function's stdout to CloudWatch Logs line by line.
      createInterface({ input: this.worker.stdout, crlfDelay: Infinity }).on('line', (line) => {
        if (!onLogLine(fn, line)) process.stdout.write(`${line}\n`);
      });
    }
    this.worker.once('exit', () => channel?.port1.close());
    this.ready = new Promise<void>((resolve, reject) => {
      this.worker.on('message', (message: SandboxMessage) => {
        if (message.type === 'ready') resolve();
        else if (message.type === 'init-error') {
          reject(new LambdaFunctionError(message.error));
          this.end();
        } else if (message.type === 'result') this.settle(message);
      });
      this.worker.on('error', (error: Error) => {
        const failure = new LambdaFunctionError({
          name: error.name === 'Error' ? 'Runtime.UnhandledPromiseRejection' : error.name,
          message: error.message,
          ...(error.stack ? { stack: error.stack } : {}),
        });
        reject(failure);
        this.failAll(failure);
        this.end();
      });
      this.worker.on('exit', (code) => {
        const failure = new LambdaFunctionError({
          name: 'Runtime.ExitError',
          message: `RequestId: - Error: Runtime exited with error: exit status ${code}`,
        });
        reject(failure);
        this.gone = true;
        this.failAll(failure);
        this.retire();
      });
    });
    // Nobody may be waiting yet: an init failure is reported to the invocation that waits for it.
    this.ready.catch(() => undefined);
  }

  /** Runs one invocation; rejects with the function's error, or a timeout. */
  call(event: unknown, context: Omit<InvokeMessage['context'], 'deadlineMs'>): Promise<unknown> {
    const id = this.nextId++;
    const timeoutMs = this.fn.timeoutSeconds * 1000;
    return new Promise((resolve, reject) => {
      const entry: Pending = { resolve, reject };
      entry.timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new LambdaFunctionError({
            name: 'Sandbox.Timedout',
            message: `RequestId: ${context.awsRequestId} Error: Task timed out after ${this.fn.timeoutSeconds.toFixed(2)} seconds`,
          }),
        );
        // Lambda resets the environment of a timed-out invocation.
        this.retire();
      }, timeoutMs);
      this.pending.set(id, entry);
      const message: InvokeMessage = {
        type: 'invoke',
        id,
        event: event === undefined ? null : JSON.parse(JSON.stringify(event)),
        context: { ...context, deadlineMs: Date.now() + timeoutMs },
      };
      this.worker.postMessage(message);
    });
  }

  private settle(message: Extract<SandboxMessage, { type: 'result' }>): void {
    const entry = this.pending.get(message.id);
    if (!entry) return;
    this.pending.delete(message.id);
    clearTimeout(entry.timer);
    if (message.ok) entry.resolve(message.value);
    else entry.reject(new LambdaFunctionError(message.error));
    if (this.retired && this.pending.size === 0) void this.terminate();
  }

  private failAll(error: Error): void {
    for (const entry of this.pending.values()) {
      clearTimeout(entry.timer);
      entry.reject(error);
    }
    this.pending.clear();
  }

  /** Takes no more invocations; stops once those in flight are settled. */
  retire(): void {
    if (!this.retired) {
      this.retired = true;
      this.onRetired(this);
    }
    if (this.pending.size === 0) void this.terminate();
  }

  private end(): void {
    this.retire();
    void this.terminate();
  }

  async terminate(): Promise<void> {
    if (this.gone) return;
    this.gone = true;
    this.failAll(
      new LambdaFunctionError({ name: 'Runtime.ExitError', message: 'the environment was stopped' }),
    );
    await this.worker.terminate();
  }
}

/** The Lambda service, locally. */
export class LambdaHost {
  private readonly byArn = new Map<string, LocalFunction>();
  private readonly sandboxes = new Map<string, Promise<Sandbox>>();
  private readonly live = new Set<Sandbox>();
  private readonly bundles = new Map<string, Promise<string>>();
  private bundleDir?: string;
  private closed = false;
  readonly invocations: InvocationRecord[] = [];
  /** Invocation counts per function, for cost accounting. */
  readonly counts = new Map<string, number>();
  /** GB-seconds of duration as Lambda bills it (per started millisecond), measured here. */
  billedGbSeconds = 0;
  /** Execution environments started (cold starts). */
  coldStarts = 0;
  private readonly limits = new Map<string, ConcurrencyLimit>();

  constructor(
    functions: readonly LocalFunction[],
    private readonly options: LambdaHostOptions,
  ) {
    for (const fn of functions) {
      this.byArn.set(fn.arn, fn);
      this.byArn.set(fn.name, fn);
    }
  }

  /** Invocations of a function waiting for one of its slots. */
  queuedInvocations(functionName: string): number {
    return this.limits.get(functionName)?.queued ?? 0;
  }

  private limitFor(fn: LocalFunction): ConcurrencyLimit {
    let limit = this.limits.get(fn.name);
    if (!limit) {
      limit = new ConcurrencyLimit(fn.reservedConcurrency ?? this.options.concurrency ?? DEFAULT_CONCURRENCY);
      this.limits.set(fn.name, limit);
    }
    return limit;
  }

  /** The function for an ARN or name. */
  find(arnOrName: string): LocalFunction | undefined {
    return this.byArn.get(arnOrName) ?? this.byArn.get(arnOrName.replace(/:(\$LATEST|\d+)$/, ''));
  }

  get functions(): LocalFunction[] {
    return [...new Set(this.byArn.values())];
  }

  /** Bundles live under the project's node_modules/.cache, so the packages they import resolve (./bundle-directory.ts). */
  private directory(): string {
    this.bundleDir ??= makeBundleDirectory(this.options.projectRoot);
    return this.bundleDir;
  }

  private bundle(fn: LocalFunction): Promise<string> {
    let bundled = this.bundles.get(fn.name);
    if (!bundled) {
      // Split as synth splits deployed code (lib/stateless/function-bundle.ts): a module the handler
      // imports with `await import()` stays a chunk of its own, loaded when first called, with the
      // packages it imports. In one file, esbuild hoists those packages' imports to the top, so
      // every function loaded them at start (the X-Ray tracer among them, whose async hook then
      // tracked every promise although tracing is off locally).
      const outdir = join(this.directory(), fn.name);
      const outfile = join(outdir, 'index.mjs');
      const entry = join(this.options.projectRoot, fn.entry);
      const lines = [
        `import { serve } from ${JSON.stringify(SANDBOX_MODULE)};`,
        ...(this.options.bootstrap ? [`import ${JSON.stringify(this.options.bootstrap.module)};`] : []),
        `import * as handlerModule from ${JSON.stringify(entry)};`,
        'serve(handlerModule);',
      ];
      bundled = build({
        stdin: {
          contents: lines.join('\n'),
          resolveDir: this.options.projectRoot,
          sourcefile: `${fn.name}.lambda.ts`,
          loader: 'ts',
        },
        outdir,
        entryNames: 'index',
        chunkNames: 'chunks/[name]-[hash]',
        outExtension: { '.js': '.mjs' },
        splitting: true,
        bundle: true,
        platform: 'node',
        format: 'esm',
        // The oldest Node the project runs on (package.json engines): with an older target, esbuild
        // drops the import attributes of a package's JSON left external (`with { type: 'json' }`),
        // which Node then refuses to load.
        target: 'node20.19',
        mainFields: ['module', 'main'],
        packages: 'external',
        sourcemap: 'inline',
        banner: {
          js: "import { createRequire as __relanceCreateRequire } from 'node:module'; const require = __relanceCreateRequire(import.meta.url);",
        },
        logLevel: 'silent',
        plugins: substitutionPlugins(this.options.substitutes),
      }).then(() => outfile);
      this.bundles.set(fn.name, bundled);
      bundled.catch(() => this.bundles.delete(fn.name));
    }
    return bundled;
  }

  private sandboxFor(fn: LocalFunction): Promise<Sandbox> {
    // Nothing is built once stopped: a build started then wrote into the folder close() was removing
    // (ENOTEMPTY in close, or the folder made again and left behind).
    if (this.closed) return Promise.reject(new Error('the Lambda host is stopped'));
    let sandbox = this.sandboxes.get(fn.name);
    if (!sandbox) {
      sandbox = this.bundle(fn).then((path) => {
        if (this.closed) throw new Error('the Lambda host is stopped');
        const created = new Sandbox(
          fn,
          path,
          this.options.environment?.(fn) ?? {},
          this.options.bootstrap?.data,
          this.options.aws,
          (retired) => {
            this.live.delete(retired);
            if (this.sandboxes.get(fn.name) === sandbox) this.sandboxes.delete(fn.name);
          },
          this.options.onLogLine,
        );
        this.live.add(created);
        this.coldStarts++;
        return created.ready.then(() => created);
      });
      this.sandboxes.set(fn.name, sandbox);
      // A failed start is retried by the next invocation (Lambda runs the init again).
      const started = sandbox;
      sandbox.catch(() => {
        if (this.sandboxes.get(fn.name) === started) this.sandboxes.delete(fn.name);
      });
    }
    return sandbox;
  }

  /** Starts every function's environment now, so the first event does not pay for the cold start. */
  async warm(): Promise<void> {
    await Promise.allSettled(this.functions.map((fn) => this.sandboxFor(fn)));
  }

  /** A synchronous (RequestResponse) invocation: the handler's result, or its error thrown. */
  async invoke(arnOrName: string, event: unknown): Promise<unknown> {
    const fn = this.find(arnOrName);
    if (!fn) throw new Error(`Function not found: ${arnOrName}`);
    const requestId = randomUUID();
    const started = this.options.now();
    this.counts.set(fn.name, (this.counts.get(fn.name) ?? 0) + 1);
    let realStart = performance.now();
    const record = (outcome: { ok: true } | { ok: false; error: string }) =>
      this.record({
        requestId,
        functionName: fn.name,
        at: started,
        durationMs: performance.now() - realStart,
        memorySize: fn.memorySize,
        ...outcome,
      });
    try {
      const result = await this.limitFor(fn).run(async () => {
        const sandbox = await this.sandboxFor(fn);
        realStart = performance.now();
        return sandbox.call(event, {
          awsRequestId: requestId,
          functionName: fn.name,
          invokedFunctionArn: fn.arn,
          memoryLimitInMB: String(fn.memorySize),
          logGroupName: `/aws/lambda/${fn.name}`,
          logStreamName: 'local',
        });
      });
      record({ ok: true });
      return result;
    } catch (error) {
      record({
        ok: false,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
      throw error;
    }
  }

  /** An asynchronous (Event) invocation: retried as configured, then sent to the on-failure destination. */
  async invokeAsync(arnOrName: string, event: unknown): Promise<void> {
    const fn = this.find(arnOrName);
    if (!fn) throw new Error(`Function not found: ${arnOrName}`);
    let lastError: unknown;
    for (let attempt = 0; attempt <= fn.asyncRetries; attempt++) {
      try {
        await this.invoke(fn.arn, event);
        return;
      } catch (error) {
        lastError = error;
        if (this.closed) return;
      }
    }
    await this.options.onAsyncFailure(fn, event, lastError);
  }

  private record(entry: InvocationRecord): void {
    this.invocations.push(entry);
    this.billedGbSeconds += (Math.ceil(entry.durationMs) / 1000) * (entry.memorySize / 1024);
    if (this.invocations.length > 2000) this.invocations.splice(0, this.invocations.length - 2000);
  }

  /** Stops every execution environment and removes the bundles. */
  async close(): Promise<void> {
    this.closed = true;
    // Bundles being built create no environment once closed; those started are stopped, even mid-init.
    await Promise.allSettled([...this.bundles.values()]);
    const starting = [...this.sandboxes.values()];
    this.sandboxes.clear();
    await Promise.allSettled([...this.live].map((sandbox) => sandbox.terminate()));
    this.live.clear();
    await Promise.allSettled(starting);
    if (this.bundleDir) rmSync(this.bundleDir, { recursive: true, force: true });
  }
}
