/**
 * `relance audience <segment>`: who is in a segment now. Scans the deployed contacts table (the
 * local runtime by default, AWS with `--aws`) as an audience pass does, evaluates the segment on
 * each profile, and prints the count and a sample with masked addresses. Reads only.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Contact } from '#catalogue/contact.ts';
import { ENV } from '#platform/env-names.ts';
import { evaluateAll } from '../../functions/segments/membership.ts';
import { loadLocalApp } from '../../local/aws/template.ts';
import { segmentById, segments } from '../../workflows/segments/index.ts';

const DEFAULT_ENDPOINT = 'http://127.0.0.1:4747';
/** Parallel scan segments read at once, and items per page: a page at a time per worker in memory. */
const SCAN = { workers: 4, pageSize: 500 } as const;

/** A mistake in the command line (unknown segment or journey, a missing flag): exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface DeploymentOptions {
  readonly projectRoot: string;
  /** The local runtime's endpoint. @default http://127.0.0.1:4747 */
  readonly endpoint?: string;
  /** The cloud assembly that names the local tables. @default .relance/cdk.out */
  readonly cdkOut?: string;
  /** Read AWS instead: table names and settings from the environment (the stack outputs). */
  readonly aws?: boolean;
}

/** What the deployed functions are configured with (table names, delivery policy...), by variable. */
export interface Deployment {
  readonly variables: Readonly<Record<string, string | undefined>>;
  /** Memory of each function, by handler entry (`functions/journeys/step-handler.ts`); local only. */
  readonly memoryMb: Readonly<Record<string, number>>;
  /** The local runtime's endpoint; absent on AWS. */
  readonly endpoint?: string;
}

/**
 * The deployment to read: the local template's function variables (the same for every function:
 * the local runtime refuses to start otherwise), or this process's environment with `--aws`.
 * Points the SDK at the local runtime before any repository module builds its clients.
 */
export function openDeployment(options: DeploymentOptions): Deployment {
  if (options.aws) return { variables: { ...process.env }, memoryMb: {} };
  const endpoint = options.endpoint ?? DEFAULT_ENDPOINT;
  process.env.AWS_ENDPOINT_URL = endpoint;
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  const app = loadLocalApp(options.cdkOut ?? join(options.projectRoot, '.relance', 'cdk.out'), endpoint);
  return {
    variables: Object.assign({}, ...app.functions.map((fn) => fn.environment)),
    memoryMb: Object.fromEntries(app.functions.map((fn) => [fn.entry, fn.memorySize])),
    endpoint,
  };
}

/** A JSON object given on the command line, or the path of a file holding one; a UsageError naming `option` otherwise. */
export function jsonObjectArgument(value: string, option: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(existsSync(value) ? readFileSync(value, 'utf8') : value);
  } catch {
    throw new UsageError(`${option}: neither a JSON document nor a file holding one: ${value}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new UsageError(`${option}: must be a JSON object`);
  return parsed as Record<string, unknown>;
}

/** A setting of the deployment; throws naming the variable when it is missing. */
export function setting(deployment: Deployment, name: string): string {
  const value = deployment.variables[name];
  if (!value) {
    throw new UsageError(
      deployment.endpoint
        ? `the local template sets no ${name}: synthesize it again (relance dev) or pass --cdk-out`
        : `with --aws, set ${name} (see the stack outputs)`,
    );
  }
  return value;
}

const Status = z.object({ clockMs: z.number() });

/** "Now" for segments: the local runtime's journey time (it may run faster than the wall clock), else the wall clock. */
export async function deploymentNow(deployment: Deployment): Promise<number> {
  if (!deployment.endpoint) return Date.now();
  try {
    const answer = await fetch(`${deployment.endpoint}/_relance/status`, {
      signal: AbortSignal.timeout(2_000),
    });
    const status = Status.safeParse(answer.ok ? await answer.json() : undefined);
    if (status.success) return status.data.clockMs;
  } catch {
    // A runtime without the status page (tests, an older one): its clock is the wall clock.
  }
  return Date.now();
}

/** The segment with this id; a UsageError listing the known ones otherwise. */
export function requireSegment(id: string) {
  const segment = segmentById(id);
  if (!segment) {
    throw new UsageError(`unknown segment "${id}"; known segments: ${segments.map((s) => s.id).join(', ')}`);
  }
  return segment;
}

export interface SegmentScan {
  readonly scanned: number;
  readonly members: number;
  /** Size of the profiles read (JSON), for the read units a scan costs. */
  readonly scannedBytes: number;
}

/**
 * Reads every contact with a parallel scan (all segments of it at once, page by bounded page) and
 * hands the members of each page to `onMembers`; membership is evaluated as audience passes do
 * (every deployed segment, the referenced ones first).
 */
export async function scanSegment(
  contactsTable: string,
  segmentId: string,
  nowMs: number,
  defaultTimezone: string,
  onMembers: (members: Contact[]) => Promise<void> | void,
): Promise<SegmentScan> {
  // Imported now: the SDK clients are built after openDeployment has set the endpoint.
  const { ContactsRepository } = await import('../../functions/contacts/contacts-repository.ts');
  const contacts = new ContactsRepository(contactsTable);
  const totals = { scanned: 0, members: 0, scannedBytes: 0 };
  await Promise.all(
    Array.from({ length: SCAN.workers }, async (_, segment) => {
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await contacts.scanPage({
          segment,
          totalSegments: SCAN.workers,
          startKey,
          limit: SCAN.pageSize,
        });
        const members: Contact[] = [];
        for (const { contact } of page.contacts) {
          totals.scanned++;
          totals.scannedBytes += Buffer.byteLength(JSON.stringify(contact));
          if (evaluateAll(segments, contact, contact.aggregates, nowMs, { defaultTimezone }).has(segmentId))
            members.push(contact);
        }
        totals.members += members.length;
        if (members.length > 0) await onMembers(members);
        startKey = page.nextKey;
      } while (startKey);
    }),
  );
  return totals;
}

/** `ada@example.com` → `a***@example.com`: enough to recognise a contact, not to write to them. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return at < 1 ? '***' : `${email[0]}***${email.slice(at)}`;
}

export interface AudienceMember {
  readonly contactId: string;
  /** Masked. */
  readonly email?: string;
  readonly country?: string;
  /** YYYY-MM-DD. */
  readonly lastOrderAt?: string;
}

export interface AudienceReport {
  readonly segment: { readonly id: string; readonly description: string };
  readonly evaluatedAt: string;
  readonly scanned: number;
  readonly count: number;
  /** The members with the smallest contact ids, so the same audience always shows the same sample. */
  readonly sample: AudienceMember[];
}

export interface AudienceOptions extends DeploymentOptions {
  /** Members to show. @default 10 */
  readonly sample?: number;
  /** The instant to evaluate at. @default the deployment's clock (deploymentNow) */
  readonly nowMs?: number;
}

function memberView(contact: Contact): AudienceMember {
  const lastOrderAt = contact.aggregates.lastOrderAt ?? contact.stats.lastOrderAt;
  return {
    contactId: contact.contactId,
    ...(contact.email ? { email: maskEmail(contact.email) } : {}),
    ...(contact.country ? { country: contact.country } : {}),
    ...(lastOrderAt ? { lastOrderAt: lastOrderAt.slice(0, 10) } : {}),
  };
}

/** Counts the members of a segment and picks a sample; throws UsageError for an unknown segment. */
export async function audience(segmentId: string, options: AudienceOptions): Promise<AudienceReport> {
  const segment = requireSegment(segmentId);
  const size = options.sample ?? 10;
  const deployment = openDeployment(options);
  const contactsTable = setting(deployment, ENV.contactsTable);
  const nowMs = options.nowMs ?? (await deploymentNow(deployment));
  const defaultTimezone = deployment.variables[ENV.defaultTimezone] ?? 'UTC';
  let sample: Contact[] = [];
  const byId = (a: Contact, b: Contact) =>
    a.contactId < b.contactId ? -1 : a.contactId > b.contactId ? 1 : 0;
  const scan = await scanSegment(contactsTable, segment.id, nowMs, defaultTimezone, (members) => {
    sample.push(...members);
    // Sorted and cut only now and then, so a large audience costs no more than a sort per page.
    if (sample.length > 2 * size + 500) sample = sample.sort(byId).slice(0, size);
  });
  return {
    segment: { id: segment.id, description: segment.description },
    evaluatedAt: new Date(nowMs).toISOString(),
    scanned: scan.scanned,
    count: scan.members,
    sample: sample.sort(byId).slice(0, size).map(memberView),
  };
}

/** The report as lines for a terminal. */
export function formatAudience(report: AudienceReport): string[] {
  const lines = [
    `segment ${report.segment.id}: ${report.segment.description}`,
    `${report.count} member(s) of ${report.scanned} contact(s) scanned, evaluated at ${report.evaluatedAt}`,
  ];
  if (report.sample.length === 0) return lines;
  const rows = [
    ['contactId', 'e-mail', 'country', 'last order'],
    ...report.sample.map((m) => [m.contactId, m.email ?? '-', m.country ?? '-', m.lastOrderAt ?? '-']),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => row[i]?.length ?? 0))) ?? [];
  lines.push(`sample of ${report.sample.length}:`);
  for (const row of rows)
    lines.push(
      `  ${row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd()}`,
    );
  return lines;
}
