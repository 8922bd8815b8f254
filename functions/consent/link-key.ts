/**
 * The HMAC key that signs unsubscribe, preference and confirmation links (and the rep's lead
 * links), read from Secrets Manager through the container's secret cache.
 */
import { requireEnv } from '#platform/env.ts';
import { PREFERENCES_ENV } from '#platform/preferences-env.ts';
import { secrets } from '#platform/secrets.ts';

/** Keys shorter than this are a configuration mistake (the deployed secret has 64 characters). */
const MIN_KEY_LENGTH = 32;

/**
 * The link signing key, from `LINK_SIGNING_SECRET_ARN` unless `secretId` is given. The first call
 * reads the secret; later calls reuse it (see `SecretCache`). A failed read is not kept, so the next
 * call retries.
 */
export async function linkSigningKey(
  secretId: string = requireEnv(PREFERENCES_ENV.linkSigningSecretArn),
): Promise<string> {
  const key = await secrets.value(secretId);
  if (key.length < MIN_KEY_LENGTH) {
    throw new Error(`the link signing secret has no string value of at least ${MIN_KEY_LENGTH} characters`);
  }
  return key;
}

/** Forgets the cached key (tests, or after a rotation); every cached secret when no id is known. */
export function forgetLinkSigningKey(
  secretId: string | undefined = process.env[PREFERENCES_ENV.linkSigningSecretArn],
): void {
  secrets.forget(secretId || undefined);
}
