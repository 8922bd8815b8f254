/** The SNS client, loaded and traced on first use (see ./lazy.ts, ./retry.ts), and its commands. */
import type { PublishCommandInput, PublishCommandOutput } from '@aws-sdk/client-sns';
import { lazyClient, SdkCommand } from './lazy.ts';
import { retry } from './retry.ts';

export const sns = lazyClient(async (traced) => {
  const sdk = await import('@aws-sdk/client-sns');
  return { client: traced(new sdk.SNSClient(retry())), commands: sdk };
});

export class PublishCommand extends SdkCommand<PublishCommandInput, PublishCommandOutput> {
  readonly sdkName = 'PublishCommand';
}
