/**
 * The retry policy EventBridge and EventBridge Scheduler apply to a target: a failed delivery is
 * retried with exponential back-off and jitter (about 1 s, doubling, at most 5 min apart) until
 * MaximumRetryAttempts retries were made or the event is older than MaximumEventAgeInSeconds, on
 * real time (infrastructure time is never scaled). An error that retrying cannot fix (a missing
 * permission, a missing resource, a 4xx other than 429) ends the delivery at once.
 */

export interface RetryPolicy {
  /** Retries after the first attempt (AWS's default 185). */
  readonly maxRetries: number;
  /** Age at which an undelivered event is dropped (AWS's default 86400). */
  readonly maxEventAgeSeconds: number;
}

export interface RetryOutcome {
  readonly ok: boolean;
  /** Attempts made, the first included. */
  readonly attempts: number;
  readonly error?: string;
  /** The error's name (`AccessDeniedException`...), as the dead-letter attributes carry it. */
  readonly errorCode?: string;
  readonly condition?: 'MaximumRetryAttemptsExhausted' | 'MaximumEventAgeExceeded' | 'NotRetryable';
}

const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 300_000;

/** Whether retrying could help: not for a denial, a missing resource or a request the target refuses. */
export function isRetryable(error: unknown): boolean {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  if (
    /AccessDenied|AuthorizationError|ResourceNotFound|NotFound|DoesNotExist|Validation|InvalidParameter/.test(
      text,
    )
  )
    return false;
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  if (typeof status === 'number') return status === 429 || status >= 500;
  return true;
}

export class Retrier {
  private readonly waits = new Set<{ timer: NodeJS.Timeout; done: () => void }>();
  private closed = false;

  /**
   * `backoffScale` multiplies the waits (tests set 0 so retries do not wait); the number of
   * attempts and the age limit keep their meaning.
   */
  constructor(private readonly backoffScale = 1) {}

  /** Runs `attempt` until it succeeds or the policy gives up. */
  async run(
    attempt: () => Promise<void>,
    policy: RetryPolicy,
    receivedAt = Date.now(),
  ): Promise<RetryOutcome> {
    let attempts = 0;
    for (;;) {
      attempts++;
      try {
        await attempt();
        return { ok: true, attempts };
      } catch (error) {
        const described = {
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          errorCode: error instanceof Error ? error.name : 'Error',
        };
        if (!isRetryable(error)) return { ok: false, attempts, ...described, condition: 'NotRetryable' };
        if (this.closed || attempts > policy.maxRetries)
          return { ok: false, attempts, ...described, condition: 'MaximumRetryAttemptsExhausted' };
        const backoff = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (attempts - 1));
        const delay = backoff * (0.5 + Math.random() / 2) * this.backoffScale;
        if (Date.now() + delay - receivedAt > policy.maxEventAgeSeconds * 1000)
          return { ok: false, attempts, ...described, condition: 'MaximumEventAgeExceeded' };
        await this.sleep(delay);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const wait = {
        timer: setTimeout(() => {
          this.waits.delete(wait);
          resolve();
        }, ms),
        done: resolve,
      };
      this.waits.add(wait);
    });
  }

  /** Ends every wait now; deliveries in progress make no further attempt. */
  close(): void {
    this.closed = true;
    for (const wait of this.waits) {
      clearTimeout(wait.timer);
      wait.done();
    }
    this.waits.clear();
  }
}
