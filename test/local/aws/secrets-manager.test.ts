import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ServedAws, serveAws } from '../../../local/aws/http-adapter.ts';
import { SecretsManagerService } from '../../../local/aws/secrets-manager.ts';
import { rejection } from './rejection.ts';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const T0 = Date.parse('2025-03-01T12:00:00.000Z');
const TEMPLATE_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:LinkSigningKey1234-AbCdEf';

let clock = T0;
let service: SecretsManagerService;
let server: ServedAws;
let client: SecretsManagerClient;

beforeAll(async () => {
  server = await serveAws((req) => service.handler(req), { host: '127.0.0.1', port: 0 });
  client = new SecretsManagerClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client.destroy();
  await server.close();
});

beforeEach(() => {
  clock = T0;
  service = new SecretsManagerService({ now: () => clock });
});

describe('Secrets Manager GetSecretValue', () => {
  it('generates a 64-character alphanumeric value for a template secret and serves it by ARN', async () => {
    // Prepare
    const arn = service.ensureSecret(TEMPLATE_ARN);

    // Act
    const out = await client.send(new GetSecretValueCommand({ SecretId: TEMPLATE_ARN }));

    // Assess
    expect(arn).toBe(TEMPLATE_ARN);
    expect(out.ARN).toBe(TEMPLATE_ARN);
    expect(out.Name).toBe('LinkSigningKey1234');
    expect(out.SecretString).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(out.VersionStages).toEqual(['AWSCURRENT']);
    expect(out.VersionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.CreatedDate).toEqual(new Date(T0));
  });

  it('finds a secret by name and by partial ARN (without the suffix)', async () => {
    // Prepare
    service.ensureSecret(TEMPLATE_ARN, 'the-value');

    // Act
    const byName = await client.send(new GetSecretValueCommand({ SecretId: 'LinkSigningKey1234' }));
    const byPartial = await client.send(
      new GetSecretValueCommand({ SecretId: TEMPLATE_ARN.replace(/-AbCdEf$/, '') }),
    );

    // Assess
    expect(byName.SecretString).toBe('the-value');
    expect(byPartial.SecretString).toBe('the-value');
  });

  it('gives a name an ARN with a random 6-character suffix', async () => {
    // Act
    const arn = service.ensureSecret('relance/link-key', 'v');

    // Assess
    expect(arn).toMatch(
      /^arn:aws:secretsmanager:us-east-1:000000000000:secret:relance\/link-key-[A-Za-z]{6}$/,
    );
    const out = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    expect(out.Name).toBe('relance/link-key');
  });

  it('keeps an existing value unless a new one is given', async () => {
    // Prepare
    service.ensureSecret(TEMPLATE_ARN);
    const first = await client.send(new GetSecretValueCommand({ SecretId: TEMPLATE_ARN }));

    // Act
    service.ensureSecret(TEMPLATE_ARN);
    const same = await client.send(new GetSecretValueCommand({ SecretId: TEMPLATE_ARN }));
    service.ensureSecret(TEMPLATE_ARN, 'replaced');
    const replaced = await client.send(new GetSecretValueCommand({ SecretId: TEMPLATE_ARN }));

    // Assess
    expect(same.SecretString).toBe(first.SecretString);
    expect(same.VersionId).toBe(first.VersionId);
    expect(replaced.SecretString).toBe('replaced');
    expect(replaced.VersionId).not.toBe(first.VersionId);
  });

  it('answers ResourceNotFoundException for an unknown secret', async () => {
    // Act
    const error = await rejection(client.send(new GetSecretValueCommand({ SecretId: 'nope' })));

    // Assess
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe("Secrets Manager can't find the specified secret.");
  });

  it('does not take a longer name for a partial ARN', async () => {
    // Prepare
    service.ensureSecret('arn:aws:secretsmanager:us-east-1:000000000000:secret:key-extra-AbCdEf', 'v');

    // Act
    const error = await rejection(
      client.send(
        new GetSecretValueCommand({ SecretId: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:key' }),
      ),
    );

    // Assess
    expect(error).toBeInstanceOf(ResourceNotFoundException);
  });

  it('serves the AWSCURRENT stage and the current version id only', async () => {
    // Prepare
    service.ensureSecret(TEMPLATE_ARN, 'v');
    const { VersionId } = await client.send(new GetSecretValueCommand({ SecretId: TEMPLATE_ARN }));

    // Act
    const current = await client.send(
      new GetSecretValueCommand({ SecretId: TEMPLATE_ARN, VersionStage: 'AWSCURRENT', VersionId }),
    );
    const previous = await rejection(
      client.send(new GetSecretValueCommand({ SecretId: TEMPLATE_ARN, VersionStage: 'AWSPREVIOUS' })),
    );

    // Assess
    expect(current.SecretString).toBe('v');
    expect(previous).toBeInstanceOf(ResourceNotFoundException);
    expect(previous.message).toMatch(/staging label: AWSPREVIOUS/);
  });

  it('answers InvalidParameterException without a SecretId', async () => {
    // Act
    const error = await rejection(client.send(new GetSecretValueCommand({ SecretId: '' })));

    // Assess
    expect(error).toBeInstanceOf(InvalidParameterException);
  });
});

describe('Secrets Manager state', () => {
  it('survives a snapshot and restore with the same values', async () => {
    // Prepare
    service.ensureSecret(TEMPLATE_ARN);
    const before = await client.send(new GetSecretValueCommand({ SecretId: TEMPLATE_ARN }));
    const snapshot = JSON.parse(JSON.stringify(service.snapshot()));

    // Act
    service = new SecretsManagerService({ now: () => clock });
    service.restore(snapshot);
    service.ensureSecret(TEMPLATE_ARN);
    const after = await client.send(new GetSecretValueCommand({ SecretId: TEMPLATE_ARN }));

    // Assess
    expect(after.SecretString).toBe(before.SecretString);
    expect(after.VersionId).toBe(before.VersionId);
  });

  it('reads the state an earlier version saved, with dates it no longer keeps', async () => {
    // Prepare
    const saved = {
      secrets: [
        {
          arn: TEMPLATE_ARN,
          name: 'LinkSigningKey1234',
          description: 'link key',
          value: 'kept',
          versionId: '0b7e6f7c-3d55-4d0e-9a0e-1f1f2a3b4c5d',
          createdAt: T0 - 1000,
          changedAt: T0,
          accessedAt: T0,
        },
      ],
    };

    // Act
    service.restore(saved);
    const out = await client.send(new GetSecretValueCommand({ SecretId: TEMPLATE_ARN }));

    // Assess
    expect(out).toMatchObject({
      SecretString: 'kept',
      VersionId: '0b7e6f7c-3d55-4d0e-9a0e-1f1f2a3b4c5d',
      CreatedDate: new Date(T0),
    });
  });

  it('refuses a snapshot that is not one', () => {
    expect(() => service.restore({ secrets: [{ arn: 1 }] })).toThrow(/Invalid Secrets Manager snapshot/);
  });

  it('answers UnknownOperationException for an action it does not serve', async () => {
    // Act
    const response = await service.handler({
      method: 'POST',
      path: '/',
      query: new URLSearchParams(),
      headers: {
        'x-amz-target': 'secretsmanager.DeleteSecret',
        'content-type': 'application/x-amz-json-1.1',
      },
      body: '{}',
    });

    // Assess
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ __type: 'UnknownOperationException' });
  });

  it('answers UnknownOperationException through the SDK for a read it does not serve', async () => {
    // Prepare
    service.ensureSecret(TEMPLATE_ARN);

    // Act
    const error = await rejection(client.send(new DescribeSecretCommand({ SecretId: TEMPLATE_ARN })));

    // Assess
    expect(error.name).toBe('UnknownOperationException');
    expect(error.message).toBe(
      'The local Secrets Manager stand-in serves GetSecretValue only, not DescribeSecret.',
    );
  });
});
