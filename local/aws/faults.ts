/**
 * Fault injection for tests: makes the stand-ins fail chosen calls the way the AWS service fails
 * them, so retries, dead-letter paths and exactly-once sends are exercised on purpose. A fault
 * names a service (`dynamodb`, `ses`, `sns`, `eventbridge`, `scheduler`, `sqs`, `stepfunctions`,
 * `secretsmanager`, `sms-voice`), optionally an operation (`PutItem`, `SendEmail`, `Publish`...),
 * what happens, and which matching calls: the first `times` (after skipping `after`), or every
 * `every`-th one. The answer is the service's own error on its own protocol:
 *
 * | kind                  | DynamoDB                                       | SES v2                          | SNS (query)           | others (JSON)              |
 * | --------------------- | ---------------------------------------------- | ------------------------------- | --------------------- | -------------------------- |
 * | `throttle`            | 400 ProvisionedThroughputExceededException     | 429 TooManyRequestsException    | 400 Throttling        | 400 ThrottlingException    |
 * | `server-error`        | 500 InternalServerError                        | 500 InternalServiceErrorException | 500 InternalError   | 500 InternalFailure        |
 * | `conditional-failure` | 400 ConditionalCheckFailedException            | —                               | —                     | —                          |
 * | `timeout`             | no answer for `delayMs`, then 504 (the SDK's own timeout usually ends the call first) |||
 *
 * The SDK treats throttling and 5xx answers as retryable, as it does against AWS.
 *
 * Two kinds stop the process instead, between two named points of the work: `crash-before` dies
 * when the call arrives, before the service acts on it (after the caller's previous step, before
 * this call: a ledger entry begun, the e-mail not sent); `crash-after` lets the service act, then
 * dies before the answer reaches the caller (the e-mail sent, the ledger not told). The runtime
 * decides what dying means (`onCrash`): in a test, a simulated `kill -9` of the local runtime.
 */
import { type AwsRequest, type AwsResponse, awsQueryError, operationOf } from './protocol.ts';

export type FaultKind =
  | 'throttle'
  | 'server-error'
  | 'conditional-failure'
  | 'timeout'
  | 'crash-before'
  | 'crash-after';

type AnsweredKind = Exclude<FaultKind, 'timeout' | 'crash-before' | 'crash-after'>;

export interface FaultRule {
  readonly service: string;
  /** The API operation (`PutItem`, `SendEmail`, `Publish`); any operation of the service when absent. */
  readonly operation?: string;
  readonly kind: FaultKind;
  /** How many matching calls fail (after `after`). @default 1; Infinity for all */
  readonly times?: number;
  /** Matching calls let through before the first failure. @default 0 */
  readonly after?: number;
  /** Fail every n-th matching call instead (a storm): `times` and `after` are then ignored. */
  readonly every?: number;
  /** For `timeout`: real milliseconds before the 504. @default 30000 */
  readonly delayMs?: number;
}

/** One injected fault: how many calls it matched and failed so far. */
export interface Fault {
  readonly rule: FaultRule;
  matched: number;
  failed: number;
}

const JSON_ERROR = { 'content-type': 'application/x-amz-json-1.0' };

function jsonError(status: number, type: string, message: string): AwsResponse {
  return {
    status,
    headers: { ...JSON_ERROR, 'x-amzn-errortype': type },
    body: JSON.stringify({ __type: type, message }),
  };
}

/** The service's error for `kind`, on its protocol. */
export function faultAnswer(service: string, kind: AnsweredKind): AwsResponse {
  const message = `injected fault: ${kind}`;
  if (service === 'sns')
    return kind === 'throttle'
      ? awsQueryError(400, 'Throttling', message)
      : awsQueryError(500, 'InternalError', message, { type: 'Receiver' });
  if (service === 'ses')
    return kind === 'throttle'
      ? jsonError(429, 'TooManyRequestsException', message)
      : jsonError(500, 'InternalServiceErrorException', message);
  if (kind === 'conditional-failure') return jsonError(400, 'ConditionalCheckFailedException', message);
  if (kind === 'throttle')
    return jsonError(
      400,
      service === 'dynamodb' ? 'ProvisionedThroughputExceededException' : 'ThrottlingException',
      message,
    );
  return jsonError(500, service === 'dynamodb' ? 'InternalServerError' : 'InternalFailure', message);
}

/** A call that never answers: the process died under it. */
const never = () => new Promise<never>(() => undefined);

export class FaultInjector {
  private readonly faults: Fault[] = [];
  /** What a crash fault does: set by the runtime (a simulated kill -9); none refuses crash faults. */
  onCrash?: () => void;

  /** Adds a fault; returns it, so a test can read how many calls it failed. */
  inject(rule: FaultRule): Fault {
    if ((rule.kind === 'crash-before' || rule.kind === 'crash-after') && !this.onCrash)
      throw new Error('this runtime cannot crash on purpose (no onCrash)');
    if (rule.kind === 'conditional-failure' && rule.service !== 'dynamodb')
      throw new Error('a conditional failure is a DynamoDB error');
    if (rule.every !== undefined && (!Number.isInteger(rule.every) || rule.every < 1))
      throw new Error('every must be a whole number of calls, 1 or more');
    const fault: Fault = { rule, matched: 0, failed: 0 };
    this.faults.push(fault);
    return fault;
  }

  /** Removes every fault. */
  clear(): void {
    this.faults.splice(0);
  }

  /** Answers a call: with the injected failure when a fault fires, else with `call`'s own answer. */
  async around(service: string, req: AwsRequest, call: () => Promise<AwsResponse>): Promise<AwsResponse> {
    const fault = this.firing(service, req);
    if (!fault) return call();
    const { rule } = fault;
    switch (rule.kind) {
      case 'crash-before':
        this.onCrash?.();
        return never();
      case 'crash-after':
        await call();
        this.onCrash?.();
        return never();
      case 'timeout':
        await new Promise((resolve) => setTimeout(resolve, rule.delayMs ?? 30_000));
        return jsonError(504, 'RequestTimeout', 'injected fault: timeout');
      default:
        return faultAnswer(service, rule.kind);
    }
  }

  /** The fault that fires for this call, counted; undefined to let it through. */
  private firing(service: string, req: AwsRequest): Fault | undefined {
    if (this.faults.length === 0) return undefined;
    const operation = operationOf(req);
    for (const fault of this.faults) {
      const { rule } = fault;
      if (rule.service !== service || (rule.operation !== undefined && rule.operation !== operation))
        continue;
      fault.matched++;
      if (!this.fires(fault)) continue;
      fault.failed++;
      return fault;
    }
    return undefined;
  }

  private fires(fault: Fault): boolean {
    const { rule, matched } = fault;
    if (rule.every !== undefined) return matched % rule.every === 0;
    const after = rule.after ?? 0;
    return matched > after && fault.failed < (rule.times ?? 1);
  }
}
