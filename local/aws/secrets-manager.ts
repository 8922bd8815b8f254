/**
 * AWS Secrets Manager stand-in for the local runtime, speaking AWS JSON 1.1
 * (`X-Amz-Target: secretsmanager.<Action>`, `application/x-amz-json-1.1`), in memory. Only what the
 * functions need: GetSecretValue, DescribeSecret and ListSecrets, written from the Secrets Manager
 * API Reference (a secret is found by full ARN, partial ARN without the 6-character suffix, or
 * name; one version, staged AWSCURRENT). The runtime creates the template's secrets with
 * `ensureSecret`, which generates a value the way CloudFormation's GenerateSecretString would.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  type AwsRequest,
  type AwsResponse,
  type AwsServiceHandler,
  header,
  jsonResponse,
  newRequestId,
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
const MAX_PAGE = 100;
const FILTER_KEYS = [
  'description',
  'name',
  'tag-key',
  'tag-value',
  'primary-region',
  'owning-service',
  'all',
];

const secretSchema = z.object({
  arn: z.string(),
  name: z.string(),
  description: z.string().optional(),
  value: z.string(),
  versionId: z.string(),
  createdAt: z.number(),
  changedAt: z.number(),
  accessedAt: z.number().optional(),
});

type StoredSecret = z.infer<typeof secretSchema>;

const snapshotSchema = z.object({ secrets: z.array(secretSchema) });

/** The persisted state of the Secrets Manager stand-in (values included: it is local test data). */
export type SecretsManagerSnapshot = z.infer<typeof snapshotSchema>;

/** Constructor options; `now` stamps creation and access dates. */
export interface SecretsManagerOptions {
  region?: string;
  accountId?: string;
  now?: () => number;
}

/** The error an action raises: HTTP status and the modelled exception name. */
class SecretsManagerError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const invalidParameter = (message: string) =>
  new SecretsManagerError(400, 'InvalidParameterException', message);
const notFound = (message = "Secrets Manager can't find the specified secret.") =>
  new SecretsManagerError(400, 'ResourceNotFoundException', message);

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
      createdAt: now,
      changedAt: now,
    });
    return arn;
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
        throw new SecretsManagerError(400, 'UnknownOperationException', 'Missing or unknown X-Amz-Target.');
      }
      const input = parseJsonObject(req.body);
      if (input === undefined) {
        throw new SecretsManagerError(400, 'SerializationException', 'Request body is not a JSON object.');
      }
      return jsonResponse(200, CONTENT_TYPE, this.dispatch(target.slice(TARGET_PREFIX.length), input));
    } catch (err) {
      return errorResponse(err);
    }
  }

  private dispatch(action: string, input: Input): Output {
    switch (action) {
      case 'GetSecretValue':
        return this.getSecretValue(input);
      case 'DescribeSecret':
        return this.describeSecret(input);
      case 'ListSecrets':
        return this.listSecrets(input);
      default:
        throw new SecretsManagerError(400, 'UnknownOperationException', `Unknown operation ${action}.`);
    }
  }

  private resolve(input: Input): StoredSecret {
    const secretId = optionalString(input, 'SecretId');
    if (secretId === undefined || secretId === '') throw invalidParameter('SecretId is required.');
    const secret = this.find(secretId);
    if (secret === undefined) throw notFound();
    return secret;
  }

  private getSecretValue(input: Input): Output {
    const secret = this.resolve(input);
    const versionId = optionalString(input, 'VersionId');
    const stage = optionalString(input, 'VersionStage');
    if (versionId !== undefined && versionId !== secret.versionId) {
      throw notFound(`Secrets Manager can't find the specified secret value for VersionId: ${versionId}`);
    }
    if (stage !== undefined && stage !== CURRENT_STAGE) {
      throw notFound(`Secrets Manager can't find the specified secret value for staging label: ${stage}`);
    }
    // Secrets Manager keeps the access date to the day.
    secret.accessedAt = Math.floor(this.now() / 86_400_000) * 86_400_000;
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: secret.versionId,
      SecretString: secret.value,
      VersionStages: [CURRENT_STAGE],
      CreatedDate: secret.changedAt / 1000,
    };
  }

  private describeSecret(input: Input): Output {
    const secret = this.resolve(input);
    return {
      ...listEntry(secret),
      VersionIdsToStages: { [secret.versionId]: [CURRENT_STAGE] },
    };
  }

  private listSecrets(input: Input): Output {
    const max = input.MaxResults;
    if (
      max !== undefined &&
      (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > MAX_PAGE)
    ) {
      throw invalidParameter(`MaxResults must be an integer from 1 to ${MAX_PAGE}.`);
    }
    const filters = parseFilters(input.Filters);
    const descending = input.SortOrder === 'desc';
    const secrets = [...this.store.values()]
      .filter((secret) => filters.every((filter) => matchesFilter(secret, filter)))
      .sort((a, b) => (descending ? b.createdAt - a.createdAt : a.createdAt - b.createdAt));
    const start = decodeOffset(optionalString(input, 'NextToken'));
    const end = start + (typeof max === 'number' ? max : MAX_PAGE);
    const output: Output = { SecretList: secrets.slice(start, end).map(listEntry) };
    if (end < secrets.length) output.NextToken = Buffer.from(String(end)).toString('base64');
    return output;
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

function listEntry(secret: StoredSecret): Output {
  return {
    ARN: secret.arn,
    Name: secret.name,
    ...(secret.description === undefined ? {} : { Description: secret.description }),
    CreatedDate: secret.createdAt / 1000,
    LastChangedDate: secret.changedAt / 1000,
    ...(secret.accessedAt === undefined ? {} : { LastAccessedDate: secret.accessedAt / 1000 }),
    SecretVersionsToStages: { [secret.versionId]: [CURRENT_STAGE] },
  };
}

interface Filter {
  key: string;
  values: string[];
}

function parseFilters(value: unknown): Filter[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidParameter('Filters must be a list.');
  return value.map((entry: unknown) => {
    const parsed = z.object({ Key: z.string(), Values: z.array(z.string()).min(1).max(10) }).safeParse(entry);
    if (!parsed.success || !FILTER_KEYS.includes(parsed.data.Key)) {
      throw invalidParameter(`Invalid filter: keys are ${FILTER_KEYS.join(', ')}, with 1 to 10 values.`);
    }
    return { key: parsed.data.Key, values: parsed.data.Values };
  });
}

/** The attribute values a filter key searches, and whether it ignores case. */
function searched(secret: StoredSecret, key: string): { values: string[]; ignoreCase: boolean } {
  switch (key) {
    case 'name':
      return { values: [secret.name], ignoreCase: false };
    case 'description':
      return { values: secret.description === undefined ? [] : [secret.description], ignoreCase: true };
    case 'all':
      return {
        values: [secret.name, secret.description ?? ''].flatMap((text) => text.split(/[\s/_+=.@-]+/)),
        ignoreCase: true,
      };
    default:
      return { values: [], ignoreCase: false }; // No tags, regions or owning services here.
  }
}

/** Prefix match on any value of the filter (`!value` negates); values of one filter are OR-ed. */
function matchesFilter(secret: StoredSecret, filter: Filter): boolean {
  const { values, ignoreCase } = searched(secret, filter.key);
  const fold = (text: string) => (ignoreCase ? text.toLowerCase() : text);
  return filter.values.some((raw) => {
    const negated = raw.startsWith('!');
    const prefix = fold(negated ? raw.slice(1) : raw);
    const hit = values.some((value) => fold(value).startsWith(prefix));
    return negated ? !hit : hit;
  });
}

function decodeOffset(token: string | undefined): number {
  if (token === undefined) return 0;
  const offset = Number(Buffer.from(token, 'base64').toString('utf8'));
  if (!Number.isInteger(offset) || offset < 0) {
    throw new SecretsManagerError(400, 'InvalidNextTokenException', 'The NextToken value is invalid.');
  }
  return offset;
}

function optionalString(input: Input, key: string): string | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidParameter(`${key} must be a string.`);
  return value;
}

function errorResponse(err: unknown): AwsResponse {
  const error =
    err instanceof SecretsManagerError
      ? err
      : new SecretsManagerError(
          500,
          'InternalServiceError',
          err instanceof Error ? err.message : String(err),
        );
  return {
    status: error.status,
    headers: {
      'content-type': CONTENT_TYPE,
      'x-amzn-requestid': newRequestId(),
      'x-amzn-errortype': error.type,
    },
    body: JSON.stringify({ __type: error.type, Message: error.message }),
  };
}
