/**
 * The request/response shape every local AWS service stand-in speaks, plus the wire helpers the
 * three protocols share (awsQuery XML, awsJson 1.0, restJson). Service modules stay framework-free:
 * the edge server (or `serveAws`) adapts HTTP to these plain objects.
 */
import { randomUUID } from 'node:crypto';

/** One HTTP request as the edge hands it to a service: body already read as UTF-8 text. */
export interface AwsRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  body: string;
}

/** The HTTP response a service returns; the adapter writes it verbatim. */
export interface AwsResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A service stand-in: never throws for a bad request, answers with the protocol's error instead. */
export type AwsServiceHandler = (req: AwsRequest) => Promise<AwsResponse>;

/** A fresh request id, the UUID form AWS services use. */
export function newRequestId(): string {
  return randomUUID();
}

/** Header lookup that ignores case, since callers may not lowercase header names. */
export function header(req: AwsRequest, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(req.headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/** Escape text for an XML element body or attribute value. */
export function xmlEscape(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

/** A JSON response with the given content type and a request id header. */
export function jsonResponse(status: number, contentType: string, payload: unknown): AwsResponse {
  return {
    status,
    headers: { 'content-type': contentType, 'x-amzn-requestid': newRequestId() },
    body: JSON.stringify(payload),
  };
}

/** An awsQuery error document (`<ErrorResponse>`), as SNS returns for any failed action. */
export function awsQueryError(
  status: number,
  code: string,
  message: string,
  options: { type?: 'Sender' | 'Receiver'; xmlns?: string } = {},
): AwsResponse {
  const requestId = newRequestId();
  const xmlns = options.xmlns === undefined ? '' : ` xmlns="${xmlEscape(options.xmlns)}"`;
  const body =
    `<ErrorResponse${xmlns}><Error><Type>${options.type ?? 'Sender'}</Type>` +
    `<Code>${xmlEscape(code)}</Code><Message>${xmlEscape(message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`;
  return { status, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
}

/** Parse a JSON request body; an empty body counts as `{}`; anything but an object is undefined. */
export function parseJsonObject(body: string): Record<string, unknown> | undefined {
  if (body.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** An error a stand-in speaking the AWS JSON protocol answers with: status, `__type`, message, and modelled fields (e.g. `Reason`). */
export class AwsJsonError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly fields: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** The JSON-protocol answer to a failed action: an AwsJsonError as raised, anything else a 500 of `internalType`. */
export function awsJsonErrorResponse(err: unknown, contentType: string, internalType: string): AwsResponse {
  const error =
    err instanceof AwsJsonError
      ? err
      : new AwsJsonError(500, internalType, err instanceof Error ? err.message : String(err));
  return {
    status: error.status,
    headers: {
      'content-type': contentType,
      'x-amzn-requestid': newRequestId(),
      'x-amzn-errortype': error.type,
    },
    body: JSON.stringify({ __type: error.type, Message: error.message, ...error.fields }),
  };
}

/** A string member of a JSON request, or undefined when absent; `invalid` builds the service's error otherwise. */
export function optionalStringMember(
  input: Record<string, unknown>,
  key: string,
  invalid: (message: string) => Error,
): string | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(`${key} must be a string.`);
  return value;
}

/** The operation of a signed request: the JSON target's action, the query Action, SES v2's SendEmail. */
export function operationOf(req: Pick<AwsRequest, 'path' | 'method' | 'headers' | 'body'>): string {
  const target = req.headers['x-amz-target'];
  if (target) return target.split('.').at(-1) ?? '';
  const action = /(?:^|&)Action=([^&]+)/.exec(req.body)?.[1];
  if (action) return decodeURIComponent(action);
  if (req.method === 'POST' && req.path === '/v2/email/outbound-emails') return 'SendEmail';
  return `${req.method} ${req.path}`;
}
