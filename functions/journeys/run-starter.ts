/** Starts a journey's state machine to resume a run (used by the event router). */
import { ExecutionAlreadyExists, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { stepFunctions } from '#platform/clients/step-functions.ts';

/** Starts an execution with a deterministic name; an execution of that name already started is fine. */
export async function startRun(stateMachineArn: string, name: string, input: unknown): Promise<void> {
  try {
    await stepFunctions.send(
      new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
    );
  } catch (error) {
    if (!(error instanceof ExecutionAlreadyExists)) throw error;
  }
}
