// The secret cache: one read per secret per TTL, shared by concurrent callers; a failed read is
// not kept.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { secretsManager } from '#platform/clients/secrets-manager.ts';
import { SecretCache } from '#platform/secrets.ts';

const secretsMock = mockClient(SecretsManagerClient);
const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:captcha-AbCdEf';
const OTHER = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:link-key-AbCdEf';

afterEach(() => {
  secretsMock.reset();
});

function cache(ttlMs = 60_000) {
  const clock = { ms: 1_000_000 };
  const secrets = new SecretCache(secretsManager, { ttlMs, now: () => clock.ms });
  return { secrets, clock };
}

const reads = (secretId?: string) =>
  secretsMock
    .commandCalls(GetSecretValueCommand)
    .filter((call) => secretId === undefined || call.args[0].input.SecretId === secretId).length;

describe('SecretCache', () => {
  it('reads a secret once per TTL, then again once it has passed', async () => {
    // Prepare
    secretsMock
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: 'first' })
      .resolves({ SecretString: 'second' });
    const { secrets, clock } = cache(60_000);

    // Act
    const first = await secrets.value(ARN);
    clock.ms += 59_999;
    const cached = await secrets.value(ARN);
    clock.ms += 1;
    const reread = await secrets.value(ARN);

    // Assess
    expect([first, cached, reread]).toEqual(['first', 'first', 'second']);
    expect(reads(ARN)).toBe(2);
  });

  it('shares one read between concurrent callers, and keeps each secret apart', async () => {
    // Prepare
    secretsMock.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: 'captcha' });
    secretsMock.on(GetSecretValueCommand, { SecretId: OTHER }).resolves({ SecretString: 'key' });
    const { secrets } = cache();

    // Act
    const values = await Promise.all([secrets.value(ARN), secrets.value(ARN), secrets.value(OTHER)]);

    // Assess
    expect(values).toEqual(['captcha', 'captcha', 'key']);
    expect([reads(ARN), reads(OTHER)]).toEqual([1, 1]);
  });

  it('does not keep a failed read: the next call reads again', async () => {
    // Prepare
    const denied = new Error('not authorized');
    denied.name = 'AccessDeniedException';
    secretsMock.on(GetSecretValueCommand).rejectsOnce(denied).resolves({ SecretString: 'value' });
    const { secrets } = cache();

    // Act
    const failed = await secrets.value(ARN).catch((error: Error) => error.name);
    const retried = await secrets.value(ARN);

    // Assess
    expect([failed, retried]).toEqual(['AccessDeniedException', 'value']);
    expect(reads(ARN)).toBe(2);
  });

  it('answers an empty string for a secret without a string value, and forgets on request', async () => {
    // Prepare
    secretsMock.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1]) });
    const { secrets } = cache();

    // Act
    const value = await secrets.value(ARN);
    secrets.forget(ARN);
    await secrets.value(ARN);

    // Assess
    expect(value).toBe('');
    expect(reads(ARN)).toBe(2);
  });
});
