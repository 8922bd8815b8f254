/**
 * SES v2, locally: aws-ses-v2-local behind the edge. The package only comes as an HTTP server (an
 * Express app listening on a port): requests reach that app's request listener in process
 * (light-my-request builds the node request and response objects), so no second HTTP hop follows
 * the edge's. Its own port is closed as soon as the listener is taken: it would serve every e-mail
 * (and each one's signed links) on a port that checks no Host, to any page reaching it. Its store is
 * the outbox of e-mails; relance keeps its own copy (with the tags the store drops) so a restart with
 * persistence keeps it. Both keep the most recent e-mails only (./outbox.ts). The package is loaded
 * with the first SES request, not at start (loadStandIn).
 */

import type { RequestListener, Server } from 'node:http';
import { createRequire } from 'node:module';
import { inject } from 'light-my-request';
import { Outbox } from './outbox.ts';
import type { AwsRequest, AwsResponse } from './protocol.ts';

type SesServerFactory = (config: { host: string; port: number }) => Promise<Server>;

/** The stand-in's own store (the module its server saves each e-mail to): every e-mail, never trimmed. */
interface SesStore {
  getStoreReadonly(): { emails: unknown[] };
}

/** The stand-in, loaded: its request listener, its server (port closed) and its store. */
interface SesStandIn {
  readonly listener: RequestListener;
  readonly server: Server;
  readonly store: SesStore;
}

/**
 * Loads aws-ses-v2-local (Express, nodemailer, mailparser, handlebars: about 0.4 s of a start, so
 * on the first SES request rather than before the system says it is ready), creates its server and
 * takes its request listener, closing its port.
 */
async function loadStandIn(): Promise<SesStandIn> {
  const load = createRequire(import.meta.url);
  // The package is CommonJS with `exports.default`; depending on the loader the factory is one or two `.default`s deep.
  const sesModule = load('aws-ses-v2-local') as { default: SesServerFactory | { default: SesServerFactory } };
  const sesServer: SesServerFactory =
    typeof sesModule.default === 'function' ? sesModule.default : sesModule.default.default;
  // The same module cache as the server's: the store its server saves to.
  const store = load('aws-ses-v2-local/dist/store.js') as SesStore;
  const server = await sesServer({ host: '127.0.0.1', port: 0 });
  const [listener] = server.listeners('request') as RequestListener[];
  if (!listener) throw new Error('aws-ses-v2-local created a server without a request listener');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return { listener, server, store };
}

/** An attachment as the SendEmail request carried it. */
export interface StoredAttachment {
  readonly fileName: string;
  readonly contentType: string;
  /** The text, read as UTF-8, when the content type is `text/*` (an .ics stays readable); base64 otherwise. */
  readonly content: string;
}

export interface StoredEmail {
  readonly messageId: string;
  readonly from: string;
  readonly replyTo: string[];
  readonly destination: { to: string[]; cc: string[]; bcc: string[] };
  readonly subject: string;
  readonly body: { html?: string; text?: string };
  readonly headers?: Array<{ name: string; value: string }>;
  readonly attachments?: StoredAttachment[];
  readonly at: number;
  /** Message tags and configuration set, which the stand-in's store does not keep. */
  readonly tags: Record<string, string>;
  readonly configurationSet?: string;
}

/** The parts of a SES v2 SendEmail request the outbox keeps. */
interface SendEmailRequest {
  FromEmailAddress?: string;
  ReplyToAddresses?: string[];
  Destination?: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
  EmailTags?: Array<{ Name: string; Value: string }>;
  ConfigurationSetName?: string;
  Content?: {
    Simple?: {
      Subject?: { Data?: string };
      Body?: { Html?: { Data?: string }; Text?: { Data?: string } };
      Headers?: Array<{ Name: string; Value: string }>;
      Attachments?: WireAttachment[];
    };
  };
}

/** An SES v2 `Attachment` as JSON: the SDK sends the `RawContent` blob base64-encoded. */
interface WireAttachment {
  FileName: string;
  ContentType?: string;
  RawContent: string;
}

function keptAttachment(attachment: WireAttachment): StoredAttachment {
  // The stand-in's default when the request names no type.
  const contentType = attachment.ContentType ?? 'application/octet-stream';
  return {
    fileName: attachment.FileName,
    contentType,
    content: /^text\//i.test(contentType)
      ? Buffer.from(attachment.RawContent, 'base64').toString('utf8')
      : attachment.RawContent,
  };
}

export class LocalSes {
  private standIn?: Promise<SesStandIn>;
  private started = false;
  /** The e-mails sent, most recent kept; `sent.accepted` counts this process's SendEmail calls. */
  readonly sent: Outbox<StoredEmail>;
  /** Called with each e-mail sent (the runtime publishes the events SES would publish for it). */
  onSent?: (email: StoredEmail) => void;
  /** The runtime's clock, for the time an e-mail was sent. */
  now: () => number = Date.now;

  /** `outboxLimit`: the e-mails kept (./outbox.ts). */
  constructor(options: { outboxLimit?: number } = {}) {
    this.sent = new Outbox(options.outboxLimit);
  }

  /** Accepts requests from now on; the stand-in itself is loaded with the first (loadStandIn). */
  async start(): Promise<void> {
    this.started = true;
  }

  private loaded(): Promise<SesStandIn> {
    if (!this.started) throw new Error('the local SES is not started');
    this.standIn ??= loadStandIn();
    return this.standIn;
  }

  /** The e-mails kept (the most recent sent), oldest first. */
  emails(): StoredEmail[] {
    return [...this.sent.kept()];
  }

  restore(emails: StoredEmail[]): void {
    this.sent.restore(emails);
  }

  private async forward(req: AwsRequest, listener: RequestListener): Promise<AwsResponse> {
    const query = req.query.toString();
    const answer = await inject(listener, {
      method: req.method as 'POST',
      url: `${req.path}${query ? `?${query}` : ''}`,
      headers: {
        'content-type': req.headers['content-type'] ?? 'application/json',
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      },
      payload: req.body,
    });
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(answer.headers))
      if (typeof value === 'string') headers[key] = value;
    return { status: answer.statusCode, headers, body: answer.payload };
  }

  /** The SES v2 REST API: forwarded to the stand-in; sent mail is kept with its tags. */
  readonly handler = async (req: AwsRequest): Promise<AwsResponse> => {
    const { listener, store } = await this.loaded();
    const response = await this.forward(req, listener);
    if (req.method === 'POST' && req.path === '/v2/email/outbound-emails' && response.status === 200) {
      const { MessageId } = JSON.parse(response.body) as { MessageId?: string };
      // Built from the request the stand-in accepted (reading its whole store back on every send
      // would cost O(n) per e-mail); `at` is the runtime's clock, virtual or not.
      const request = JSON.parse(req.body) as SendEmailRequest;
      const simple = request.Content?.Simple;
      const attachments = simple?.Attachments ?? [];
      const kept: StoredEmail = {
        messageId: MessageId ?? '',
        from: request.FromEmailAddress ?? '',
        replyTo: request.ReplyToAddresses ?? [],
        destination: {
          to: request.Destination?.ToAddresses ?? [],
          cc: request.Destination?.CcAddresses ?? [],
          bcc: request.Destination?.BccAddresses ?? [],
        },
        subject: simple?.Subject?.Data ?? '',
        body: {
          ...(simple?.Body?.Html?.Data !== undefined ? { html: simple.Body.Html.Data } : {}),
          ...(simple?.Body?.Text?.Data !== undefined ? { text: simple.Body.Text.Data } : {}),
        },
        ...(simple?.Headers
          ? { headers: simple.Headers.map((h) => ({ name: h.Name, value: h.Value })) }
          : {}),
        at: this.now(),
        tags: Object.fromEntries((request.EmailTags ?? []).map((t) => [t.Name, t.Value])),
        ...(request.ConfigurationSetName ? { configurationSet: request.ConfigurationSetName } : {}),
        ...(attachments.length > 0 ? { attachments: attachments.map(keptAttachment) } : {}),
      };
      this.sent.add(kept);
      const stored = store.getStoreReadonly().emails;
      if (stored.length > this.sent.limit) stored.splice(0, stored.length - this.sent.limit);
      this.onSent?.(kept);
    }
    return response;
  };

  async close(): Promise<void> {
    // Its port was closed when it was loaded; what stays is the request listener, reached in process.
    // A stand-in that failed to load has nothing to close (its requests were answered with why).
    const standIn = await this.standIn?.catch(() => undefined);
    standIn?.server.closeAllConnections?.();
  }
}
