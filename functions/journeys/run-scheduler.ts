/**
 * One-time EventBridge Scheduler schedules that resume journey runs. Names are deterministic per
 * (run, generation, step), so a retried step finds its schedule instead of creating a second one.
 */
import { CreateScheduleCommand, scheduler } from '#platform/clients/scheduler.ts';

export interface JourneyTarget {
  readonly stateMachineArn: string;
  readonly scheduleGroup: string;
  readonly schedulerRoleArn: string;
  /** Where the schedule's input goes once every retry failed (the deployment's schedule dead-letter queue). */
  readonly deadLetterArn?: string;
}

/** `at()` wants a UTC time without zone or milliseconds. */
export function atExpression(whenMs: number): string {
  return `at(${new Date(whenMs).toISOString().slice(0, 19)})`;
}

/** Creates a one-time schedule that starts the journey's state machine with `input`; already existing is fine. */
export async function scheduleResume(
  target: JourneyTarget,
  name: string,
  whenMs: number,
  input: unknown,
): Promise<void> {
  try {
    await scheduler.send(
      new CreateScheduleCommand({
        Name: name,
        GroupName: target.scheduleGroup,
        ScheduleExpression: atExpression(whenMs),
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Target: {
          Arn: target.stateMachineArn,
          RoleArn: target.schedulerRoleArn,
          Input: JSON.stringify(input),
          RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 86_400 },
          // A resume that fails every retry is kept, never lost (an alarm watches the queue).
          ...(target.deadLetterArn ? { DeadLetterConfig: { Arn: target.deadLetterArn } } : {}),
        },
      }),
    );
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ConflictException')) throw error;
  }
}
