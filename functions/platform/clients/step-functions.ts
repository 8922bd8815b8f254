/** The Step Functions client, loaded and traced on first use (see ./lazy.ts, ./retry.ts), and its commands. */
import type { StartExecutionCommandInput, StartExecutionCommandOutput } from '@aws-sdk/client-sfn';
import { lazyClient, SdkCommand } from './lazy.ts';
import { retry } from './retry.ts';

export const stepFunctions = lazyClient(async (traced) => {
  const sdk = await import('@aws-sdk/client-sfn');
  return { client: traced(new sdk.SFNClient(retry())), commands: sdk };
});

export class StartExecutionCommand extends SdkCommand<
  StartExecutionCommandInput,
  StartExecutionCommandOutput
> {
  readonly sdkName = 'StartExecutionCommand';
}
