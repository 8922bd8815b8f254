/** The EventBridge Scheduler client, loaded and traced on first use (see ./lazy.ts, ./retry.ts), and its commands. */
import type * as Sdk from '@aws-sdk/client-scheduler';
import { lazyClient, SdkCommand } from './lazy.ts';
import { retry } from './retry.ts';

export const scheduler = lazyClient(async (traced) => {
  const sdk = await import('@aws-sdk/client-scheduler');
  return { client: traced(new sdk.SchedulerClient(retry())), commands: sdk };
});

export class CreateScheduleCommand extends SdkCommand<
  Sdk.CreateScheduleCommandInput,
  Sdk.CreateScheduleCommandOutput
> {
  readonly sdkName = 'CreateScheduleCommand';
}

export class DeleteScheduleCommand extends SdkCommand<
  Sdk.DeleteScheduleCommandInput,
  Sdk.DeleteScheduleCommandOutput
> {
  readonly sdkName = 'DeleteScheduleCommand';
}

export class GetScheduleCommand extends SdkCommand<
  Sdk.GetScheduleCommandInput,
  Sdk.GetScheduleCommandOutput
> {
  readonly sdkName = 'GetScheduleCommand';
}
