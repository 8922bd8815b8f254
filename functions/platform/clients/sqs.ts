/** The SQS client, loaded and traced on first use (see ./lazy.ts, ./retry.ts), and its commands. */
import type { SendMessageCommandInput, SendMessageCommandOutput } from '@aws-sdk/client-sqs';
import { lazyClient, SdkCommand } from './lazy.ts';
import { retry } from './retry.ts';

export const sqs = lazyClient(async (traced) => {
  const sdk = await import('@aws-sdk/client-sqs');
  return { client: traced(new sdk.SQSClient(retry())), commands: sdk };
});

export class SendMessageCommand extends SdkCommand<SendMessageCommandInput, SendMessageCommandOutput> {
  readonly sdkName = 'SendMessageCommand';
}
