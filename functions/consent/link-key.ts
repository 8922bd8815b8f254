/**
 * The HMAC key that signs unsubscribe, preference and confirmation links, read from Secrets
 * Manager once per container and kept in memory. Locally the client reaches the stand-in through
 * AWS_ENDPOINT_URL like every other client.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { requireEnv } from '#platform/env.ts';
import { PREFERENCES_ENV } from '#platform/preferences-env.ts';

const retry = { maxAttempts: Number(process.env.AWS_MAX_ATTEMPTS ?? 5), retryMode: 'standard' } as const;

export const secretsManager = new SecretsManagerClient(retry);

/** Keys shorter than this are a configuration mistake (the deployed secret has 64 characters). */
const MIN_KEY_LENGTH = 32;

let cached: { secretId: string; key: Promise<string> } | undefined;

async function readKey(secretId: string): Promise<string> {
  const { SecretString } = await secretsManager.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (SecretString === undefined || SecretString.length < MIN_KEY_LENGTH) {
    throw new Error(`the link signing secret has no string value of at least ${MIN_KEY_LENGTH} characters`);
  }
  return SecretString;
}

/**
 * The link signing key. The first call reads the secret (from `LINK_SIGNING_SECRET_ARN` unless
 * `secretId` is given); later calls reuse it. A failed read is not kept, so the next call retries.
 */
export function linkSigningKey(
  secretId: string = requireEnv(PREFERENCES_ENV.linkSigningSecretArn),
): Promise<string> {
  if (cached?.secretId === secretId) return cached.key;
  const key = readKey(secretId);
  const entry = { secretId, key };
  cached = entry;
  key.catch(() => {
    if (cached === entry) cached = undefined;
  });
  return key;
}

/** Forgets the cached key (tests, or after a rotation). */
export function forgetLinkSigningKey(): void {
  cached = undefined;
}
