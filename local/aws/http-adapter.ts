/**
 * A minimal `node:http` front for one service handler, used by tests and reusable by the runtime's
 * edge server. It reads the whole body, hands the handler an `AwsRequest`, and writes the answer.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AwsRequest, AwsResponse, AwsServiceHandler } from './protocol.ts';

/** Where to listen; port 0 picks a free port. */
export interface ServeOptions {
  host: string;
  port: number;
  /** Bodies larger than this are refused with 413 (default 16 MiB, above any AWS request limit). */
  maxBodyBytes?: number;
}

/** A running server: its base URL (no trailing slash) and a way to stop it. */
export interface ServedAws {
  url: string;
  close: () => Promise<void>;
}

const DEFAULT_MAX_BODY = 16 * 1024 * 1024;

class BodyTooLarge extends Error {}

/** A request line the server cannot read as a path: an absolute-form target, bad percent-encoding. */
export class MalformedRequestTarget extends Error {
  override readonly name = 'MalformedRequestTarget';
}

/** Serve one AWS service handler over HTTP until `close()` is called. */
export async function serveAws(handler: AwsServiceHandler, options: ServeOptions): Promise<ServedAws> {
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const server = createServer((req, res) => {
    void handle(handler, req, res, maxBody);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // SDK clients keep sockets alive; drop them so close() does not hang.
        server.closeAllConnections();
      }),
  };
}

/** Adapt one node request to the handler and write its response; never lets an error escape. */
async function handle(
  handler: AwsServiceHandler,
  req: IncomingMessage,
  res: ServerResponse,
  maxBody: number,
): Promise<void> {
  let response: AwsResponse;
  try {
    const awsRequest = await toAwsRequest(req, maxBody);
    response = await handler(awsRequest);
  } catch (err) {
    response =
      err instanceof BodyTooLarge
        ? plainError(413, 'Request body too large')
        : err instanceof MalformedRequestTarget
          ? plainError(400, err.message)
          : internalError(err);
  }
  writeResponse(res, response);
}

/**
 * Read the request fully and describe it as an `AwsRequest`. Throws `MalformedRequestTarget` for a
 * target that is not a path (`//host/x` would otherwise be read as another host's `/x`) or whose
 * percent-encoding cannot be decoded (the routes decode path parameters).
 */
export async function toAwsRequest(req: IncomingMessage, maxBody = DEFAULT_MAX_BODY): Promise<AwsRequest> {
  const target = req.url ?? '/';
  if (!target.startsWith('/')) throw new MalformedRequestTarget('the request target must be a path');
  const url = new URL(`http://local${target}`);
  try {
    decodeURIComponent(url.pathname);
  } catch {
    throw new MalformedRequestTarget('the path has malformed percent-encoding');
  }
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: url.searchParams,
    headers,
    body: await readBody(req, maxBody),
  };
}

async function readBody(req: IncomingMessage, maxBody: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    if (size > maxBody) throw new BodyTooLarge();
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Write an `AwsResponse` to a node response, with a correct content length. */
export function writeResponse(res: ServerResponse, response: AwsResponse): void {
  if (res.headersSent) return;
  const body = Buffer.from(response.body, 'utf8');
  res.writeHead(response.status, { ...response.headers, 'content-length': String(body.length) });
  res.end(body);
}

function plainError(status: number, message: string): AwsResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message }) };
}

/**
 * A handler bug must not take the edge down: answer 500 so the SDK sees a server fault. The answer
 * never carries the error's message (it may hold what the caller sent, or paths of this machine):
 * the error goes to this process's standard error, for whoever runs it.
 */
export function internalError(err: unknown): AwsResponse {
  const detail = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err);
  process.stderr.write(`[local aws] internal failure: ${JSON.stringify(detail)}\n`);
  return {
    status: 500,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'InternalFailure' },
    body: JSON.stringify({
      __type: 'InternalFailure',
      message: 'The local service failed; its console has the details.',
    }),
  };
}
