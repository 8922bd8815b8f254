/**
 * `relance report <journey> [--since DATE]`: the journey's funnel per step from the ledger. Reads
 * the local runtime by default (`--endpoint`), or AWS when `--aws` is given with LEDGER_TABLE set.
 */
import { join } from 'node:path';
import type { JourneyFunnel } from '../../functions/journey-report/funnel.ts';
import { loadLocalApp } from '../../local/aws/template.ts';

export interface ReportOptions {
  readonly projectRoot: string;
  readonly endpoint?: string;
  readonly aws: boolean;
  readonly cdkOut?: string;
  /** ISO date or timestamp: entries created before it are left out. */
  readonly since?: string;
}

function ledgerTable(options: ReportOptions): string {
  if (options.aws) {
    const ledger = process.env.LEDGER_TABLE;
    if (!ledger) throw new Error('with --aws, set LEDGER_TABLE (the RelanceData stack output)');
    return ledger;
  }
  const app = loadLocalApp(
    options.cdkOut ?? join(options.projectRoot, '.relance', 'cdk.out'),
    options.endpoint ?? '',
  );
  const name = app.tables.find((t) => t.logicalId.includes('Ledger'))?.name;
  if (!name) throw new Error('the local template has no ledger table');
  return name;
}

export async function report(journeyId: string, options: ReportOptions): Promise<JourneyFunnel> {
  if (options.since !== undefined && Number.isNaN(Date.parse(options.since)))
    throw new Error(`--since: not a date: ${options.since}`);
  if (!options.aws) {
    process.env.AWS_ENDPOINT_URL = options.endpoint ?? 'http://127.0.0.1:4747';
    process.env.AWS_REGION ??= 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID ??= 'local';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  }
  const table = ledgerTable(options);
  // Imported now: the SDK clients are built after the endpoint is set.
  const { LedgerRepository } = await import('../../functions/delivery/ledger-repository.ts');
  const { journeyFunnel } = await import('../../functions/journey-report/funnel.ts');
  const entries = await new LedgerRepository(table).forJourney(journeyId);
  const since = options.since ? new Date(options.since).toISOString() : undefined;
  return journeyFunnel(entries, journeyId, since);
}
