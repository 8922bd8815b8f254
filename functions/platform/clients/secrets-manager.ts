/** The Secrets Manager client, loaded and traced on first use (see ./lazy.ts, ./retry.ts), and its commands. */
import type {
  GetSecretValueCommandInput,
  GetSecretValueCommandOutput,
} from '@aws-sdk/client-secrets-manager';
import { lazyClient, SdkCommand } from './lazy.ts';
import { retry } from './retry.ts';

export const secretsManager = lazyClient(async (traced) => {
  const sdk = await import('@aws-sdk/client-secrets-manager');
  return { client: traced(new sdk.SecretsManagerClient(retry())), commands: sdk };
});

export class GetSecretValueCommand extends SdkCommand<
  GetSecretValueCommandInput,
  GetSecretValueCommandOutput
> {
  readonly sdkName = 'GetSecretValueCommand';
}
