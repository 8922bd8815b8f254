/**
 * The state machines' definitions checked against the Amazon States Language off the main thread.
 * aws-local-stepfunctions validates a definition when its interpreter is built (asl-validator,
 * which builds and compiles its JSON schemas with ajv at every call: 130-510 ms each here); built on
 * the main thread, which serves every AWS call of every function, the first execution of each state
 * machine stalled the whole runtime that long. Here one worker thread validates every definition
 * as the runtime starts, with the options the interpreter would use, and the interpreter is built
 * without validating once its definition passed.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** asl-validator's options as aws-local-stepfunctions passes them, with the runtime's `checkArn: false`. */
export const ASL_VALIDATION_OPTIONS = { checkArn: false, checkPaths: true } as const;

/** What the worker says of one definition: the validator's errors, empty when it is valid. */
interface Verdict {
  readonly key: string;
  readonly errors: string[];
}

// CommonJS, run by the worker as is (no loader): asl-validator is a CommonJS package. Definitions
// are validated in order, a definition asked for (its key posted) first; the worker ends after the last.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const validate = require(workerData.validator);
const queue = workerData.definitions.slice();
parentPort.on('message', (key) => {
  const index = queue.findIndex((item) => item.key === key);
  if (index > 0) queue.unshift(...queue.splice(index, 1));
});
const next = () => {
  const item = queue.shift();
  if (!item) {
    parentPort.unref();
    return;
  }
  let errors;
  try {
    const result = validate(item.definition, workerData.options);
    errors = result.isValid ? [] : [result.errorsText('; ')];
  } catch (error) {
    errors = [String(error && error.message ? error.message : error)];
  }
  parentPort.postMessage({ key: item.key, errors });
  setImmediate(next);
};
setImmediate(next);
`;

/** Each definition's validation, by key: resolves to its errors (empty when valid). */
export interface AslValidation {
  /** The errors of the definition under `key` (empty: valid); rejects if it was never validated. */
  errorsOf(key: string): Promise<string[]>;
  /** Stops the worker; validations not done yet reject. */
  close(): Promise<void>;
}

/**
 * Validates `definitions` (by key) in a worker thread, in order, started by `start()` or by the
 * first `errorsOf` (which also puts the definition it asks for first): a runtime starts it once it
 * is ready, so its start does not share the cores with the validator.
 */
export function validateOffThread(definitions: ReadonlyMap<string, unknown>): AslValidation & {
  start(): void;
} {
  const verdicts = new Map<string, { promise: Promise<string[]>; settle: (errors: string[]) => void }>();
  let fail: (error: Error) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  failed.catch(() => undefined);
  for (const key of definitions.keys()) {
    let settle: (errors: string[]) => void = () => undefined;
    const promise = new Promise<string[]>((resolve) => {
      settle = resolve;
    });
    const verdict = Promise.race([promise, failed]);
    // Nobody may ask for a definition before the worker stops: that is no failure of its own.
    verdict.catch(() => undefined);
    verdicts.set(key, { promise: verdict, settle });
  }
  const pending = new Set(definitions.keys());
  let worker: Worker | undefined;
  let closed = false;
  const start = (first?: string) => {
    if (worker || closed || pending.size === 0) return;
    const ordered = [...definitions].sort(([a], [b]) => Number(b === first) - Number(a === first));
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        validator: createRequire(import.meta.url).resolve('asl-validator'),
        options: ASL_VALIDATION_OPTIONS,
        definitions: ordered.map(([key, definition]) => ({ key, definition })),
      },
    });
    // Validation must not keep the process alive, nor fail it: a definition left unvalidated is
    // validated where its interpreter is built, as before.
    worker.unref();
    worker.on('message', (verdict: Verdict) => {
      pending.delete(verdict.key);
      verdicts.get(verdict.key)?.settle(verdict.errors);
    });
    worker.on('error', (error) => fail(error));
    worker.on('exit', () => fail(new Error('the ASL validation worker stopped')));
  };
  return {
    start: () => start(),
    errorsOf(key) {
      const verdict = verdicts.get(key);
      if (!verdict) return Promise.reject(new Error(`no definition ${key} to validate`));
      if (closed) return Promise.reject(new Error('the ASL validation is closed'));
      if (worker) {
        if (pending.has(key)) worker.postMessage(key);
      } else start(key);
      return verdict.promise;
    },
    async close() {
      closed = true;
      fail(new Error('the ASL validation is closed'));
      await worker?.terminate();
    },
  };
}
