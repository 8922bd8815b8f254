/** The SES v2 client, loaded and traced on first use (see ./lazy.ts, ./retry.ts), and its commands. */
import type { SendEmailCommandInput, SendEmailCommandOutput } from '@aws-sdk/client-sesv2';
import { lazyClient, SdkCommand } from './lazy.ts';
import { retry } from './retry.ts';

export const ses = lazyClient(async (traced) => {
  const sdk = await import('@aws-sdk/client-sesv2');
  return { client: traced(new sdk.SESv2Client(retry())), commands: sdk };
});

export class SendEmailCommand extends SdkCommand<SendEmailCommandInput, SendEmailCommandOutput> {
  readonly sdkName = 'SendEmailCommand';
}
