/**
 * The one edge endpoint: every emulated AWS API answers on one port, routed by protocol, so the
 * real SDK and the AWS CLI work with AWS_ENDPOINT_URL alone. Signed requests (SigV4) go to a
 * service: by X-Amz-Target (DynamoDB, EventBridge, Step Functions, SQS, Secrets Manager, End User
 * Messaging SMS and Voice v2), by path (SES v2,
 * Scheduler), or by the awsQuery Action (SNS), once `authorize` has let them through. Unsigned
 * requests are the web page and the API routes.
 *
 * Over TCP it answers only the Host it listens as (`127.0.0.1:<port>`, or `localhost:<port>`):
 * another name is 421, so a page using DNS rebinding reads nothing. A request target that is not a
 * path, or a path whose percent-encoding cannot be decoded, is 400; a fault is a 500 that carries
 * no message (the console gets it).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FaultInjector } from './faults.ts';
import { internalError, MalformedRequestTarget, toAwsRequest, writeResponse } from './http-adapter.ts';
import type { SignedService } from './iam-requests.ts';
import type { AwsRequest, AwsResponse, AwsServiceHandler } from './protocol.ts';

export interface EdgeRoutes {
  readonly dynamodb: AwsServiceHandler;
  readonly eventbridge: AwsServiceHandler;
  readonly stepfunctions: AwsServiceHandler;
  readonly sqs: AwsServiceHandler;
  readonly sns: AwsServiceHandler;
  readonly ses: AwsServiceHandler;
  readonly scheduler: AwsServiceHandler;
  readonly secretsmanager: AwsServiceHandler;
  readonly 'sms-voice': AwsServiceHandler;
  /** Everything that is not an AWS API call: the web page, JSON views, API Gateway routes. */
  readonly web: (req: AwsRequest, sourceIp: string) => Promise<AwsResponse>;
  /** IAM: the service's refusal when the signer may not make this call; undefined lets it through. */
  readonly authorize?: (service: SignedService, req: AwsRequest) => AwsResponse | undefined;
  /** Failures injected by tests (./faults.ts), answered once IAM has let the call through. */
  readonly faults?: FaultInjector;
}

const MAX_BODY = 1024 * 1024;
/** DynamoDB takes the largest requests: a BatchWriteItem of 25 items of 400 KB. */
const MAX_DYNAMODB_BODY = 16 * 1024 * 1024;

function awsJsonError(type: string, message: string, status = 400): AwsResponse {
  return {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type },
    body: JSON.stringify({ __type: type, message }),
  };
}

/** Which service a signed request is for. */
export function serviceFor(req: Pick<AwsRequest, 'path' | 'headers' | 'body'>): SignedService | undefined {
  const target = req.headers['x-amz-target'] ?? '';
  if (target.startsWith('DynamoDB_')) return 'dynamodb';
  if (target.startsWith('AWSEvents.')) return 'eventbridge';
  if (target.startsWith('AWSStepFunctions.')) return 'stepfunctions';
  if (target.startsWith('AmazonSQS.')) return 'sqs';
  if (target.startsWith('secretsmanager.')) return 'secretsmanager';
  if (target.startsWith('PinpointSMSVoiceV2.')) return 'sms-voice';
  if (req.path.startsWith('/v2/email/')) return 'ses';
  if (req.path.startsWith('/schedules') || req.path.startsWith('/schedule-groups')) return 'scheduler';
  if ((req.headers['content-type'] ?? '').includes('x-www-form-urlencoded') && /(^|&)Action=/.test(req.body))
    return 'sns';
  return undefined;
}

function isSigned(req: IncomingMessage): boolean {
  return (
    String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256') ||
    req.headers['x-amz-target'] !== undefined
  );
}

export class EdgeServer {
  private readonly server: Server;
  /** Set after listen. */
  url = '';
  /** TCP connections accepted: outside clients only, since the functions reach the edge in process. */
  connectionsAccepted = 0;
  /** The Host values answered (lower case): the loopback address and `localhost`, with the port. */
  private allowedHosts: ReadonlySet<string> = new Set();

  constructor(private readonly routes: () => EdgeRoutes) {
    this.server = createServer((req, res) => {
      this.serve(req, res).catch((error: unknown) => writeResponse(res, internalError(error)));
    });
    this.server.keepAliveTimeout = 5_000;
    this.server.on('connection', () => {
      this.connectionsAccepted++;
    });
  }

  private async serve(req: IncomingMessage, res: Parameters<typeof writeResponse>[0]): Promise<void> {
    const routes = this.routes();
    if (!this.allowedHosts.has(String(req.headers.host ?? '').toLowerCase())) {
      // DNS rebinding: a web page on another name that resolves to 127.0.0.1 reaches this port with
      // its own name in Host. Answering only our own names keeps its scripts from reading anything.
      req.resume();
      writeResponse(res, {
        status: 421,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          message: `This endpoint answers the Host ${[...this.allowedHosts].join(' or ')} only`,
        }),
      });
      return;
    }
    const isDynamo = String(req.headers['x-amz-target'] ?? '').startsWith('DynamoDB_');
    let request: AwsRequest;
    try {
      request = await toAwsRequest(req, isDynamo ? MAX_DYNAMODB_BODY : MAX_BODY);
    } catch (error) {
      writeResponse(
        res,
        error instanceof MalformedRequestTarget
          ? awsJsonError('BadRequest', error.message, 400)
          : awsJsonError('RequestEntityTooLarge', 'Request body too large', 413),
      );
      return;
    }
    const sourceIp = req.socket.remoteAddress ?? '127.0.0.1';
    if (!isSigned(req)) {
      writeResponse(res, await routes.web(request, sourceIp));
      return;
    }
    writeResponse(res, await this.dispatchSigned(request));
  }

  /**
   * A signed AWS API call, whether it came over HTTP or in process from a function's SDK client
   * (./in-process-http.ts): routed by protocol once IAM has let it through.
   */
  async dispatchSigned(request: AwsRequest): Promise<AwsResponse> {
    const limit = request.headers['x-amz-target']?.startsWith('DynamoDB_') ? MAX_DYNAMODB_BODY : MAX_BODY;
    if (Buffer.byteLength(request.body) > limit)
      return awsJsonError('RequestEntityTooLarge', 'Request body too large', 413);
    const routes = this.routes();
    const service = serviceFor(request);
    if (!service)
      return awsJsonError(
        'UnknownOperationException',
        `No local service answers ${request.method} ${request.path}`,
      );
    const refused = routes.authorize?.(service, request);
    if (refused) return refused;
    const answer = () => routes[service](request);
    return routes.faults ? routes.faults.around(service, request, answer) : answer();
  }

  /** Listens on a loopback port (0 picks a free one); returns the endpoint URL. */
  async listen(port: number, host = '127.0.0.1'): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    this.allowedHosts = new Set([`${host}:${address.port}`, `localhost:${address.port}`]);
    this.url = `http://${host}:${address.port}`;
    return this.url;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
