/** The EventBridge client, loaded and traced on first use (see ./lazy.ts, ./retry.ts), and its commands. */
import type { PutEventsCommandInput, PutEventsCommandOutput } from '@aws-sdk/client-eventbridge';
import { lazyClient, SdkCommand } from './lazy.ts';
import { retry } from './retry.ts';

export const eventBridge = lazyClient(async (traced) => {
  const sdk = await import('@aws-sdk/client-eventbridge');
  return { client: traced(new sdk.EventBridgeClient(retry())), commands: sdk };
});

export class PutEventsCommand extends SdkCommand<PutEventsCommandInput, PutEventsCommandOutput> {
  readonly sdkName = 'PutEventsCommand';
}
