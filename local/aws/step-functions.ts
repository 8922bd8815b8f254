/**
 * Step Functions, locally: each state machine's ASL from the template runs on
 * aws-local-stepfunctions; Task states call the local Lambda host by their Resource ARN, with the
 * retries and catches as written. Infrastructure time is real time, whatever the journey clock:
 * retry intervals wait their IntervalSeconds × BackoffRate (tests shrink them with
 * `retryBackoffScale`, never their number), and an execution past its `TimeoutSeconds` (an Express
 * workflow's 300 s at most) fails with `States.Timeout`. Executions and their
 * history are kept and served over the AWS JSON 1.0 protocol (StartExecution, DescribeExecution,
 * ListStateMachines, ListExecutions, GetExecutionHistory...).
 */
import { randomUUID } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import { ASL_VALIDATION_OPTIONS, type AslValidation, validateOffThread } from './asl-validation.ts';
import type { LambdaHost } from './lambda-host.ts';
import { type AwsRequest, type AwsResponse, header, jsonResponse, parseJsonObject } from './protocol.ts';
import type { LocalStateMachine } from './template.ts';
import type { WorkTracker } from './work-tracker.ts';
import { WriteAheadJournal } from './write-ahead-journal.ts';

// aws-local-stepfunctions uses Promise.withResolvers (Node 22); provide it on Node 20.
if (typeof (Promise as { withResolvers?: unknown }).withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: <T>() => {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

type AslState = {
  Type?: string;
  Resource?: string;
  Retry?: Array<{ IntervalSeconds?: number }>;
  TimeoutSeconds?: number;
  ItemProcessor?: { States?: Record<string, AslState> };
  Iterator?: { States?: Record<string, AslState> };
  Branches?: Array<{ States?: Record<string, AslState> }>;
};

/**
 * Every state of a definition with its name, those inside Map and Parallel states included: the
 * interpreter looks local handlers up by state name at any depth, and a Task without one would try
 * to call a real Lambda.
 */
function* allStates(definition: { States?: unknown }): Generator<[string, AslState]> {
  for (const [name, state] of Object.entries((definition.States ?? {}) as Record<string, AslState>)) {
    yield [name, state];
    const nested = [state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])];
    for (const inner of nested) if (inner) yield* allStates(inner);
  }
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

export interface HistoryEvent {
  readonly id: number;
  readonly timestamp: number;
  readonly type: string;
  readonly details: Record<string, unknown>;
}

export interface Execution {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  status: ExecutionStatus;
  readonly startDate: number;
  stopDate?: number;
  readonly input: unknown;
  output?: unknown;
  error?: string;
  cause?: string;
  readonly history: HistoryEvent[];
}

export interface StepFunctionsOptions {
  /**
   * Validate definitions in a worker thread (./asl-validation.ts) instead of on this thread when
   * an interpreter is built. Off by default: an execution then waits for the worker's verdict
   * while this thread goes on taking work, which changes how executions bunch up (`relance dev`
   * turns it on; tests keep the synchronous validation their timings were written against).
   */
  readonly validateOffThread?: boolean;
  readonly lambdas: LambdaHost;
  readonly tracker: WorkTracker;
  /** Journey time, for the dates an execution and its history carry. */
  readonly now: () => number;
  /**
   * Multiplies the real waits between retries (tests set 0 so retries do not wait); the number of
   * attempts is unchanged. Default 1: the definition's intervals and back-off, in real time.
   */
  readonly retryBackoffScale?: number;
  /**
   * Where started executions are written before StartExecution answers, and marked done when they
   * end: the next start begins again, under the same name, what a killed process left running.
   */
  readonly journal?: WriteAheadJournal<JournaledExecution>;
  /** Called when an execution ends, for the dashboard and run history. */
  readonly onExecutionEnd?: (execution: Execution) => void;
  /**
   * IAM: the error a Task meets when the state machine's role may not call its resource
   * (`lambda:InvokeFunction`); undefined lets the call through.
   */
  readonly authorizeTask?: (machine: LocalStateMachine, resource: string) => Error | undefined;
}

const MAX_EXECUTIONS_KEPT = 2000;

/** The journal of executions at `path`, keyed by execution ARN. */
export function executionJournal(path: string): WriteAheadJournal<JournaledExecution> {
  return new WriteAheadJournal<JournaledExecution>(path, (execution) => execution.executionArn);
}

/** An execution a killed process left running, and whether the next start began it again. */
export interface RestartedExecution extends JournaledExecution {
  readonly restarted: boolean;
}

/** An execution as the journal keeps it while it runs. */
export interface JournaledExecution {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: unknown;
  /** When it first started (journey time, ISO). */
  readonly startedAt: string;
}

/** Step Functions quota: an Express workflow runs 5 minutes at most. */
export const EXPRESS_MAX_SECONDS = 300;

/**
 * The real seconds an execution may run: its definition's `TimeoutSeconds`, at most 300 for an
 * Express workflow (Standard workflows without one run up to a year: no limit here).
 */
export function executionTimeoutSeconds(
  machine: Pick<LocalStateMachine, 'type' | 'definition'>,
): number | undefined {
  const declared = (machine.definition as { TimeoutSeconds?: unknown }).TimeoutSeconds;
  const seconds = typeof declared === 'number' && declared > 0 ? declared : undefined;
  if (machine.type !== 'EXPRESS') return seconds;
  return Math.min(seconds ?? EXPRESS_MAX_SECONDS, EXPRESS_MAX_SECONDS);
}

/** The definition the interpreter runs: it times the execution out itself, on real time, at the top-level TimeoutSeconds. */
function interpretedDefinition(machine: LocalStateMachine): unknown {
  const timeout = executionTimeoutSeconds(machine);
  return timeout === undefined ? machine.definition : { ...machine.definition, TimeoutSeconds: timeout };
}

class SfnError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** The Step Functions service for the state machines of the template. */
export class StepFunctionsService {
  private readonly machines = new Map<string, LocalStateMachine>();
  readonly executions: Execution[] = [];
  /** Executions started since start (the list above keeps only the most recent). */
  startedCount = 0;
  /** How to end each execution the interpreter is running (close ends them all). */
  private readonly running = new Map<Execution, () => void>();
  /** Closed: executions still running were ended, and none begins. */
  private closed = false;

  constructor(
    stateMachines: readonly LocalStateMachine[],
    private readonly options: StepFunctionsOptions,
  ) {
    for (const machine of stateMachines) this.machines.set(machine.arn, machine);
    this.validation = options.validateOffThread
      ? validateOffThread(
          new Map(stateMachines.map((machine) => [machine.arn, interpretedDefinition(machine)])),
        )
      : undefined;
  }

  /** The definitions' validation in a worker thread, when `validateOffThread`. */
  private readonly validation: AslValidation | undefined;

  /** Validates every definition now, off this thread, when `validateOffThread` (otherwise each at its first execution). */
  validateDefinitions(): void {
    this.validation?.validateAll();
  }

  /**
   * Stops validating definitions and ends the executions still running (the runtime is stopping):
   * their retry waits and timeouts would otherwise keep the process alive, retrying against
   * services already closed. Each stays RUNNING, without an end: the runtime's journal begins it
   * again at the next start (with a data directory).
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const end of this.running.values()) end();
    await this.validation?.close();
  }

  get stateMachines(): LocalStateMachine[] {
    return [...this.machines.values()];
  }

  /** Starts an execution in the background; returns its ARN at once, like the API. */
  startExecution(stateMachineArn: string, input: unknown, name: string = randomUUID()): Execution {
    const machine = this.machines.get(stateMachineArn);
    if (!machine)
      throw new SfnError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    const execution: Execution = {
      executionArn: `${stateMachineArn.replace(':stateMachine:', `:${machine.type === 'EXPRESS' ? 'express' : 'execution'}:`)}:${name}`,
      stateMachineArn,
      name,
      status: 'RUNNING',
      startDate: this.options.now(),
      input,
      history: [],
    };
    this.executions.push(execution);
    this.startedCount++;
    this.options.journal?.opened({
      executionArn: execution.executionArn,
      stateMachineArn,
      name,
      input,
      startedAt: new Date(execution.startDate).toISOString(),
    });
    if (this.executions.length > MAX_EXECUTIONS_KEPT)
      this.executions.splice(0, this.executions.length - MAX_EXECUTIONS_KEPT);
    this.options.tracker.track(() =>
      this.run(machine, execution)
        .catch((error: unknown) => {
          // The definition itself was refused (or the interpreter broke): fail the execution visibly.
          execution.status = 'FAILED';
          execution.error = 'States.Runtime';
          execution.cause = error instanceof Error ? error.message : String(error);
          execution.stopDate = this.options.now();
          this.options.onExecutionEnd?.(execution);
        })
        .finally(() => this.options.journal?.done(execution.executionArn)),
    );
    return execution;
  }

  /**
   * Starts again, under their own names, the executions a previous process started and never saw
   * end (it was killed): Enter and Resume let an execution of the same name go on with the run it
   * took, and the ledger sends each message once. Returns them, each saying whether it started
   * again (not when its state machine is no longer in the template).
   */
  restartJournaled(): RestartedExecution[] {
    const journal = this.options.journal;
    if (!journal) return [];
    const pending = journal.pending();
    journal.reset();
    return pending.map((execution) => {
      const restarted = this.machines.has(execution.stateMachineArn);
      if (restarted) this.startExecution(execution.stateMachineArn, execution.input, execution.name);
      return { ...execution, restarted };
    });
  }

  /** Runs an execution to its end and returns it (StartSyncExecution). */
  async startSyncExecution(stateMachineArn: string, input: unknown, name?: string): Promise<Execution> {
    const execution = this.startExecution(stateMachineArn, input, name);
    await this.options.tracker.idle();
    return execution;
  }

  /** Interpreters by state machine, built once their definition is validated. */
  private readonly interpreters = new Map<LocalStateMachine, Promise<StateMachine>>();

  private interpreterFor(machine: LocalStateMachine): Promise<StateMachine> {
    let interpreter = this.interpreters.get(machine);
    if (!interpreter) {
      interpreter = this.buildInterpreter(machine);
      this.interpreters.set(machine, interpreter);
      // A refused definition is refused again at the next execution, as before.
      interpreter.catch(() => this.interpreters.delete(machine));
    }
    return interpreter;
  }

  private async buildInterpreter(machine: LocalStateMachine): Promise<StateMachine> {
    const errors = await this.validation?.errorsOf(machine.arn).catch(() => undefined);
    // Valid: built without validating again. Refused, or not validated (the worker stopped): built
    // validating here, which throws the validator's own message for a refused one.
    return new StateMachine(interpretedDefinition(machine) as never, {
      validationOptions: errors?.length === 0 ? { noValidate: true } : { ...ASL_VALIDATION_OPTIONS },
    });
  }

  private async run(machine: LocalStateMachine, execution: Execution): Promise<void> {
    const taskResourceLocalHandlers: Record<string, (input: JsonValue) => Promise<JsonValue>> = {};
    const retryIntervalOverrides: Record<string, number[]> = {};
    const backoffScale = this.options.retryBackoffScale ?? 1;
    for (const [stateName, state] of allStates(machine.definition)) {
      if (state.Type !== 'Task' || !state.Resource) continue;
      const resource = state.Resource;
      taskResourceLocalHandlers[stateName] = async (input) => {
        // Closed: the interpreter, told to end, still retries the task; refused and not retried
        // (`isRetryable`, the interpreter's own flag), the execution ends at once.
        if (this.closed) throw Object.assign(new Error('Step Functions is stopping'), { isRetryable: false });
        const refused = this.options.authorizeTask?.(machine, resource);
        if (refused) throw refused;
        return (await this.options.lambdas.invoke(resource, input)) as JsonValue;
      };
      // Scaled waits are fixed per retrier (the override has no back-off); unscaled, none is given
      // and the interpreter waits IntervalSeconds × BackoffRate^n with the retrier's jitter.
      if (state.Retry?.length && backoffScale !== 1)
        retryIntervalOverrides[stateName] = state.Retry.map(
          (r) => (r.IntervalSeconds ?? 1) * 1000 * backoffScale,
        );
    }
    const stateMachine = await this.interpreterFor(machine);
    if (this.closed) return;
    const push = (type: string, details: Record<string, unknown>) =>
      execution.history.push({
        id: execution.history.length + 1,
        timestamp: this.options.now(),
        type,
        details,
      });
    const run = stateMachine.run(execution.input as never, {
      overrides: { taskResourceLocalHandlers, retryIntervalOverrides },
      context: {
        Execution: {
          Id: execution.executionArn,
          Name: execution.name,
          StartTime: new Date(execution.startDate).toISOString(),
          Input: execution.input as never,
        },
      },
    });
    this.running.set(execution, () => run.abort());
    const logs = (async () => {
      for await (const log of run.eventLogs) {
        const state =
          'state' in log
            ? (log.state as { name: string; type: string; input?: unknown; output?: unknown })
            : undefined;
        switch (log.type) {
          case 'ExecutionStarted':
            push('ExecutionStarted', { input: log.input });
            break;
          case 'StateEntered':
            push(`${state?.type ?? ''}StateEntered`, { name: state?.name, input: state?.input });
            break;
          case 'StateExited':
            push(`${state?.type ?? ''}StateExited`, { name: state?.name, output: state?.output });
            break;
          case 'StateRetried':
            push('TaskRetried', { name: state?.name });
            break;
          case 'StateFailed':
          case 'StateCaught':
            push(log.type === 'StateFailed' ? 'TaskFailed' : 'TaskCaught', {
              name: state?.name,
              ...('Error' in log ? { error: log.Error, cause: String(log.Cause ?? '') } : {}),
            });
            break;
          default:
            break;
        }
      }
    })();
    try {
      execution.output = await run.result;
      execution.status = 'SUCCEEDED';
      push('ExecutionSucceeded', { output: execution.output });
    } catch (error) {
      // Ended by close: no outcome (the next start begins it again).
      if (this.closed) return;
      execution.status = 'FAILED';
      const failure = error as {
        name?: string;
        message?: string;
        cause?: { Error?: string; Cause?: string } | unknown;
      };
      const timedOut = failure.name === 'ExecutionTimeoutError';
      execution.error = timedOut
        ? 'States.Timeout'
        : String((failure.cause as { name?: string } | undefined)?.name ?? failure.name ?? 'Error');
      execution.cause = timedOut
        ? `The execution ran past its ${executionTimeoutSeconds(machine)} s timeout`
        : String(failure.message ?? error);
      push('ExecutionFailed', { error: execution.error, cause: execution.cause });
    } finally {
      this.running.delete(execution);
    }
    await logs.catch(() => undefined);
    execution.stopDate = this.options.now();
    this.options.onExecutionEnd?.(execution);
  }

  /** The AWS JSON 1.0 protocol (X-Amz-Target: AWSStepFunctions.*). */
  readonly handler = async (req: AwsRequest): Promise<AwsResponse> => {
    const operation = (header(req, 'x-amz-target') ?? '').split('.')[1] ?? '';
    const body = parseJsonObject(req.body || '{}');
    if (!body) return this.error('SerializationException', 'Request body is not a JSON object');
    try {
      return jsonResponse(200, 'application/x-amz-json-1.0', await this.dispatch(operation, body));
    } catch (error) {
      if (error instanceof SfnError) return this.error(error.type, error.message);
      return this.error('InternalFailure', error instanceof Error ? error.message : String(error), 500);
    }
  };

  private error(type: string, message: string, status = 400): AwsResponse {
    return {
      status,
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': type },
      body: JSON.stringify({ __type: type, message }),
    };
  }

  private describe(execution: Execution): Record<string, unknown> {
    return {
      executionArn: execution.executionArn,
      stateMachineArn: execution.stateMachineArn,
      name: execution.name,
      status: execution.status,
      startDate: execution.startDate / 1000,
      ...(execution.stopDate ? { stopDate: execution.stopDate / 1000 } : {}),
      input: JSON.stringify(execution.input),
      ...(execution.output !== undefined ? { output: JSON.stringify(execution.output) } : {}),
      ...(execution.error ? { error: execution.error, cause: execution.cause } : {}),
    };
  }

  private findExecution(arn: unknown): Execution {
    const execution = this.executions.find((e) => e.executionArn === arn);
    if (!execution) throw new SfnError('ExecutionDoesNotExist', `Execution Does Not Exist: '${String(arn)}'`);
    return execution;
  }

  private async dispatch(operation: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const parseInput = (): unknown => {
      if (body.input === undefined) return {};
      try {
        return JSON.parse(String(body.input));
      } catch {
        throw new SfnError('InvalidExecutionInput', 'Invalid State Machine Execution Input: not valid JSON');
      }
    };
    switch (operation) {
      case 'StartExecution': {
        const execution = this.startExecution(
          String(body.stateMachineArn),
          parseInput(),
          body.name ? String(body.name) : undefined,
        );
        return { executionArn: execution.executionArn, startDate: execution.startDate / 1000 };
      }
      case 'StartSyncExecution': {
        const execution = await this.startSyncExecution(
          String(body.stateMachineArn),
          parseInput(),
          body.name ? String(body.name) : undefined,
        );
        return this.describe(execution);
      }
      case 'ListStateMachines':
        return {
          stateMachines: this.stateMachines.map((m) => ({
            stateMachineArn: m.arn,
            name: m.name,
            type: m.type,
            creationDate: 0,
          })),
        };
      case 'DescribeStateMachine': {
        const machine = this.machines.get(String(body.stateMachineArn));
        if (!machine)
          throw new SfnError(
            'StateMachineDoesNotExist',
            `State Machine Does Not Exist: '${String(body.stateMachineArn)}'`,
          );
        return {
          stateMachineArn: machine.arn,
          name: machine.name,
          type: machine.type,
          status: 'ACTIVE',
          definition: JSON.stringify(machine.definition),
          roleArn: machine.roleArn ?? `arn:aws:iam::000000000000:role/${machine.name}`,
          creationDate: 0,
        };
      }
      case 'ListExecutions': {
        const max = Number(body.maxResults ?? 100) || 100;
        return {
          executions: this.executions
            .filter(
              (e) =>
                e.stateMachineArn === body.stateMachineArn &&
                (!body.statusFilter || e.status === body.statusFilter),
            )
            .slice(-max)
            .reverse()
            .map((e) => ({
              executionArn: e.executionArn,
              stateMachineArn: e.stateMachineArn,
              name: e.name,
              status: e.status,
              startDate: e.startDate / 1000,
              ...(e.stopDate ? { stopDate: e.stopDate / 1000 } : {}),
            })),
        };
      }
      case 'DescribeExecution':
        return this.describe(this.findExecution(body.executionArn));
      case 'GetExecutionHistory': {
        const execution = this.findExecution(body.executionArn);
        return {
          events: execution.history.map((e) => ({
            id: e.id,
            previousEventId: e.id - 1,
            timestamp: e.timestamp / 1000,
            type: e.type,
            ...historyDetails(e),
          })),
        };
      }
      default:
        throw new SfnError(
          'UnknownOperationException',
          `Operation ${operation || '(none)'} is not supported locally`,
        );
    }
  }
}

/** The AWS shape of a history event's details. */
function historyDetails(event: HistoryEvent): Record<string, unknown> {
  const d = event.details;
  const json = (value: unknown) => (value === undefined ? undefined : JSON.stringify(value));
  if (event.type === 'ExecutionStarted') return { executionStartedEventDetails: { input: json(d.input) } };
  if (event.type === 'ExecutionSucceeded')
    return { executionSucceededEventDetails: { output: json(d.output) } };
  if (event.type === 'ExecutionFailed')
    return { executionFailedEventDetails: { error: d.error, cause: d.cause } };
  if (event.type.endsWith('StateEntered'))
    return { stateEnteredEventDetails: { name: d.name, input: json(d.input) } };
  if (event.type.endsWith('StateExited'))
    return { stateExitedEventDetails: { name: d.name, output: json(d.output) } };
  return { taskFailedEventDetails: { error: d.error, cause: d.cause, resource: d.name } };
}
