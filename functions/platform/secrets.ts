/**
 * Secrets Manager values, cached in the container: the first read of a secret is shared by every
 * caller until the TTL passes, then the next caller reads it again (a rotated value is picked up
 * within the TTL). A failed read is not kept, so the next call retries. Values are never logged.
 * Locally the client reaches the stand-in through AWS_ENDPOINT_URL like every other client.
 *
 * `@middy/secrets-manager` does not fit: it reads in a middleware before every handler (a 404 or a
 * refused origin would wait on, and fail with, Secrets Manager), and the link-signing key is also
 * read outside HTTP handlers (journeys, the lead router).
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { retry } from './clients/retry.ts';
import { traced } from './tracer.ts';

/** How long a value is used before it is read again. */
export const DEFAULT_SECRET_TTL_MS = 15 * 60_000;

export interface SecretCacheOptions {
  /** @default DEFAULT_SECRET_TTL_MS */
  readonly ttlMs?: number;
  /** Epoch milliseconds (the wall clock by default: the TTL is about operations, not journey time). */
  readonly now?: () => number;
}

interface Entry {
  readonly value: Promise<string>;
  readonly expiresAt: number;
}

export class SecretCache {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly client: SecretsManagerClient,
    options: SecretCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_SECRET_TTL_MS;
    this.now = options.now ?? (() => Date.now());
  }

  /** The secret's string value (empty when it has none), read at most once per TTL. */
  value(secretId: string): Promise<string> {
    const cached = this.entries.get(secretId);
    if (cached && cached.expiresAt > this.now()) return cached.value;
    const value = this.read(secretId);
    const entry: Entry = { value, expiresAt: this.now() + this.ttlMs };
    this.entries.set(secretId, entry);
    value.catch(() => {
      if (this.entries.get(secretId) === entry) this.entries.delete(secretId);
    });
    return value;
  }

  /** Forgets one secret, or all of them (tests, or after a rotation). */
  forget(secretId?: string): void {
    if (secretId === undefined) this.entries.clear();
    else this.entries.delete(secretId);
  }

  private async read(secretId: string): Promise<string> {
    const answer = await this.client.send(new GetSecretValueCommand({ SecretId: secretId }));
    return answer.SecretString ?? '';
  }
}

/** The container's cache, shared by every secret the functions read. */
export const secrets = new SecretCache(traced(new SecretsManagerClient(retry())));

/** A secret's string value from the container's cache. */
export function secretString(secretId: string): Promise<string> {
  return secrets.value(secretId);
}
