#!/usr/bin/env -S npx tsx
/**
 * The relance command line.
 *   relance dev [--port 4747] [--time-scale 720] [--memory] [--no-demo] [--cdk-out DIR]
 *   relance simulate <journey> --events <file.json>
 *   relance why <email|phone|contactId> [--endpoint URL]
 *   relance audience <segment> [--sample N] [--endpoint URL] [--cdk-out DIR] [--aws]
 *   relance campaign <journey> --dry-run [--endpoint URL] [--cdk-out DIR] [--sms-price USD]
 *   relance cost
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

const projectRoot = resolve(import.meta.dirname, '..');

function usage(): never {
  process.stderr.write(
    [
      'usage: relance <command>',
      '  dev [--port N] [--time-scale N] [--memory] [--no-demo]   run the whole system locally',
      '  simulate <journey> --events <file>                        run one journey on a virtual clock',
      '  why <email|phone|contactId> [--endpoint URL]              what was sent to a contact, and why',
      '  audience <segment> [--sample N] [--endpoint URL] [--aws]   who is in a segment now, with a sample',
      '  campaign <journey> --dry-run [--endpoint URL]             what the next pass of a scheduled journey would send, and cost',
      '  cost                                                      cost per million runs of each journey',
      '',
    ].join('\n'),
  );
  process.exit(2);
}

function positiveNumber(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) {
    process.stderr.write(`${name} must be a number, got "${value}"\n`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case 'dev': {
      const { values } = parseArgs({
        args: rest,
        options: {
          port: { type: 'string' },
          'time-scale': { type: 'string' },
          memory: { type: 'boolean', default: false },
          'no-demo': { type: 'boolean', default: false },
          'cdk-out': { type: 'string' },
        },
      });
      const { dev } = await import('../local/dev/dev.ts');
      await dev({
        projectRoot,
        port: positiveNumber(values.port ?? process.env.RELANCE_PORT, '--port', 4747),
        timeScale: positiveNumber(values['time-scale'], '--time-scale', 720),
        memory: values.memory ?? false,
        demo: !(values['no-demo'] ?? false),
        apiKey: process.env.RELANCE_API_KEY ?? 'local-dev-key',
        ...(values['cdk-out'] ? { cdkOut: resolve(values['cdk-out']) } : {}),
      });
      return;
    }
    case 'simulate': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { events: { type: 'string' } },
      });
      const journeyId = positionals[0];
      if (!journeyId || !values.events) usage();
      const { readFileSync } = await import('node:fs');
      const { formatOffset, simulateJourney } = await import('../local/dev/simulate.ts');
      const input: unknown = JSON.parse(readFileSync(resolve(values.events), 'utf8'));
      const timeline = await simulateJourney(
        journeyId,
        Array.isArray(input) ? { events: input } : (input as never),
        { projectRoot },
      );
      process.stdout.write(`simulation of ${journeyId} (nothing is sent)\n`);
      for (const entry of timeline)
        process.stdout.write(`  ${formatOffset(entry.offsetMs)}  ${entry.kind.padEnd(11)} ${entry.text}\n`);
      return;
    }
    case 'why': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { endpoint: { type: 'string' }, aws: { type: 'boolean', default: false } },
      });
      const subject = positionals[0];
      if (!subject) usage();
      const { formatWhy, why } = await import('./cli/why.ts');
      const report = await why(subject, {
        projectRoot,
        aws: values.aws ?? false,
        ...(values.endpoint ? { endpoint: values.endpoint } : {}),
      });
      if (!report) {
        process.stderr.write(`no contact found for ${subject}\n`);
        process.exitCode = 1;
        return;
      }
      for (const line of formatWhy(report)) process.stdout.write(`${line}\n`);
      return;
    }
    case 'audience': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          sample: { type: 'string' },
          endpoint: { type: 'string' },
          'cdk-out': { type: 'string' },
          aws: { type: 'boolean', default: false },
        },
      });
      const segment = positionals[0];
      if (!segment) usage();
      const { audience, formatAudience } = await import('./cli/audience.ts');
      const report = await audience(segment, {
        projectRoot,
        sample: positiveNumber(values.sample, '--sample', 10),
        aws: values.aws ?? false,
        ...(values.endpoint ? { endpoint: values.endpoint } : {}),
        ...(values['cdk-out'] ? { cdkOut: resolve(values['cdk-out']) } : {}),
      });
      for (const line of formatAudience(report)) process.stdout.write(`${line}\n`);
      return;
    }
    case 'campaign': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          'dry-run': { type: 'boolean', default: false },
          endpoint: { type: 'string' },
          'cdk-out': { type: 'string' },
          'sms-price': { type: 'string' },
        },
      });
      const journeyId = positionals[0];
      if (!journeyId) usage();
      const { campaign, DEFAULT_SMS_PRICE, formatCampaign } = await import('./cli/campaign.ts');
      const forecast = await campaign(journeyId, {
        projectRoot,
        dryRun: values['dry-run'] ?? false,
        smsPrice: positiveNumber(values['sms-price'], '--sms-price', DEFAULT_SMS_PRICE),
        ...(values.endpoint ? { endpoint: values.endpoint } : {}),
        ...(values['cdk-out'] ? { cdkOut: resolve(values['cdk-out']) } : {}),
      });
      for (const line of formatCampaign(forecast)) process.stdout.write(`${line}\n`);
      return;
    }
    case 'cost': {
      const { measureJourneyCosts, printCostReport } = await import('./cli/cost.ts');
      const results = await measureJourneyCosts(projectRoot);
      const ok = printCostReport(results, (line) => process.stdout.write(`${line}\n`));
      process.exitCode = ok ? 0 : 1;
      return;
    }
    default:
      usage();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`relance: ${error instanceof Error ? error.message : String(error)}\n`);
  // A mistake in the command line (unknown segment or journey, no --dry-run) exits 2, like usage().
  process.exit(error instanceof Error && error.name === 'UsageError' ? 2 : 1);
});
