/**
 * IAM, locally: the policy evaluation logic AWS documents for one account, applied to the roles
 * and resource policies of the template. An explicit Deny wins, then any Allow, else the request
 * is implicitly denied. `Action` / `NotAction` match with `*` and `?` regardless of case;
 * `Resource` / `NotResource` match ARNs with wildcards, case-sensitively, a `*` that ends an ARN
 * segment running past the colons. Conditions support the string, ARN, Bool, Null and numeric
 * operators, `...IfExists` and the `ForAnyValue:` / `ForAllValues:` qualifiers; any other
 * operator never matches (so an Allow that needs it does not apply, a Deny that needs it neither),
 * and is listed by `unsupportedOperators` so the runtime can say so.
 *
 * `LocalIam` holds the principals: each function's role gets its own local access key, so the
 * edge knows who signed a request; state machines, rules and schedules are checked by role ARN.
 */
import { createHash } from 'node:crypto';

export type PolicyValue = string | string[];

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: PolicyValue;
  readonly NotAction?: PolicyValue;
  readonly Resource?: PolicyValue;
  readonly NotResource?: PolicyValue;
  readonly Principal?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: PolicyStatement | readonly PolicyStatement[];
}

/** Request context keys (`aws:SourceArn`...) with their values; keys compare case-insensitively. */
export type RequestContext = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface AuthorizationRequest {
  readonly action: string;
  readonly resource: string;
  readonly context?: RequestContext;
}

export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

const list = (value: unknown): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)];

const statementsOf = (document: PolicyDocument): readonly PolicyStatement[] =>
  Array.isArray(document.Statement)
    ? (document.Statement as readonly PolicyStatement[])
    : [document.Statement as PolicyStatement];

const escapeRegExp = (text: string) => text.replace(/[.+^${}()|[\]\\/]/g, '\\$&');

const wildcardPatterns = new Map<string, RegExp>();

/** `*` any run of characters, `?` one character, across the whole string. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  if (!pattern.includes('*') && !pattern.includes('?'))
    return ignoreCase ? pattern.toLowerCase() === value.toLowerCase() : pattern === value;
  const key = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let regex = wildcardPatterns.get(key);
  if (!regex) {
    const source = pattern
      .split('')
      .map((c) => (c === '*' ? '[\\s\\S]*' : c === '?' ? '[\\s\\S]' : escapeRegExp(c)))
      .join('');
    regex = new RegExp(`^${source}$`, ignoreCase ? 'i' : '');
    wildcardPatterns.set(key, regex);
  }
  return regex.test(value);
}

/** An action pattern (`dynamodb:Get*`, `*`) against an action (`dynamodb:GetItem`): case-insensitive. */
export function actionMatches(pattern: string, action: string): boolean {
  return wildcardMatch(pattern, action, true);
}

const resourcePatterns = new Map<string, RegExp>();

/**
 * A `Resource` ARN pattern against a resource ARN, case-sensitively. Wildcards stay within an ARN
 * segment (the parts between colons), except a `*` that ends a segment, which may expand beyond
 * the colon boundaries (IAM User Guide, "IAM JSON policy elements: Resource").
 */
export function resourceMatches(pattern: string, resource: string): boolean {
  if (pattern === '*') return true;
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === resource;
  let regex = resourcePatterns.get(pattern);
  if (!regex) {
    const segments = pattern.split(':').map((segment) =>
      segment
        .split('')
        .map((c, i) =>
          c === '*' ? (i === segment.length - 1 ? '.*' : '[^:]*') : c === '?' ? '[^:]' : escapeRegExp(c),
        )
        .join(''),
    );
    regex = new RegExp(`^${segments.join(':')}$`);
    resourcePatterns.set(pattern, regex);
  }
  return regex.test(resource);
}

/** The six ARN components: the resource part keeps its own colons. */
function arnParts(arn: string): string[] | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

/** ArnLike: each of the six components compared separately, with wildcards inside each. */
export function arnLike(pattern: string, arn: string): boolean {
  if (pattern === '*') return true;
  const want = arnParts(pattern);
  const have = arnParts(arn);
  if (!want || !have) return false;
  return want.every((part, i) => wildcardMatch(part, have[i] ?? ''));
}

// ----- conditions -------------------------------------------------------------------------------

type ValueTest = (policyValue: string, requestValue: string) => boolean;

/** Positive operators and the test of one policy value against one request value. */
const OPERATORS: Record<string, ValueTest> = {
  stringequals: (p, r) => p === r,
  stringequalsignorecase: (p, r) => p.toLowerCase() === r.toLowerCase(),
  stringlike: (p, r) => wildcardMatch(p, r),
  arnequals: (p, r) => arnLike(p, r),
  arnlike: (p, r) => arnLike(p, r),
  bool: (p, r) => p.toLowerCase() === r.toLowerCase(),
  numericequals: (p, r) => Number(r) === Number(p),
  numericlessthan: (p, r) => Number(r) < Number(p),
  numericlessthanequals: (p, r) => Number(r) <= Number(p),
  numericgreaterthan: (p, r) => Number(r) > Number(p),
  numericgreaterthanequals: (p, r) => Number(r) >= Number(p),
};

/** Negated operators: true when no policy value matches (and when the key is absent). */
const NEGATED: Record<string, string> = {
  stringnotequals: 'stringequals',
  stringnotequalsignorecase: 'stringequalsignorecase',
  stringnotlike: 'stringlike',
  arnnotequals: 'arnequals',
  arnnotlike: 'arnlike',
  numericnotequals: 'numericequals',
};

/** Operators met while evaluating that this evaluator does not implement (they never match). */
export const unsupportedOperators = new Set<string>();

/** Whether this evaluator implements a condition operator (`ForAnyValue:StringLikeIfExists`...). */
export function isSupportedOperator(operatorName: string): boolean {
  const operator = operatorName
    .toLowerCase()
    .replace(/^for(any|all)values?:/, '')
    .replace(/ifexists$/, '');
  return operator === 'null' || operator in OPERATORS || operator in NEGATED;
}

/** The condition operators of a set of documents this evaluator does not implement. */
export function unsupportedOperatorsIn(documents: readonly PolicyDocument[]): string[] {
  const found = new Set<string>();
  for (const document of documents)
    for (const statement of statementsOf(document))
      for (const operator of Object.keys(statement.Condition ?? {}))
        if (!isSupportedOperator(operator)) found.add(operator);
  return [...found];
}

function contextValue(context: RequestContext, key: string): readonly string[] | undefined {
  const wanted = key.toLowerCase();
  for (const [name, value] of Object.entries(context)) {
    if (name.toLowerCase() !== wanted || value === undefined) continue;
    return typeof value === 'string' ? [value] : value;
  }
  return undefined;
}

function conditionMatches(
  operatorName: string,
  key: string,
  policyValues: string[],
  context: RequestContext,
) {
  let operator = operatorName.toLowerCase();
  let qualifier: 'any' | 'all' | undefined;
  if (operator.startsWith('foranyvalue:')) {
    qualifier = 'any';
    operator = operator.slice('foranyvalue:'.length);
  } else if (operator.startsWith('forallvalues:')) {
    qualifier = 'all';
    operator = operator.slice('forallvalues:'.length);
  }
  const ifExists = operator.endsWith('ifexists');
  if (ifExists) operator = operator.slice(0, -'ifexists'.length);
  const values = contextValue(context, key);

  if (operator === 'null') {
    const wantsAbsent = policyValues.some((v) => v.toLowerCase() === 'true');
    const absent = values === undefined || values.length === 0;
    return wantsAbsent === absent;
  }
  const negatedOf = NEGATED[operator];
  const test = OPERATORS[negatedOf ?? operator];
  if (!test) {
    unsupportedOperators.add(operatorName);
    return false;
  }
  if (values === undefined || values.length === 0) {
    if (qualifier === 'all') return true;
    if (ifExists) return true;
    return negatedOf !== undefined && qualifier === undefined;
  }
  const matchesOne = (requestValue: string) => policyValues.some((p) => test(p, requestValue));
  if (qualifier === 'all') return values.every((v) => (negatedOf ? !matchesOne(v) : matchesOne(v)));
  if (qualifier === 'any') return values.some((v) => (negatedOf ? !matchesOne(v) : matchesOne(v)));
  // A single-valued key: any policy value may match (OR); a negated operator matches none.
  const matched = values.some(matchesOne);
  return negatedOf ? !matched : matched;
}

/** Every operator, every key under it, must match (AND); the values of one key are ORed. */
export function conditionsMatch(
  condition: PolicyStatement['Condition'],
  context: RequestContext = {},
): boolean {
  if (!condition) return true;
  return Object.entries(condition).every(([operator, keys]) =>
    Object.entries(keys ?? {}).every(([key, value]) => conditionMatches(operator, key, list(value), context)),
  );
}

// ----- statements and documents -----------------------------------------------------------------

function statementApplies(
  statement: PolicyStatement,
  request: AuthorizationRequest,
  resourceImplied = false,
): boolean {
  if (statement.Action !== undefined) {
    if (!list(statement.Action).some((a) => actionMatches(a, request.action))) return false;
  } else if (statement.NotAction !== undefined) {
    if (list(statement.NotAction).some((a) => actionMatches(a, request.action))) return false;
  } else return false;
  if (statement.Resource !== undefined) {
    if (!list(statement.Resource).some((r) => resourceMatches(r, request.resource))) return false;
  } else if (statement.NotResource !== undefined) {
    if (list(statement.NotResource).some((r) => resourceMatches(r, request.resource))) return false;
  } else if (!resourceImplied) return false;
  return conditionsMatch(statement.Condition, request.context);
}

/** The decision of a set of identity-based policies for one request (one account, no boundaries). */
export function evaluatePolicies(
  documents: readonly PolicyDocument[],
  request: AuthorizationRequest,
): Decision {
  let allowed = false;
  for (const document of documents) {
    for (const statement of statementsOf(document)) {
      if (!statementApplies(statement, request)) continue;
      if (statement.Effect === 'Deny') return 'ExplicitDeny';
      if (statement.Effect === 'Allow') allowed = true;
    }
  }
  return allowed ? 'Allow' : 'ImplicitDeny';
}

/** Whether a policy's `Principal` names an AWS service (`lambda.amazonaws.com`), `*` included. */
export function principalIncludesService(principal: unknown, service: string): boolean {
  if (principal === '*') return true;
  if (typeof principal !== 'object' || principal === null) return false;
  const services = list((principal as { Service?: unknown }).Service);
  const aws = list((principal as { AWS?: unknown }).AWS);
  return services.includes(service) || aws.includes('*');
}

/**
 * A resource-based policy (a Lambda function's permissions) for a call made by an AWS service on
 * its own behalf: a statement must name the service as principal, allow the action on the resource
 * and meet its conditions (`aws:SourceArn`, `aws:SourceAccount`).
 */
export function evaluateResourcePolicy(
  statements: readonly PolicyStatement[],
  service: string,
  request: AuthorizationRequest,
): Decision {
  let allowed = false;
  for (const statement of statements) {
    if (!principalIncludesService(statement.Principal, service)) continue;
    // A resource-based policy (a trust policy too) may leave its own resource implied.
    if (!statementApplies(statement, request, true)) continue;
    if (statement.Effect === 'Deny') return 'ExplicitDeny';
    allowed = true;
  }
  return allowed ? 'Allow' : 'ImplicitDeny';
}

// ----- principals -------------------------------------------------------------------------------

/** A role of the template with the documents attached to it. */
export interface IamRole {
  readonly arn: string;
  readonly name: string;
  /** The trust policy (AssumeRolePolicyDocument). */
  readonly trust?: PolicyDocument;
  readonly policies: readonly PolicyDocument[];
}

/** The identity a local access key stands for: a role session. */
export interface IamPrincipal {
  readonly roleArn: string;
  readonly roleName: string;
  readonly sessionName: string;
  /** `arn:aws:sts::<account>:assumed-role/<role>/<session>`, as AWS names the caller. */
  readonly arn: string;
}

export interface Denial {
  readonly at: string;
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly reason: string;
}

export interface IamCheck {
  readonly action: string;
  readonly resource: string;
  readonly context?: RequestContext;
}

export interface LocalIamOptions {
  readonly account: string;
  readonly roles: readonly IamRole[];
  readonly now?: () => number;
  /** Told about every denial (the runtime logs it). */
  readonly onDenied?: (denial: Denial) => void;
}

const MAX_DENIALS_KEPT = 500;

/** The local IAM service: principals, their access keys, and the denials seen. */
export class LocalIam {
  private readonly roles = new Map<string, IamRole>();
  private readonly byAccessKey = new Map<string, IamPrincipal>();
  readonly denials: Denial[] = [];
  /** Denials since start (the list above keeps only the most recent). */
  deniedCount = 0;

  constructor(private readonly options: LocalIamOptions) {
    for (const role of options.roles) this.roles.set(role.arn, role);
  }

  role(arn: string): IamRole | undefined {
    return this.roles.get(arn);
  }

  /**
   * Credentials for a session of a role (a function's execution role): a local access key id in
   * the temporary-credential form (`ASIA` + 16 characters), the same for the same role and session.
   */
  credentialsFor(roleArn: string, sessionName: string): { accessKeyId: string; secretAccessKey: string } {
    const digest = createHash('sha256').update(`${roleArn}\n${sessionName}`).digest();
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
    const accessKeyId = `ASIA${[...digest.subarray(0, 16)].map((b) => alphabet[b % 32]).join('')}`;
    const roleName = roleArn.split('/').at(-1) ?? roleArn;
    this.byAccessKey.set(accessKeyId, {
      roleArn,
      roleName,
      sessionName,
      arn: `arn:aws:sts::${this.options.account}:assumed-role/${roleName}/${sessionName}`,
    });
    return { accessKeyId, secretAccessKey: digest.subarray(16).toString('hex') };
  }

  /** The principal behind a local access key; undefined for any other caller (a person, a tool). */
  principalFor(accessKeyId: string | undefined): IamPrincipal | undefined {
    return accessKeyId === undefined ? undefined : this.byAccessKey.get(accessKeyId);
  }

  /** The decision of a role's policies for one check; a role the template lacks is denied. */
  decide(roleArn: string, check: IamCheck): Decision {
    const role = this.roles.get(roleArn);
    if (!role) return 'ImplicitDeny';
    return evaluatePolicies(role.policies, {
      action: check.action,
      resource: check.resource,
      context: {
        'aws:PrincipalArn': roleArn,
        'aws:PrincipalAccount': this.options.account,
        ...check.context,
      },
    });
  }

  /**
   * Checks every call for a principal; returns the first denial (recorded and reported), or
   * undefined when all are allowed.
   */
  authorize(principal: IamPrincipal | string, checks: readonly IamCheck[]): Denial | undefined {
    const roleArn = typeof principal === 'string' ? principal : principal.roleArn;
    const callerArn = typeof principal === 'string' ? principal : principal.arn;
    for (const check of checks) {
      const decision = this.decide(roleArn, check);
      if (decision === 'Allow') continue;
      const reason = !this.roles.has(roleArn)
        ? `the role ${roleArn} is not in the template`
        : decision === 'ExplicitDeny'
          ? `with an explicit deny in an identity-based policy`
          : `because no identity-based policy allows the ${check.action} action`;
      return this.deny(callerArn, check.action, check.resource, reason);
    }
    return undefined;
  }

  /** Whether a role trusts an AWS service to assume it (its trust policy names the service). */
  trusts(roleArn: string, service: string, context: RequestContext = {}): boolean {
    const trust = this.roles.get(roleArn)?.trust;
    if (!trust) return false;
    return (
      evaluateResourcePolicy(statementsOf(trust), service, {
        action: 'sts:AssumeRole',
        resource: roleArn,
        context,
      }) === 'Allow'
    );
  }

  /** Records a denial decided elsewhere (a resource policy, a trust policy). */
  deny(principal: string, action: string, resource: string, reason: string): Denial {
    const denial: Denial = {
      at: new Date(this.options.now?.() ?? Date.now()).toISOString(),
      principal,
      action,
      resource,
      reason,
    };
    this.denials.push(denial);
    this.deniedCount++;
    if (this.denials.length > MAX_DENIALS_KEPT)
      this.denials.splice(0, this.denials.length - MAX_DENIALS_KEPT);
    this.options.onDenied?.(denial);
    return denial;
  }
}

/** AWS's wording of a denial: `User: <caller> is not authorized to perform: <action> on resource: <arn> ...`. */
export function denialMessage(denial: Denial): string {
  return `User: ${denial.principal} is not authorized to perform: ${denial.action} on resource: ${denial.resource} ${denial.reason}`;
}
