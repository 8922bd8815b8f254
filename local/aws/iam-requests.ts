/**
 * What a signed request asks IAM for: who signed it (the access key id in SigV4's Credential), the
 * action (`dynamodb:PutItem`, `scheduler:CreateSchedule`...) and the resource ARNs, per service
 * protocol, as each service's "Actions, resources, and condition keys" page defines them. And the
 * answer each service gives when IAM says no.
 */
import type { IamCheck } from './iam.ts';
import {
  type AwsRequest,
  type AwsResponse,
  awsQueryError,
  header,
  newRequestId,
  operationOf,
} from './protocol.ts';

export type SignedService =
  | 'dynamodb'
  | 'eventbridge'
  | 'stepfunctions'
  | 'sqs'
  | 'sns'
  | 'ses'
  | 'scheduler'
  | 'secretsmanager'
  | 'sms-voice';

export interface RequestNames {
  readonly region: string;
  readonly account: string;
  /** A secret's ARN from a name, partial ARN or ARN (Secrets Manager authorizes on the full ARN). */
  readonly secretArn?: (secretId: string) => string | undefined;
  /** An End User Messaging origination identity's ARN from its id, ARN or phone number. */
  readonly originationArn?: (reference: string) => string | undefined;
}

/** The access key id a request was signed with (Authorization header or presigned query). */
export function accessKeyOf(req: AwsRequest): string | undefined {
  const authorization = header(req, 'authorization') ?? '';
  const fromHeader = /Credential=([^/,\s]+)\//.exec(authorization)?.[1];
  if (fromHeader) return fromHeader;
  return req.query.get('X-Amz-Credential')?.split('/')[0] || undefined;
}

const json = (body: string): Record<string, unknown> => {
  try {
    const value: unknown = JSON.parse(body || '{}');
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
};

/** The IAM checks a request needs; an empty list when it cannot be understood (the service then refuses it). */
export function checksFor(service: SignedService, req: AwsRequest, names: RequestNames): IamCheck[] {
  const arn = (svc: string, resource: string) =>
    `arn:aws:${svc}:${names.region}:${names.account}:${resource}`;
  switch (service) {
    case 'dynamodb':
      return dynamoChecks(operationOf(req), json(req.body), (t) =>
        t.startsWith('arn:') ? t : arn('dynamodb', `table/${t}`),
      );
    case 'eventbridge': {
      const operation = operationOf(req);
      const body = json(req.body);
      const busArn = (bus: unknown) => {
        const name = typeof bus === 'string' && bus !== '' ? bus : 'default';
        return name.startsWith('arn:') ? name : arn('events', `event-bus/${name}`);
      };
      if (operation === 'PutEvents') {
        const entries = Array.isArray(body.Entries) ? (body.Entries as Array<Record<string, unknown>>) : [];
        const buses = [...new Set(entries.map((e) => busArn(e?.EventBusName)))];
        return buses.map((resource) => ({ action: 'events:PutEvents', resource }));
      }
      if (operation === 'DescribeRule' || operation === 'ListTargetsByRule') {
        const bus = typeof body.EventBusName === 'string' ? body.EventBusName : 'default';
        const rule = String(body.Name ?? body.Rule ?? '');
        return [
          {
            action: `events:${operation}`,
            resource: arn('events', `rule/${bus === 'default' ? '' : `${bus}/`}${rule}`),
          },
        ];
      }
      return [{ action: `events:${operation}`, resource: '*' }];
    }
    case 'stepfunctions': {
      const operation = operationOf(req);
      const body = json(req.body);
      const resource = String(body.stateMachineArn ?? body.executionArn ?? '*');
      return [{ action: `states:${operation}`, resource }];
    }
    case 'sqs': {
      const operation = operationOf(req);
      const body = json(req.body);
      const batchOf: Record<string, string> = {
        SendMessageBatch: 'SendMessage',
        DeleteMessageBatch: 'DeleteMessage',
        ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
      };
      const name =
        typeof body.QueueUrl === 'string'
          ? (body.QueueUrl.split('/').at(-1) ?? '')
          : typeof body.QueueName === 'string'
            ? body.QueueName
            : undefined;
      return [
        {
          action: `sqs:${batchOf[operation] ?? operation}`,
          resource: name === undefined ? '*' : arn('sqs', name),
        },
      ];
    }
    case 'sns': {
      const params = new URLSearchParams(req.body);
      const action = params.get('Action') ?? '';
      // A message to a phone number has no resource: SNS authorizes it on "*".
      const resource = params.get('TopicArn') ?? params.get('TargetArn') ?? '*';
      return [{ action: `sns:${action}`, resource }];
    }
    case 'ses':
      return sesChecks(req, arn);
    case 'scheduler':
      return schedulerChecks(req, arn, names.account);
    case 'secretsmanager': {
      const operation = operationOf(req);
      const secretId = json(req.body).SecretId;
      const resource =
        typeof secretId === 'string'
          ? (names.secretArn?.(secretId) ??
            (secretId.startsWith('arn:') ? secretId : arn('secretsmanager', `secret:${secretId}`)))
          : '*';
      return [{ action: `secretsmanager:${operation}`, resource }];
    }
    case 'sms-voice':
      return smsVoiceChecks(operationOf(req), json(req.body), arn, names);
    default:
      return [];
  }
}

/**
 * End User Messaging v2 authorizes a send on the origination identity (phone-number or pool ARN)
 * and, when one is named, the configuration set; an opt-out list change on the opt-out list.
 */
function smsVoiceChecks(
  operation: string,
  body: Record<string, unknown>,
  arn: (svc: string, resource: string) => string,
  names: RequestNames,
): IamCheck[] {
  const action = `sms-voice:${operation}`;
  const named = (value: unknown, kind: string) =>
    typeof value === 'string' && value !== ''
      ? value.startsWith('arn:')
        ? value
        : arn('sms-voice', `${kind}/${value}`)
      : undefined;
  if (operation === 'SendTextMessage' || operation === 'SendVoiceMessage') {
    const reference = typeof body.OriginationIdentity === 'string' ? body.OriginationIdentity : '';
    const identity =
      names.originationArn?.(reference) ??
      (reference.startsWith('arn:')
        ? reference
        : named(reference, reference.startsWith('pool-') ? 'pool' : 'phone-number'));
    const configurationSet = named(body.ConfigurationSetName, 'configuration-set');
    return [identity, configurationSet]
      .filter((resource): resource is string => resource !== undefined)
      .map((resource) => ({ action, resource }));
  }
  if (operation === 'PutOptedOutNumber' || operation === 'DeleteOptedOutNumber') {
    const list = named(body.OptOutListName, 'opt-out-list');
    return list === undefined ? [] : [{ action, resource: list }];
  }
  return [{ action, resource: '*' }];
}

function dynamoChecks(
  operation: string,
  body: Record<string, unknown>,
  tableArn: (nameOrArn: string) => string,
): IamCheck[] {
  const action = `dynamodb:${operation}`;
  const items = (value: unknown) => Object.keys((value ?? {}) as Record<string, unknown>);
  switch (operation) {
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return items(body.RequestItems).map((table) => ({ action, resource: tableArn(table) }));
    case 'TransactGetItems':
    case 'TransactWriteItems': {
      const actions: Record<string, string> = {
        Get: 'GetItem',
        Put: 'PutItem',
        Update: 'UpdateItem',
        Delete: 'DeleteItem',
        ConditionCheck: 'ConditionCheckItem',
      };
      const checks: IamCheck[] = [];
      for (const item of (Array.isArray(body.TransactItems) ? body.TransactItems : []) as Array<
        Record<string, { TableName?: string }>
      >) {
        for (const [kind, request] of Object.entries(item ?? {})) {
          if (actions[kind] && request?.TableName)
            checks.push({ action: `dynamodb:${actions[kind]}`, resource: tableArn(request.TableName) });
        }
      }
      return checks;
    }
    case 'ListTables':
      return [{ action, resource: '*' }];
    default: {
      if (typeof body.TableName !== 'string') return [{ action, resource: '*' }];
      const table = tableArn(body.TableName);
      // A query or scan of a secondary index is authorized on the index.
      const resource = typeof body.IndexName === 'string' ? `${table}/index/${body.IndexName}` : table;
      return [{ action, resource }];
    }
  }
}

/** The domain of an address (`Shop <news@shop.example>` → `shop.example`). */
function domainOf(address: string): string {
  const email = /<([^>]+)>/.exec(address)?.[1] ?? address;
  return email.split('@').at(-1)?.trim() ?? email;
}

function sesChecks(req: AwsRequest, arn: (svc: string, resource: string) => string): IamCheck[] {
  const body = json(req.body);
  const path = req.path;
  if (
    req.method === 'POST' &&
    (path === '/v2/email/outbound-emails' || path === '/v2/email/outbound-bulk-emails')
  ) {
    const action = 'ses:SendEmail';
    // SES v2 authorizes SendEmail (and SendBulkEmail) on the sending identity and the configuration set.
    const identity =
      typeof body.FromEmailAddressIdentityArn === 'string'
        ? body.FromEmailAddressIdentityArn
        : arn('ses', `identity/${domainOf(String(body.FromEmailAddress ?? ''))}`);
    const checks: IamCheck[] = [{ action, resource: identity }];
    if (typeof body.ConfigurationSetName === 'string')
      checks.push({ action, resource: arn('ses', `configuration-set/${body.ConfigurationSetName}`) });
    return checks;
  }
  if (req.method === 'GET' && path === '/v2/email/account')
    return [{ action: 'ses:GetAccount', resource: '*' }];
  const identity = /^\/v2\/email\/identities\/([^/]+)$/.exec(path)?.[1];
  if (identity && req.method === 'GET')
    return [
      { action: 'ses:GetEmailIdentity', resource: arn('ses', `identity/${decodeURIComponent(identity)}`) },
    ];
  return [{ action: `ses:${req.method}${path}`, resource: '*' }];
}

function schedulerChecks(
  req: AwsRequest,
  arn: (svc: string, resource: string) => string,
  account: string,
): IamCheck[] {
  const body = json(req.body);
  const decoded = (raw: string | undefined) => {
    try {
      return decodeURIComponent(raw ?? '');
    } catch {
      return raw ?? '';
    }
  };
  const schedule = /^\/schedules\/([^/]+)$/.exec(req.path)?.[1];
  if (schedule !== undefined) {
    const name = decoded(schedule);
    const operation = (
      {
        POST: 'CreateSchedule',
        PUT: 'UpdateSchedule',
        GET: 'GetSchedule',
        DELETE: 'DeleteSchedule',
      } as Record<string, string>
    )[req.method];
    if (!operation) return [];
    const group =
      req.method === 'POST' || req.method === 'PUT'
        ? typeof body.GroupName === 'string'
          ? body.GroupName
          : 'default'
        : (req.query.get('groupName') ?? 'default');
    const checks: IamCheck[] = [
      { action: `scheduler:${operation}`, resource: arn('scheduler', `schedule/${group}/${name}`) },
    ];
    const roleArn = (body.Target as { RoleArn?: unknown } | undefined)?.RoleArn;
    // Creating or updating a schedule hands its target role to the service: iam:PassRole on it.
    if (typeof roleArn === 'string')
      checks.push({
        action: 'iam:PassRole',
        resource: roleArn,
        context: { 'iam:PassedToService': 'scheduler.amazonaws.com', 'aws:ResourceAccount': account },
      });
    return checks;
  }
  if (/^\/schedules\/?$/.test(req.path)) return [{ action: 'scheduler:ListSchedules', resource: '*' }];
  const group = /^\/schedule-groups\/([^/]+)$/.exec(req.path)?.[1];
  if (group !== undefined) {
    const operation = (
      { POST: 'CreateScheduleGroup', GET: 'GetScheduleGroup', DELETE: 'DeleteScheduleGroup' } as Record<
        string,
        string
      >
    )[req.method];
    return operation
      ? [{ action: `scheduler:${operation}`, resource: arn('scheduler', `schedule-group/${decoded(group)}`) }]
      : [];
  }
  if (/^\/schedule-groups\/?$/.test(req.path))
    return [{ action: 'scheduler:ListScheduleGroups', resource: '*' }];
  const tagged = /^\/tags\/(.+)$/.exec(req.path)?.[1];
  if (tagged !== undefined) {
    const operation = (
      { GET: 'ListTagsForResource', POST: 'TagResource', DELETE: 'UntagResource' } as Record<string, string>
    )[req.method];
    return operation ? [{ action: `scheduler:${operation}`, resource: decoded(tagged) }] : [];
  }
  return [];
}

/** The answer a service gives to a call IAM refused, in the service's protocol. */
export function accessDeniedResponse(service: SignedService, message: string): AwsResponse {
  const requestId = newRequestId();
  const jsonError = (
    status: number,
    contentType: string,
    type: string,
    extra: Record<string, string> = {},
  ) => ({
    status,
    headers: {
      'content-type': contentType,
      'x-amzn-requestid': requestId,
      'x-amzn-errortype': type.split('#').at(-1) ?? type,
      ...extra,
    },
    body: JSON.stringify({ __type: type, message, Message: message }),
  });
  switch (service) {
    case 'dynamodb':
      return jsonError(400, 'application/x-amz-json-1.0', 'com.amazon.coral.service#AccessDeniedException');
    case 'stepfunctions':
      return jsonError(400, 'application/x-amz-json-1.0', 'AccessDeniedException');
    case 'eventbridge':
    case 'secretsmanager':
      return jsonError(400, 'application/x-amz-json-1.1', 'AccessDeniedException');
    case 'sms-voice':
      return jsonError(403, 'application/x-amz-json-1.0', 'AccessDeniedException');
    case 'sqs':
      return jsonError(403, 'application/x-amz-json-1.0', 'com.amazon.coral.service#AccessDeniedException', {
        'x-amzn-query-error': 'AccessDenied;Sender',
      });
    case 'sns':
      return awsQueryError(403, 'AuthorizationError', message, { type: 'Sender' });
    case 'ses':
    case 'scheduler':
      return {
        status: 403,
        headers: {
          'content-type': 'application/json',
          'x-amzn-requestid': requestId,
          'x-amzn-errortype': 'AccessDeniedException',
        },
        body: JSON.stringify({ message, Message: message }),
      };
    default:
      return jsonError(403, 'application/json', 'AccessDeniedException');
  }
}
