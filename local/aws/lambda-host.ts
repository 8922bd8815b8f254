/**
 * Runs the production handler modules in this process, as Lambda would: each function's module is
 * imported once (its module-scope clients and configuration are its "cold start") with the
 * environment from the template, and invoked synchronously or asynchronously (two retries, then
 * the on-failure destination), like the Lambda service does.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LocalFunction } from './template.ts';

type Handler = (event: unknown, context: Record<string, unknown>) => Promise<unknown>;

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
}

/** The Lambda service, locally. */
export class LambdaHost {
  private readonly modules = new Map<string, Promise<Handler>>();
  private readonly byArn = new Map<string, LocalFunction>();
  readonly invocations: InvocationRecord[] = [];
  /** Invocation counts per function, for cost accounting. */
  readonly counts = new Map<string, number>();
  /** GB-seconds of duration as Lambda bills it (per started millisecond), measured here. */
  billedGbSeconds = 0;

  constructor(
    functions: readonly LocalFunction[],
    private readonly options: LambdaHostOptions,
  ) {
    for (const fn of functions) {
      this.byArn.set(fn.arn, fn);
      this.byArn.set(fn.name, fn);
    }
  }

  /** The function for an ARN or name. */
  find(arnOrName: string): LocalFunction | undefined {
    return this.byArn.get(arnOrName) ?? this.byArn.get(arnOrName.replace(/:(\$LATEST|\d+)$/, ''));
  }

  get functions(): LocalFunction[] {
    return [...new Set(this.byArn.values())];
  }

  private load(fn: LocalFunction): Promise<Handler> {
    let loaded = this.modules.get(fn.name);
    if (!loaded) {
      loaded = import(pathToFileURL(join(this.options.projectRoot, fn.entry)).href).then(
        (module: { handler?: Handler }) => {
          if (typeof module.handler !== 'function') throw new Error(`${fn.entry} exports no handler`);
          return module.handler;
        },
      );
      this.modules.set(fn.name, loaded);
    }
    return loaded;
  }

  /** Imports every handler now, so the first event does not pay for module loading. */
  async warm(): Promise<void> {
    await Promise.all(this.functions.map((fn) => this.load(fn)));
  }

  /** A synchronous (RequestResponse) invocation: the handler's result, or its error thrown. */
  async invoke(arnOrName: string, event: unknown): Promise<unknown> {
    const fn = this.find(arnOrName);
    if (!fn) throw new Error(`Function not found: ${arnOrName}`);
    const handler = await this.load(fn);
    const requestId = randomUUID();
    const started = this.options.now();
    const realStart = performance.now();
    this.counts.set(fn.name, (this.counts.get(fn.name) ?? 0) + 1);
    const context = {
      awsRequestId: requestId,
      functionName: fn.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: fn.arn,
      memoryLimitInMB: String(fn.memorySize),
      logGroupName: `/aws/lambda/${fn.name}`,
      logStreamName: 'local',
      getRemainingTimeInMillis: () => Math.max(0, fn.timeoutSeconds * 1000 - (performance.now() - realStart)),
      callbackWaitsForEmptyEventLoop: true,
    };
    try {
      const result = await handler(event, context);
      this.record({
        requestId,
        functionName: fn.name,
        at: started,
        durationMs: performance.now() - realStart,
        memorySize: fn.memorySize,
        ok: true,
      });
      return result;
    } catch (error) {
      this.record({
        requestId,
        functionName: fn.name,
        at: started,
        durationMs: performance.now() - realStart,
        memorySize: fn.memorySize,
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
      }
    }
    await this.options.onAsyncFailure(fn, event, lastError);
  }

  private record(entry: InvocationRecord): void {
    this.invocations.push(entry);
    this.billedGbSeconds += (Math.ceil(entry.durationMs) / 1000) * (entry.memorySize / 1024);
    if (this.invocations.length > 2000) this.invocations.splice(0, this.invocations.length - 2000);
  }
}
