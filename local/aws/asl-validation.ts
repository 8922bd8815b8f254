/**
 * The state machines' definitions checked against the Amazon States Language off the main thread.
 * aws-local-stepfunctions validates a definition when its interpreter is built (asl-validator,
 * which builds and compiles its JSON schemas with ajv at every call: 130-510 ms each here); built on
 * the main thread, which serves every AWS call of every function, the first execution of each state
 * machine stalled the whole runtime that long. Here one worker thread validates the definitions,
 * with the options the interpreter would use: those an execution asks for first, all of them when
 * told (`relance dev`, once ready); the interpreter is built without validating once its
 * definition passed.
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

// CommonJS, run by the worker as is (no loader): asl-validator is a CommonJS package. It validates
// the definitions it is asked for (a key: that one next; null: all the others, in order).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const validate = require(workerData.validator);
const definitions = new Map(workerData.definitions.map((item) => [item.key, item.definition]));
const queue = [];
let running = false;
const next = () => {
  const key = queue.shift();
  if (key === undefined) {
    running = false;
    return;
  }
  let errors;
  try {
    const result = validate(definitions.get(key), workerData.options);
    errors = result.isValid ? [] : [result.errorsText('; ')];
  } catch (error) {
    errors = [String(error && error.message ? error.message : error)];
  }
  definitions.delete(key);
  parentPort.postMessage({ key, errors });
  setImmediate(next);
};
parentPort.on('message', (asked) => {
  if (asked === null) {
    for (const key of definitions.keys()) if (!queue.includes(key)) queue.push(key);
  } else if (definitions.has(asked)) {
    const at = queue.indexOf(asked);
    if (at >= 0) queue.splice(at, 1);
    queue.unshift(asked);
  }
  if (!running) {
    running = true;
    setImmediate(next);
  }
});
`;

/** Each definition's validation, by key: resolves to its errors (empty when valid). */
export interface AslValidation {
  /** The errors of the definition under `key` (empty: valid), validated next if it was not yet. */
  errorsOf(key: string): Promise<string[]>;
  /** Validates every definition not validated yet, in order, after those asked for. */
  validateAll(): void;
  /** Stops the worker; validations not done yet reject. */
  close(): Promise<void>;
}

/**
 * Validates `definitions` (by key) in a worker thread, started by the first request: each when an
 * execution first needs it (`errorsOf`), or all of them (`validateAll`, once a runtime is ready, so
 * its start does not share the cores with the validator).
 */
export function validateOffThread(definitions: ReadonlyMap<string, unknown>): AslValidation {
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
  const started = (): Worker => {
    if (worker) return worker;
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        validator: createRequire(import.meta.url).resolve('asl-validator'),
        options: ASL_VALIDATION_OPTIONS,
        definitions: [...definitions].map(([key, definition]) => ({ key, definition })),
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
    return worker;
  };
  return {
    errorsOf(key) {
      const verdict = verdicts.get(key);
      if (!verdict) return Promise.reject(new Error(`no definition ${key} to validate`));
      if (closed) return Promise.reject(new Error('the ASL validation is closed'));
      if (pending.has(key)) started().postMessage(key);
      return verdict.promise;
    },
    validateAll() {
      if (!closed && pending.size > 0) started().postMessage(null);
    },
    async close() {
      closed = true;
      fail(new Error('the ASL validation is closed'));
      await worker?.terminate();
    },
  };
}
