/**
 * What SES publishes to EventBridge for a sent e-mail, locally: the events of a configuration set's
 * EventBridge destination, in SES's format (source `aws.ses`, detail-type `Email Sent`..., detail =
 * the event-publishing record with the message tags as lists). Recipients at the SES mailbox
 * simulator get the simulator's outcome (labels such as `bounce+test@` included):
 *
 * - `success@`, `ooto@` and any other address: Send, then Delivery;
 * - `bounce@`: Send, then a permanent Bounce (550 5.1.1 user unknown), no Delivery;
 * - `suppressionlist@`: Send, then a permanent Bounce of subtype `Suppressed`, as for an address
 *   on the global suppression list;
 * - `complaint@`: Send, Delivery, then a Complaint (feedback type `abuse`).
 *
 * SES publishes its events after it answered the send, not with its answer: the Send a second
 * after the send, each later event a second after the one before. Published at the instant of the
 * send, the Send raced the sending step's own write of its outcome on the ledger entry (the step
 * nearly always wins in AWS), and the losing write's billed retry moved `npm run cost` by 2-3%
 * from run to run.
 *
 * An e-mail sent without a configuration set publishes nothing, as in SES, and a configuration set
 * publishes only the event types its enabled EventBridge destination matches (`publishedBySes`).
 * Opens and clicks need a person: `sesEngagementEvent` builds one on demand.
 */
import { randomUUID } from 'node:crypto';
import { SES_CONFIGURATION_SET_TAG, SES_DETAIL_TYPES } from '../../functions/delivery/provider-feedback.ts';
import type { BusEventEnvelope } from '../aws/eventbridge/bus.ts';
import type { StoredEmail } from '../aws/ses.ts';
import { LOCAL_ACCOUNT, LOCAL_REGION, type LocalSesEventDestination } from '../aws/template.ts';

const SIMULATOR_DOMAIN = 'simulator.amazonses.com';
const REPORTING_MTA = 'dsn; a1-2.smtp-out.us-east-1.amazonses.com';

export type SimulatorOutcome = 'delivered' | 'bounce' | 'suppressed' | 'complaint';

export interface SesFeedbackOptions {
  /** When the e-mail was sent (ms, journey time); its events follow it by a second each. */
  readonly at: number;
  readonly account?: string;
  readonly region?: string;
}

type SesEventType = keyof typeof SES_DETAIL_TYPES;

/** What the mailbox simulator does with a recipient; any other address is delivered. */
export function simulatorOutcome(address: string): SimulatorOutcome {
  const [local = '', domain = ''] = address.trim().toLowerCase().split('@');
  if (domain !== SIMULATOR_DOMAIN) return 'delivered';
  const mailbox = local.split('+')[0];
  if (mailbox === 'bounce') return 'bounce';
  if (mailbox === 'suppressionlist') return 'suppressed';
  if (mailbox === 'complaint') return 'complaint';
  return 'delivered';
}

const iso = (ms: number) => new Date(ms).toISOString();
const feedbackId = () => `0100018e-${randomUUID()}-000000`;

/** The `mail` object every event of a message carries. */
function mailObject(
  email: StoredEmail,
  configurationSet: string,
  at: number,
  account: string,
  region: string,
) {
  const recipients = [...email.destination.to, ...email.destination.cc, ...email.destination.bcc];
  const fromDomain = email.from.replace(/^.*@/, '').replace(/>.*$/, '');
  const tags: Record<string, string[]> = {
    [SES_CONFIGURATION_SET_TAG]: [configurationSet],
    'ses:source-ip': ['127.0.0.1'],
    'ses:from-domain': [fromDomain],
    'ses:caller-identity': ['relance-local'],
  };
  for (const [name, value] of Object.entries(email.tags)) tags[name] = [value];
  return {
    timestamp: iso(at),
    source: email.from,
    sourceArn: `arn:aws:ses:${region}:${account}:identity/${fromDomain}`,
    sendingAccountId: account,
    messageId: email.messageId,
    destination: recipients,
    headersTruncated: false,
    headers: [
      { name: 'From', value: email.from },
      { name: 'To', value: email.destination.to.join(', ') },
      { name: 'Subject', value: email.subject },
      { name: 'MIME-Version', value: '1.0' },
    ],
    commonHeaders: {
      from: [email.from],
      to: email.destination.to,
      messageId: email.messageId,
      subject: email.subject,
    },
    tags,
  };
}

function envelope(
  eventType: SesEventType,
  time: number,
  detail: Record<string, unknown>,
  account: string,
  region: string,
): BusEventEnvelope {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': SES_DETAIL_TYPES[eventType],
    source: 'aws.ses',
    account,
    time: iso(time).replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [],
    detail: { eventType, ...detail },
  };
}

/** SES's name of an event type in a destination's MatchingEventTypes: `Send` -> `SEND`, `DeliveryDelay` -> `DELIVERY_DELAY`. */
export function matchingEventType(eventType: string): string {
  return eventType
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .replace(/ /g, '_')
    .toUpperCase();
}

/**
 * The events of `events` SES publishes: those whose type an enabled EventBridge destination of their
 * message's configuration set matches (every event of a message names its configuration set).
 */
export function publishedBySes(
  events: readonly BusEventEnvelope[],
  destinations: readonly LocalSesEventDestination[],
): BusEventEnvelope[] {
  return events.filter((event) => {
    const detail = event.detail as { eventType?: string; mail?: { tags?: Record<string, string[]> } };
    const configurationSet = detail.mail?.tags?.[SES_CONFIGURATION_SET_TAG]?.[0];
    const type = matchingEventType(detail.eventType ?? '');
    return destinations.some((d) => d.configurationSet === configurationSet && d.eventTypes.includes(type));
  });
}

/** The events SES would publish for a sent e-mail, in order, before its destinations filter them; none without a configuration set. */
export function sesEventsFor(email: StoredEmail, options: SesFeedbackOptions): BusEventEnvelope[] {
  const configurationSet = email.configurationSet;
  if (!configurationSet) return [];
  const account = options.account ?? LOCAL_ACCOUNT;
  const region = options.region ?? LOCAL_REGION;
  const sentAt = options.at;
  const mail = mailObject(email, configurationSet, sentAt, account, region);
  const byOutcome = (outcome: SimulatorOutcome) =>
    mail.destination.filter((r) => simulatorOutcome(r) === outcome);
  const delivered = [...byOutcome('delivered'), ...byOutcome('complaint')];
  const events = [envelope('Send', sentAt + 1000, { mail, send: {} }, account, region)];

  const deliveredAt = sentAt + 2000;
  if (delivered.length > 0) {
    events.push(
      envelope(
        'Delivery',
        deliveredAt,
        {
          mail,
          delivery: {
            timestamp: iso(deliveredAt),
            processingTimeMillis: 2000,
            recipients: delivered,
            smtpResponse: '250 2.6.0 Message received',
            reportingMTA: 'a1-2.smtp-out.us-east-1.amazonses.com',
            remoteMtaIp: '127.0.0.1',
          },
        },
        account,
        region,
      ),
    );
  }
  const bounces = [
    { subType: 'General', recipients: byOutcome('bounce'), diagnostic: 'smtp; 550 5.1.1 user unknown' },
    {
      subType: 'Suppressed',
      recipients: byOutcome('suppressed'),
      diagnostic: 'Amazon SES has suppressed sending to this address because it is on the suppression list.',
    },
  ];
  for (const bounce of bounces) {
    if (bounce.recipients.length === 0) continue;
    events.push(
      envelope(
        'Bounce',
        deliveredAt,
        {
          mail,
          bounce: {
            bounceType: 'Permanent',
            bounceSubType: bounce.subType,
            bouncedRecipients: bounce.recipients.map((emailAddress) => ({
              emailAddress,
              action: 'failed',
              status: '5.1.1',
              diagnosticCode: bounce.diagnostic,
            })),
            timestamp: iso(deliveredAt),
            feedbackId: feedbackId(),
            reportingMTA: REPORTING_MTA,
          },
        },
        account,
        region,
      ),
    );
  }
  const complained = byOutcome('complaint');
  if (complained.length > 0) {
    const complainedAt = deliveredAt + 1000;
    events.push(
      envelope(
        'Complaint',
        complainedAt,
        {
          mail,
          complaint: {
            feedbackId: feedbackId(),
            complaintSubType: null,
            complainedRecipients: complained.map((emailAddress) => ({ emailAddress })),
            timestamp: iso(complainedAt),
            userAgent: 'Amazon SES Mailbox Simulator',
            complaintFeedbackType: 'abuse',
            arrivalDate: iso(deliveredAt),
          },
        },
        account,
        region,
      ),
    );
  }
  return events;
}

/** An open or a click of a sent e-mail, as SES publishes it when open and click tracking are on. */
export function sesEngagementEvent(
  email: StoredEmail,
  kind: 'open' | 'click',
  options: SesFeedbackOptions & { readonly sentAt: number; readonly link?: string },
): BusEventEnvelope | undefined {
  if (!email.configurationSet) return undefined;
  const account = options.account ?? LOCAL_ACCOUNT;
  const region = options.region ?? LOCAL_REGION;
  const mail = mailObject(email, email.configurationSet, options.sentAt, account, region);
  const common = { timestamp: iso(options.at), ipAddress: '127.0.0.1', userAgent: 'relance-local' };
  return kind === 'open'
    ? envelope('Open', options.at, { mail, open: common }, account, region)
    : envelope(
        'Click',
        options.at,
        { mail, click: { ...common, link: options.link ?? 'https://example.com/', linkTags: {} } },
        account,
        region,
      );
}
