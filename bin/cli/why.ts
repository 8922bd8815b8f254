/**
 * `relance why <email|phone|contactId>`: what relance sent a contact, what it did not send, and why,
 * from the ledger; with the contact's consent and suppressions, and the fate of each of its journey
 * runs (where it waits, on which journey version, what the in-flight policy does with it, whether
 * it stalled). Reads the local runtime by default (`--endpoint`), or AWS when `--aws` is given with
 * CONTACTS_TABLE and LEDGER_TABLE set (and JOURNEY_STATE_TABLE for the runs).
 */

import { join } from 'node:path';
import type { Contact } from '#catalogue/contact.ts';
import type { Channel } from '#language/types.ts';
import type { SmsOptOutState } from '../../functions/contacts/contacts-repository.ts';
import { explainEntry, explainRenderedFrom, type LedgerEntry } from '../../functions/delivery/ledger.ts';
import type { Run } from '../../functions/journeys/runs-repository.ts';
import { loadLocalApp } from '../../local/aws/template.ts';
import { assemblyCatalog, runFate } from '../../local/dev/journey-versions.ts';
import type { JourneyCatalog } from '../../workflows/versions/index.ts';
import { deploymentNow } from './audience.ts';

export interface WhyOptions {
  readonly projectRoot: string;
  readonly endpoint?: string;
  readonly aws: boolean;
  /** The cloud assembly that names the local tables. @default .relance/cdk.out */
  readonly cdkOut?: string;
}

export interface WhyReport {
  readonly contact: Contact;
  readonly entries: LedgerEntry[];
  /** The contact's journey runs, oldest first, each with its fate in words. */
  readonly runs?: RunReport[];
  /** When the subject was a phone number several contacts give: all of them (the first is shown). */
  readonly phoneGivenBy?: readonly string[];
  /** The SMS opt-out state of the contact's number (STOP / START), when one is recorded. */
  readonly smsNumber?: SmsOptOutState;
}

/** A run as `why` reports it: the run and the sentence saying what becomes of it. */
export type RunReport = Run & { readonly fate: string };

/** The tables to read: from the local template, or the environment on AWS. */
function tables(options: WhyOptions): { contacts: string; ledger: string; journeyState?: string } {
  if (options.aws) {
    const contacts = process.env.CONTACTS_TABLE;
    const ledger = process.env.LEDGER_TABLE;
    if (!contacts || !ledger)
      throw new Error('with --aws, set CONTACTS_TABLE and LEDGER_TABLE (the RelanceData stack outputs)');
    const journeyState = process.env.JOURNEY_STATE_TABLE;
    return { contacts, ledger, ...(journeyState ? { journeyState } : {}) };
  }
  const app = loadLocalApp(
    options.cdkOut ?? join(options.projectRoot, '.relance', 'cdk.out'),
    options.endpoint ?? '',
  );
  const find = (part: string) => app.tables.find((t) => t.logicalId.includes(part))?.name ?? '';
  return { contacts: find('Contacts'), ledger: find('Ledger'), journeyState: find('JourneyState') };
}

/** The journey versions deployed: the local assembly's, or on AWS this working tree's. */
async function deployedVersions(options: WhyOptions): Promise<JourneyCatalog | undefined> {
  if (!options.aws)
    return assemblyCatalog(options.cdkOut ?? join(options.projectRoot, '.relance', 'cdk.out'));
  const { bundledCatalog } = await import('../../workflows/versions/index.ts');
  return bundledCatalog();
}

/** Finds the contact by e-mail, phone or id and reads its ledger. */
export async function why(subject: string, options: WhyOptions): Promise<WhyReport | undefined> {
  if (!options.aws) {
    process.env.AWS_ENDPOINT_URL = options.endpoint ?? 'http://127.0.0.1:4747';
    process.env.AWS_REGION ??= 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID ??= 'local';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  }
  const names = tables(options);
  // Imported now: the SDK clients are built after the endpoint is set.
  const { ContactsRepository } = await import('../../functions/contacts/contacts-repository.ts');
  const { LedgerRepository } = await import('../../functions/delivery/ledger-repository.ts');
  const { normalizePhone } = await import('#catalogue/phone.ts');
  const contacts = new ContactsRepository(names.contacts);
  const isPhone = !subject.includes('@') && (subject.startsWith('+') || /^\d[\d\s().-]+$/.test(subject));
  // A phone number describes: several contacts may give it (a household); all are named.
  const phoneGivenBy = isPhone
    ? await contacts.phoneHolders(normalizePhone(subject, process.env.DEFAULT_COUNTRY ?? 'FR') ?? subject)
    : [];
  const contactId = subject.includes('@')
    ? await contacts.findByIdentity('EMAIL', subject.trim().toLowerCase())
    : isPhone
      ? phoneGivenBy[0]
      : subject;
  const contact = contactId ? await contacts.get(contactId) : undefined;
  if (!contact) return undefined;
  const [entries, smsNumber] = await Promise.all([
    new LedgerRepository(names.ledger).forContact(contact.contactId),
    contact.phone ? contacts.smsOptOut(contact.phone) : Promise.resolve(undefined),
  ]);
  entries.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const report: WhyReport = {
    contact,
    entries,
    ...(phoneGivenBy.length > 1 ? { phoneGivenBy } : {}),
    ...(smsNumber ? { smsNumber } : {}),
  };
  if (!names.journeyState) return report;
  const { RunsRepository } = await import('../../functions/journeys/runs-repository.ts');
  const versions = await deployedVersions(options);
  const now = await deploymentNow(
    options.aws
      ? { variables: {}, memoryMb: {} }
      : {
          variables: {},
          memoryMb: {},
          endpoint: options.endpoint ?? 'http://127.0.0.1:4747',
        },
  );
  const runs = (await new RunsRepository(names.journeyState).forContact(contact.contactId)).map((run) => ({
    ...run,
    fate: runFate(run, versions, now),
  }));
  return { ...report, runs };
}

/** A ledger entry with the sentence `formatWhy` shows for it. */
export type ExplainedEntry = LedgerEntry & { readonly explanation: string };

/** The report as one JSON document (`relance why --json`): the contact and each entry, explained. */
export function whyDocument(report: WhyReport): {
  readonly contact: Contact;
  readonly entries: ExplainedEntry[];
  readonly runs?: RunReport[];
  readonly phoneGivenBy?: readonly string[];
  readonly smsNumber?: SmsOptOutState;
} {
  return {
    contact: report.contact,
    entries: report.entries.map((entry) => ({ ...entry, explanation: explainEntry(entry) })),
    ...(report.runs ? { runs: report.runs } : {}),
    ...(report.phoneGivenBy ? { phoneGivenBy: report.phoneGivenBy } : {}),
    ...(report.smsNumber ? { smsNumber: report.smsNumber } : {}),
  };
}

/** Merges and identity conflicts, each with the event that caused it. */
function identityLines(contact: Contact): string[] {
  const lines: string[] = [];
  if (contact.mergedInto) {
    const by = contact.mergedBy;
    lines.push(
      `  merged into contact ${contact.mergedInto}${by ? ` at ${by.at} (event ${by.eventId}: ${by.reason})` : ''}; nothing is sent to it, its journey runs end at their next step (merged)`,
    );
  }
  for (const merge of contact.mergedFrom) {
    lines.push(
      `  absorbed contact ${merge.contactId} at ${merge.at} (event ${merge.eventId}: ${merge.reason})`,
    );
  }
  for (const conflict of contact.identityConflicts) {
    const what =
      conflict.identifier === 'phone'
        ? `phone ${conflict.value} is also given by contact ${conflict.otherContactId}`
        : `${conflict.identifier} ${conflict.value} belongs to contact ${conflict.otherContactId}`;
    lines.push(
      `  identity conflict: ${what} (${conflict.eventType} ${conflict.eventId} at ${conflict.at}, applied to ${conflict.appliedTo}; nothing merged or overwritten)`,
    );
  }
  return lines;
}

/** The report as lines for a terminal. */
export function formatWhy(report: WhyReport): string[] {
  const { contact } = report;
  const consent = (channel: Channel) => {
    const c = contact.consent[channel];
    const topics = Object.entries(c?.topics ?? {}).map(
      ([t, r]) => `${t}: ${r.status} (${r.proof.kind}, ${r.at})`,
    );
    return [
      `${channel}: ${c?.channel ? `${c.channel.status} (${c.channel.proof.kind}, ${c.channel.at})` : 'no channel decision'}`,
      ...topics.map((t) => `  ${t}`),
    ];
  };
  const lines = [
    `contact ${contact.contactId}${contact.email ? ` <${contact.email}>` : ''}${contact.phone ? ` ${contact.phone}` : ''}`,
    ...consent('email').map((l) => `  consent ${l}`),
    ...consent('sms').map((l) => `  consent ${l}`),
    ...(contact.consent.voice ? consent('voice').map((l) => `  consent ${l}`) : []),
    ...(['email', 'sms', 'voice'] as const).flatMap((channel) => {
      const s = contact.suppressed[channel];
      return s ? [`  suppressed ${channel}: ${s.reason} since ${s.at}`] : [];
    }),
    ...(report.smsNumber?.status === 'opted_out'
      ? [
          `  sms number ${contact.phone}: opted out (${report.smsNumber.keyword} at ${report.smsNumber.at}); no SMS nor call goes to it, transactional ones included`,
        ]
      : []),
    ...(report.phoneGivenBy
      ? [
          `  phone given by ${report.phoneGivenBy.length} contacts: ${report.phoneGivenBy.join(', ')} (showing the first)`,
        ]
      : []),
    ...identityLines(contact),
    '',
    report.entries.length === 0 ? 'no message attempted yet' : `${report.entries.length} message(s):`,
  ];
  for (const entry of report.entries) {
    lines.push(
      `  ${entry.createdAt}  ${entry.journeyId} / ${entry.stepId}  ${entry.channel}  ${explainEntry(entry)}`,
    );
    for (const version of entry.renderedFrom ?? []) {
      lines.push(`      rendered from ${explainRenderedFrom(version)}`);
    }
  }
  if (report.runs) {
    lines.push('', report.runs.length === 0 ? 'no journey run' : `${report.runs.length} journey run(s):`);
    for (const run of report.runs) {
      lines.push(`  ${run.journeyId}  ${run.status}  ${run.fate}`);
      for (const step of run.history) lines.push(`    ${step.at}  ${step.step}: ${step.what}`);
    }
  }
  return lines;
}
