/**
 * AWS Secrets Manager stand-in for the local runtime. It speaks AWS JSON 1.1
 * (`X-Amz-Target: secretsmanager.<Action>`, `application/x-amz-json-1.1`) and keeps everything in
 * memory. It serves GetSecretValue, the one call the functions make, written from the Secrets
 * Manager API Reference: a secret is found by full ARN, by partial ARN (without the 6-character
 * suffix) or by name, and has one version, staged AWSCURRENT. The runtime creates the template's
 * secrets with `ensureSecret`, which generates a value the way CloudFormation's
 * GenerateSecretString would.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  AwsJsonError,
  type AwsRequest,
  type AwsResponse,
  type AwsServiceHandler,
  awsJsonErrorResponse,
  header,
  jsonResponse,
  optionalStringMember,
  parseJsonObject,
} from './protocol.ts';

const CONTENT_TYPE = 'application/x-amz-json-1.1';
const TARGET_PREFIX = 'secretsmanager.';
const CURRENT_STAGE = 'AWSCURRENT';
const GENERATED_LENGTH = 64;
/** GenerateSecretString with ExcludePunctuation: letters and digits. */
const GENERATED_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** The 6-character suffix Secrets Manager appends to a secret's name in its ARN. */
const ARN_SUFFIX = /-[A-Za-z0-9]{6}$/;

const secretSchema = z.object({
  arn: z.string(),
  name: z.string(),
  value: z.string(),
  versionId: z.string(),
  /** When the current version was made (GetSecretValue's CreatedDate). */
  changedAt: z.number(),
});

type StoredSecret = z.infer<typeof secretSchema>;

const snapshotSchema = z.object({ secrets: z.array(secretSchema) });

/** The persisted state of the Secrets Manager stand-in (values included: it is local test data). */
export type SecretsManagerSnapshot = z.infer<typeof snapshotSchema>;

/** Constructor options; `now` stamps the versions. */
export interface SecretsManagerOptions {
  region?: string;
  accountId?: string;
  now?: () => number;
}

const invalidParameter = (message: string) => new AwsJsonError(400, 'InvalidParameterException', message);
const notFound = (message = "Secrets Manager can't find the specified secret.") =>
  new AwsJsonError(400, 'ResourceNotFoundException', message);

type Input = Record<string, unknown>;
type Output = Record<string, unknown>;

function randomString(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** In-memory Secrets Manager: serve `handler`; create secrets with `ensureSecret`. */
export class SecretsManagerService {
  readonly region: string;
  readonly accountId: string;
  /** The JSON 1.1 endpoint; never throws. */
  readonly handler: AwsServiceHandler = (req) => Promise.resolve(this.handle(req));

  private readonly now: () => number;
  private store = new Map<string, StoredSecret>();

  constructor(options: SecretsManagerOptions = {}) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
    this.now = options.now ?? Date.now;
  }

  /**
   * Creates a secret unless one with this ARN or name exists; returns its ARN. Without `value`, a
   * new secret gets 64 random letters and digits. With `value`, an existing secret gets it as its
   * new current version. An ARN is kept as given (the template's); a name gets an ARN with a
   * random suffix, as AWS does.
   */
  ensureSecret(arnOrName: string, value?: string): string {
    const existing = this.find(arnOrName);
    const now = this.now();
    if (existing !== undefined) {
      if (value !== undefined && value !== existing.value) {
        Object.assign(existing, { value, versionId: randomUUID(), changedAt: now });
      }
      return existing.arn;
    }
    const isArn = arnOrName.startsWith('arn:');
    const name = isArn ? nameFromArn(arnOrName) : arnOrName;
    if (name === '') throw new Error(`Not a secret ARN or name: ${arnOrName}`);
    const arn = isArn ? arnOrName : this.secretArn(`${name}-${randomString(SUFFIX_ALPHABET, 6)}`);
    this.store.set(arn, {
      arn,
      name,
      value: value ?? randomString(GENERATED_ALPHABET, GENERATED_LENGTH),
      versionId: randomUUID(),
      changedAt: now,
    });
    return arn;
  }

  /** The full ARN of a secret, by ARN, partial ARN or name (what IAM authorizes on); undefined when there is none. */
  arnOf(arnOrName: string): string | undefined {
    return this.find(arnOrName)?.arn;
  }

  /** The current value of a secret, by ARN or name; undefined when there is none. */
  valueOf(arnOrName: string): string | undefined {
    return this.find(arnOrName)?.value;
  }

  /** JSON-serializable state for persistence. */
  snapshot(): SecretsManagerSnapshot {
    return structuredClone({ secrets: [...this.store.values()] });
  }

  /** Replace the state with a snapshot; throws on data that is not one. */
  restore(data: unknown): void {
    const parsed = snapshotSchema.safeParse(data);
    if (!parsed.success) throw new Error(`Invalid Secrets Manager snapshot: ${parsed.error.message}`);
    this.store = new Map(parsed.data.secrets.map((s) => [s.arn, s]));
  }

  private secretArn(resourceName: string): string {
    return `arn:aws:secretsmanager:${this.region}:${this.accountId}:secret:${resourceName}`;
  }

  /** A secret by full ARN, partial ARN (no suffix) or name. */
  private find(secretId: string): StoredSecret | undefined {
    const exact = this.store.get(secretId);
    if (exact !== undefined) return exact;
    for (const secret of this.store.values()) {
      if (secretId.startsWith('arn:')) {
        const rest = secret.arn.startsWith(secretId) ? secret.arn.slice(secretId.length) : '';
        if (/^-[A-Za-z0-9]{6}$/.test(rest)) return secret;
      } else if (secret.name === secretId) {
        return secret;
      }
    }
    return undefined;
  }

  private handle(req: AwsRequest): AwsResponse {
    try {
      const target = header(req, 'x-amz-target') ?? '';
      if (!target.startsWith(TARGET_PREFIX)) {
        throw new AwsJsonError(400, 'UnknownOperationException', 'Missing or unknown X-Amz-Target.');
      }
      const input = parseJsonObject(req.body);
      if (input === undefined) {
        throw new AwsJsonError(400, 'SerializationException', 'Request body is not a JSON object.');
      }
      const action = target.slice(TARGET_PREFIX.length);
      if (action !== 'GetSecretValue') {
        throw new AwsJsonError(
          400,
          'UnknownOperationException',
          `The local Secrets Manager stand-in serves GetSecretValue only, not ${action}.`,
        );
      }
      return jsonResponse(200, CONTENT_TYPE, this.getSecretValue(input));
    } catch (err) {
      return awsJsonErrorResponse(err, CONTENT_TYPE, 'InternalServiceError');
    }
  }

  private getSecretValue(input: Input): Output {
    const secretId = optionalString(input, 'SecretId');
    if (secretId === undefined || secretId === '') throw invalidParameter('SecretId is required.');
    const secret = this.find(secretId);
    if (secret === undefined) throw notFound();
    const versionId = optionalString(input, 'VersionId');
    const stage = optionalString(input, 'VersionStage');
    if (versionId !== undefined && versionId !== secret.versionId) {
      throw notFound(`Secrets Manager can't find the specified secret value for VersionId: ${versionId}`);
    }
    if (stage !== undefined && stage !== CURRENT_STAGE) {
      throw notFound(`Secrets Manager can't find the specified secret value for staging label: ${stage}`);
    }
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: secret.versionId,
      SecretString: secret.value,
      VersionStages: [CURRENT_STAGE],
      CreatedDate: secret.changedAt / 1000,
    };
  }
}

// ----- wire helpers -----------------------------------------------------------------------------

/** The name in a secret ARN, without the 6-character suffix when it has one. */
function nameFromArn(arn: string): string {
  const marker = ':secret:';
  const at = arn.indexOf(marker);
  if (at < 0) return '';
  return arn.slice(at + marker.length).replace(ARN_SUFFIX, '');
}

function optionalString(input: Input, key: string): string | undefined {
  return optionalStringMember(input, key, invalidParameter);
}
