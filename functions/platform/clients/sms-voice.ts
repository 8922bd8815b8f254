/**
 * The End User Messaging SMS and Voice v2 client, loaded and traced on first use (see ./lazy.ts,
 * ./retry.ts), and its commands.
 */
import type {
  SendTextMessageCommandInput,
  SendTextMessageCommandOutput,
  SendVoiceMessageCommandInput,
  SendVoiceMessageCommandOutput,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { lazyClient, SdkCommand } from './lazy.ts';
import { retry } from './retry.ts';

export const smsVoice = lazyClient(async (traced) => {
  const sdk = await import('@aws-sdk/client-pinpoint-sms-voice-v2');
  return { client: traced(new sdk.PinpointSMSVoiceV2Client(retry())), commands: sdk };
});

export class SendTextMessageCommand extends SdkCommand<
  SendTextMessageCommandInput,
  SendTextMessageCommandOutput
> {
  readonly sdkName = 'SendTextMessageCommand';
}

export class SendVoiceMessageCommand extends SdkCommand<
  SendVoiceMessageCommandInput,
  SendVoiceMessageCommandOutput
> {
  readonly sdkName = 'SendVoiceMessageCommand';
}
