/**
 * EventBridge, locally: PutEvents over the AWS JSON 1.1 protocol, every rule of the template
 * matched with the documented pattern semantics, and its targets honoured (Lambda asynchronously,
 * Step Functions by StartExecution, `Input` / `InputPath`). A failed delivery is retried with
 * exponential back-off and jitter as the target's retry policy says (MaximumRetryAttempts, default
 * 185; MaximumEventAgeInSeconds, default 86400), on real time; an error that retrying cannot fix
 * (missing permission, missing resource, a 4xx) is not retried. An event that cannot be delivered
 * goes to the target's dead-letter queue with the attributes EventBridge sets; events that match
 * no rule are kept and shown.
 */

import { randomUUID } from 'node:crypto';
import { type AwsRequest, type AwsResponse, header, jsonResponse, parseJsonObject } from '../protocol.ts';
import { Retrier, type RetryOutcome } from '../retry.ts';
import { LOCAL_ACCOUNT, LOCAL_REGION, type LocalRule, type LocalRuleTarget } from '../template.ts';
import { WriteAheadJournal } from '../write-ahead-journal.ts';
import { matchesPattern } from './event-pattern.ts';

export interface BusEventEnvelope {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: string[];
  readonly detail: Record<string, unknown>;
}

export interface EventRecord {
  readonly event: BusEventEnvelope;
  readonly busName: string;
  readonly matchedRules: string[];
}

export interface FailedDelivery {
  readonly at: string;
  readonly rule: string;
  readonly targetArn: string;
  readonly eventId: string;
  readonly detailType: string;
  readonly error: string;
  /** Attempts made (the first included). */
  readonly attempts: number;
  /** Why EventBridge stopped: retries exhausted, event too old, or an error it does not retry. */
  readonly condition: NonNullable<RetryOutcome['condition']>;
  readonly deadLetterArn?: string;
}

/** An event the bus accepted, as its journal keeps it until every target has it. */
export interface AcceptedEvent {
  readonly busName: string;
  readonly event: BusEventEnvelope;
  /** Put with a trace header (by a function): its targets join that trace instead of beginning one. */
  readonly traced?: boolean;
}

export type BusJournal = WriteAheadJournal<AcceptedEvent>;

/** The bus's journal at `path`: an event is open from PutEvents until every target has it. */
export function busJournal(path: string): BusJournal {
  return new WriteAheadJournal<AcceptedEvent>(path, (accepted) => accepted.event.id);
}

export interface BusOptions {
  readonly rules: readonly LocalRule[];
  readonly buses: ReadonlyArray<{ name: string; arn: string }>;
  readonly now: () => number;
  /**
   * Delivers to a target; throws when the target refuses the event. A target that takes the event
   * to work on it later (a Lambda function invoked asynchronously) answers with `settled`, when
   * that work has ended: the journal marks the event delivered only then.
   */
  readonly deliver: (
    target: LocalRuleTarget,
    input: unknown,
    rule: LocalRule,
    /** The event was put with a trace header: the target joins that trace instead of beginning one. */
    traced: boolean,
  ) => Promise<{ readonly settled: Promise<unknown> } | undefined>;
  /**
   * Whether a PutEvents call without an X-Amzn-Trace-Id header comes from a function: in Lambda the
   * SDK sends the invocation's trace header with every call, which the local functions run without.
   */
  readonly fromFunction?: (req: AwsRequest) => boolean;
  /** Where accepted events are written before PutEvents answers; none keeps them in memory only. */
  readonly journal?: BusJournal;
  /** Sends an undeliverable event to a dead-letter queue (by ARN) with its message attributes. */
  readonly deadLetter: (
    arn: string,
    event: BusEventEnvelope,
    attributes: Record<string, string>,
    rule: LocalRule,
  ) => Promise<void>;
  /** Runs work in the background (deliveries are asynchronous, as in EventBridge). */
  readonly background: (work: () => Promise<void>) => void;
  /**
   * Multiplies the real-time back-off between retries (1 by default). Tests set 0 so retries do not
   * wait; the number of attempts and the event age limit stay as the retry policy says.
   */
  readonly backoffScale?: number;
  /**
   * Whether a PutEvents call is taken now; when not, it is answered ThrottlingException before any
   * entry is accepted, as EventBridge answers a caller past its PutEvents quota.
   */
  readonly accepting?: (req: AwsRequest) => boolean;
}

const MAX_KEPT = 1000;

/** A JSONPath of the form `$.a.b` applied to an event (the InputPath subset rules use). */
function applyInputPath(event: unknown, path: string): unknown {
  if (path === '$') return event;
  let current: unknown = event;
  for (const segment of path.replace(/^\$\.?/, '').split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

export class EventBusService {
  readonly events: EventRecord[] = [];
  readonly unmatched: EventRecord[] = [];
  readonly failedDeliveries: FailedDelivery[] = [];
  /** Custom events put, for cost accounting (events AWS services publish to the default bus are free). */
  putCount = 0;
  /** PutEvents calls refused with ThrottlingException (nothing of them accepted). */
  throttledCount = 0;
  /** Rules switched off at run time (the cost script measures a run with and without its journey). */
  readonly disabledRules = new Set<string>();

  private readonly retrier: Retrier;

  constructor(private readonly options: BusOptions) {
    this.retrier = new Retrier(options.backoffScale ?? 1);
  }

  /** Stops retrying: pending back-offs end at once and no further attempt is made. */
  close(): void {
    this.retrier.close();
  }

  private busName(nameOrArn: string | undefined): string {
    if (!nameOrArn) return 'default';
    const match = /event-bus\/(.+)$/.exec(nameOrArn);
    return match?.[1] ?? nameOrArn;
  }

  /**
   * Puts one event on a bus and dispatches it to matching rules. `traced`: the PutEvents call
   * carried a trace header, which EventBridge passes to the targets (AWS services' events carry none).
   */
  put(entry: {
    busName?: string;
    source: string;
    detailType: string;
    detail: Record<string, unknown>;
    time?: string;
    resources?: string[];
    traced?: boolean;
  }): BusEventEnvelope {
    const event: BusEventEnvelope = {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.detailType,
      source: entry.source,
      account: LOCAL_ACCOUNT,
      time: entry.time ?? new Date(this.options.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: LOCAL_REGION,
      resources: entry.resources ?? [],
      detail: entry.detail,
    };
    const busName = this.busName(entry.busName);
    if (!entry.source.startsWith('aws.')) this.putCount++;
    this.dispatch({ busName, event, traced: entry.traced === true });
    return event;
  }

  /** Delivers again the events a previous process accepted and did not finish delivering. */
  replayJournal(): number {
    const journal = this.options.journal;
    if (!journal) return 0;
    const pending = journal.pending();
    journal.reset();
    for (const accepted of pending) this.dispatch(accepted);
    return pending.length;
  }

  /** Matches an accepted event to the bus's rules and delivers it to their targets, journaled. */
  private dispatch(accepted: AcceptedEvent): void {
    const { busName, event } = accepted;
    const matched = this.options.rules.filter(
      (rule) =>
        rule.enabled &&
        !this.disabledRules.has(rule.name) &&
        rule.busName === busName &&
        matchesPattern(rule.pattern, event),
    );
    const record: EventRecord = { event, busName, matchedRules: matched.map((r) => r.name) };
    this.keep(this.events, record);
    if (matched.length === 0) this.keep(this.unmatched, record);
    const deliveries = matched.flatMap((rule) =>
      rule.targets.map(
        (target) =>
          new Promise<void>((delivered) =>
            this.options.background(() =>
              this.deliver(rule, target, event, accepted.traced === true).finally(delivered),
            ),
          ),
      ),
    );
    const { journal } = this.options;
    if (journal && deliveries.length > 0) {
      journal.opened(accepted);
      void Promise.all(deliveries).then(() => journal.done(event.id));
    }
  }

  private keep<T>(list: T[], item: T): void {
    list.push(item);
    if (list.length > MAX_KEPT) list.splice(0, list.length - MAX_KEPT);
  }

  private async deliver(
    rule: LocalRule,
    target: LocalRuleTarget,
    event: BusEventEnvelope,
    traced: boolean,
  ): Promise<void> {
    const input =
      target.input !== undefined
        ? JSON.parse(target.input)
        : target.inputPath
          ? applyInputPath(event, target.inputPath)
          : event;
    let settled: Promise<unknown> | undefined;
    const outcome = await this.retrier.run(
      async () => {
        settled = (await this.options.deliver(target, input, rule, traced))?.settled;
      },
      { maxRetries: target.maxRetries, maxEventAgeSeconds: target.maxEventAgeSeconds ?? 86_400 },
    );
    if (outcome.ok) {
      await settled?.catch(() => undefined);
      return;
    }
    const condition = outcome.condition ?? 'MaximumRetryAttemptsExhausted';
    const attempts = outcome.attempts;
    const lastError = outcome.error ?? '';
    this.keep(this.failedDeliveries, {
      at: new Date(this.options.now()).toISOString(),
      rule: rule.name,
      targetArn: target.arn,
      eventId: event.id,
      detailType: event['detail-type'],
      error: lastError,
      attempts,
      condition,
      ...(target.deadLetterArn ? { deadLetterArn: target.deadLetterArn } : {}),
    });
    if (target.deadLetterArn)
      await this.options.deadLetter(
        target.deadLetterArn,
        event,
        {
          ERROR_CODE: outcome.errorCode ?? 'Error',
          ERROR_MESSAGE: lastError,
          ...(condition === 'NotRetryable' ? {} : { EXHAUSTED_RETRY_CONDITION: condition }),
          RETRY_ATTEMPTS: String(attempts - 1),
          RULE_ARN: rule.arn ?? rule.name,
          TARGET_ARN: target.arn,
        },
        rule,
      );
  }

  /** The AWS JSON 1.1 protocol (X-Amz-Target: AWSEvents.*). */
  readonly handler = async (req: AwsRequest): Promise<AwsResponse> => {
    const operation = (header(req, 'x-amz-target') ?? '').split('.')[1] ?? '';
    const body = parseJsonObject(req.body || '{}');
    if (!body) return this.error('SerializationException', 'Request body is not a JSON object');
    switch (operation) {
      case 'PutEvents':
        if (this.options.accepting?.(req) === false) {
          this.throttledCount++;
          return this.error('ThrottlingException', 'Rate exceeded');
        }
        return this.putEvents(
          body,
          header(req, 'x-amzn-trace-id') !== undefined || this.options.fromFunction?.(req) === true,
        );
      case 'ListEventBuses':
        return this.ok({ EventBuses: this.options.buses.map((b) => ({ Name: b.name, Arn: b.arn })) });
      case 'ListRules':
        return this.ok({
          Rules: this.options.rules
            .filter((r) => !body.EventBusName || r.busName === this.busName(String(body.EventBusName)))
            .filter((r) => !body.NamePrefix || r.name.startsWith(String(body.NamePrefix)))
            .map((r) => this.describeRule(r)),
        });
      case 'DescribeRule': {
        const rule = this.options.rules.find((r) => r.name === body.Name);
        return rule
          ? this.ok(this.describeRule(rule))
          : this.error('ResourceNotFoundException', `Rule ${String(body.Name)} does not exist.`);
      }
      case 'ListTargetsByRule': {
        const rule = this.options.rules.find((r) => r.name === body.Rule);
        return rule
          ? this.ok({
              Targets: rule.targets.map((t) => ({
                Id: t.id,
                Arn: t.arn,
                ...(t.deadLetterArn ? { DeadLetterConfig: { Arn: t.deadLetterArn } } : {}),
              })),
            })
          : this.error('ResourceNotFoundException', `Rule ${String(body.Rule)} does not exist.`);
      }
      default:
        return this.error(
          'UnknownOperationException',
          `Operation ${operation || '(none)'} is not supported locally`,
        );
    }
  };

  private describeRule(rule: LocalRule): Record<string, unknown> {
    return {
      Name: rule.name,
      Arn:
        rule.arn ??
        `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:rule/${rule.busName === 'default' ? '' : `${rule.busName}/`}${rule.name}`,
      EventBusName: rule.busName,
      EventPattern: JSON.stringify(rule.pattern),
      State: rule.enabled ? 'ENABLED' : 'DISABLED',
      ...(rule.description ? { Description: rule.description } : {}),
    };
  }

  private putEvents(body: Record<string, unknown>, traced: boolean): AwsResponse {
    const entries = body.Entries;
    if (!Array.isArray(entries) || entries.length === 0 || entries.length > 10) {
      return this.error('ValidationException', 'Entries must hold between 1 and 10 entries');
    }
    const results = entries.map((raw: unknown) => {
      const entry = (raw ?? {}) as Record<string, unknown>;
      if (typeof entry.Source !== 'string' || entry.Source === '')
        return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Source is not valid.' };
      // Sources starting with "aws." are AWS services' own: EventBridge refuses them from callers.
      if (entry.Source.startsWith('aws.'))
        return {
          ErrorCode: 'NotAuthorizedForSourceException',
          ErrorMessage: 'Not authorized for the source.',
        };
      if (typeof entry.DetailType !== 'string' || entry.DetailType === '') {
        return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter DetailType is not valid.' };
      }
      const detail = typeof entry.Detail === 'string' ? parseJsonObject(entry.Detail) : undefined;
      if (!detail) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
      if (Buffer.byteLength(String(entry.Detail)) > 256 * 1024)
        return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Entry too large.' };
      const busName = this.busName(typeof entry.EventBusName === 'string' ? entry.EventBusName : undefined);
      if (busName !== 'default' && !this.options.buses.some((b) => b.name === busName)) {
        return {
          ErrorCode: 'ResourceNotFoundException',
          ErrorMessage: `Event bus ${busName} does not exist.`,
        };
      }
      const time = typeof entry.Time === 'number' ? new Date(entry.Time * 1000).toISOString() : undefined;
      const event = this.put({
        busName,
        source: entry.Source,
        detailType: entry.DetailType,
        detail,
        ...(time ? { time } : {}),
        ...(Array.isArray(entry.Resources) ? { resources: entry.Resources.map(String) } : {}),
        traced: traced || (typeof entry.TraceHeader === 'string' && entry.TraceHeader !== ''),
      });
      return { EventId: event.id };
    });
    return this.ok({ FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results });
  }

  private ok(payload: Record<string, unknown>): AwsResponse {
    return jsonResponse(200, 'application/x-amz-json-1.1', payload);
  }

  private error(type: string, message: string): AwsResponse {
    return {
      status: 400,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type },
      body: JSON.stringify({ __type: type, message }),
    };
  }
}
