/**
 * The SDK's transport to the local AWS without a socket. A function's SDK clients serialize and
 * sign each request exactly as for HTTP (the same endpoint, headers, SigV4 Authorization with the
 * function's access key); this request handler, the SDK's `requestHandler` extension point, then
 * posts that wire request over a MessagePort to the main thread instead of opening a loopback
 * connection. The main thread dispatches it as the edge dispatches a request that came over HTTP
 * (IAM by access key, then the service by protocol) and posts back the wire response, which the
 * SDK parses as it parses any. Requests for any other host go over the network as before.
 */
import { Readable } from 'node:stream';
import type { MessagePort } from 'node:worker_threads';
import { buildQueryString, type HttpHandler, type HttpRequest, HttpResponse } from '@smithy/core/protocols';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { internalError } from './http-adapter.ts';
import type { AwsRequest, AwsResponse } from './protocol.ts';

/** An AwsRequest as it crosses a MessagePort: URLSearchParams does not survive structured cloning. */
export interface WireRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

interface RequestMessage {
  readonly id: number;
  readonly request: WireRequest;
}

interface ResponseMessage {
  readonly id: number;
  readonly response: AwsResponse;
}

/** Where the main thread answers a sandbox's AWS calls: its port and the endpoint the calls are for. */
export interface InProcessAws {
  readonly port: MessagePort;
  readonly endpoint: string;
}

/** Main thread: answers the wire requests arriving on `port` with `dispatch`. */
export function serveAwsOverPort(
  port: MessagePort,
  dispatch: (req: AwsRequest) => Promise<AwsResponse>,
): void {
  port.on('message', (message: RequestMessage) => {
    const { method, path, query, headers, body } = message.request;
    let answer: Promise<AwsResponse>;
    try {
      answer = dispatch({ method, path, query: new URLSearchParams(query), headers, body });
    } catch (error) {
      answer = Promise.resolve(internalError(error));
    }
    answer
      .catch(internalError)
      .then((response) => port.postMessage({ id: message.id, response } satisfies ResponseMessage))
      // The sandbox stopped (a timeout, the host closing) while its call ran: nobody waits for it.
      .catch(() => undefined);
  });
  // The worker's end keeps the channel in use; this end must not hold the process open.
  port.unref();
}

async function bodyText(body: unknown): Promise<string> {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array)
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  if (typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<Uint8Array | string>)
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
    return Buffer.concat(chunks).toString('utf8');
  }
  throw new Error('the local AWS takes request bodies as text, bytes or a stream');
}

function abortError(): Error {
  const error = new Error('Request aborted');
  error.name = 'AbortError';
  return error;
}

/** Sandbox side: the one channel to the main thread that every client's handler shares. */
class AwsChannel {
  private readonly pending = new Map<number, (response: AwsResponse) => void>();
  private nextId = 1;

  constructor(readonly aws: InProcessAws) {
    aws.port.on('message', (message: ResponseMessage) => {
      const settle = this.pending.get(message.id);
      if (!settle) return;
      this.forget(message.id);
      settle(message.response);
    });
    aws.port.unref();
  }

  private forget(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.aws.port.unref();
  }

  send(request: WireRequest, signal: AbortSignal | undefined): Promise<AwsResponse> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      const onAbort = () => {
        this.forget(id);
        reject(abortError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, (response) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(response);
      });
      // A call in flight keeps the sandbox alive, as an open socket would.
      this.aws.port.ref();
      this.aws.port.postMessage({ id, request } satisfies RequestMessage);
    });
  }
}

/** Sandbox side: the request handler that reaches the local AWS over the channel. */
class InProcessHttpHandler implements HttpHandler {
  readonly metadata = { handlerProtocol: 'http/1.1' };
  private readonly host: string;
  private readonly portNumber: number | undefined;
  private network?: HttpHandler;

  constructor(
    private readonly channel: AwsChannel,
    /** How requests for other hosts go out (the SDK's own Node handler, with the client's options). */
    private readonly networkHandler: () => HttpHandler,
  ) {
    const url = new URL(channel.aws.endpoint);
    this.host = url.hostname;
    this.portNumber = url.port === '' ? undefined : Number(url.port);
  }

  private isLocal(request: HttpRequest): boolean {
    return request.hostname === this.host && (request.port ?? undefined) === this.portNumber;
  }

  async handle(
    request: HttpRequest,
    options: { abortSignal?: unknown } = {},
  ): Promise<{ response: HttpResponse }> {
    if (!this.isLocal(request)) {
      this.network ??= this.networkHandler();
      return this.network.handle(request, options as never);
    }
    const signal = options.abortSignal as AbortSignal | undefined;
    if (signal?.aborted) throw abortError();
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
    const wire: WireRequest = {
      method: request.method,
      path: request.path,
      query: buildQueryString(request.query ?? {}),
      headers,
      body: await bodyText(request.body),
    };
    const answer = await this.channel.send(wire, signal);
    return {
      response: new HttpResponse({
        statusCode: answer.status,
        headers: answer.headers,
        body: Readable.from([Buffer.from(answer.body, 'utf8')]),
      }),
    };
  }

  updateHttpClientConfig(): void {
    // No sockets, agents or timeouts of its own to configure.
  }

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  destroy(): void {
    this.network?.destroy?.();
  }
}

/**
 * Makes the local AWS every SDK client's default transport in this thread: the clients resolve
 * their `requestHandler` through `NodeHttpHandler.create`, which now answers with an in-process
 * handler unless the client's configuration gives a handler of its own. Function code keeps its
 * plain `new XClient(...)`: it runs unchanged here and in AWS.
 */
export function useInProcessAws(aws: InProcessAws): void {
  const handlerFor = inProcessHandlers(aws);
  const create = NodeHttpHandler.create.bind(NodeHttpHandler);
  NodeHttpHandler.create = (instanceOrOptions) => {
    if (instanceOrOptions && typeof (instanceOrOptions as HttpHandler).handle === 'function')
      return instanceOrOptions as HttpHandler;
    return handlerFor(() => create(instanceOrOptions) as HttpHandler);
  };
}

/**
 * Request handlers sharing one channel to the local AWS (`requestHandler` of a client's
 * configuration); each is given how its requests for other hosts go out.
 */
export function inProcessHandlers(aws: InProcessAws): (network: () => HttpHandler) => HttpHandler {
  const channel = new AwsChannel(aws);
  return (network) => new InProcessHttpHandler(channel, network);
}
