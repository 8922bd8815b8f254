#!/usr/bin/env -S npx tsx
/**
 * The relance command line, on commander: `relance --help`, `relance <command> --help`.
 *   relance dev [--port 4747] [--time-scale 720] [--max-backlog 2000] [--memory] [--no-demo] [--cdk-out DIR]
 *   relance simulate <journey> --events <file.json>
 *   relance why <email|phone|contactId> [--endpoint URL] [--cdk-out DIR] [--aws] [--json]
 *   relance preview <template> --contact <email|id|file> [--locale L] [--trigger JSON|FILE] [--marketing] [--html FILE] [--json]
 *   relance send-test <journey>/<step> --to <address> [--contact <email|id|file>] [--trigger JSON|FILE] [--json]
 *   relance report <journey> [--since DATE] [--version V] [--window-days N] [--endpoint URL] [--cdk-out DIR] [--aws] [--json]
 *   relance audience <segment> [--sample N] [--endpoint URL] [--cdk-out DIR] [--aws] [--json]
 *   relance campaign <journey> --dry-run [--endpoint URL] [--cdk-out DIR] [--sms-price USD] [--json]
 *   relance cost [--json]
 *   relance journeys diff [journey] [--endpoint URL] [--cdk-out DIR] [--aws] [--json]
 *   relance journeys record
 * A mistake in the command line exits 2 with the command's usage; a failure exits 1.
 * Each command imports its module only when it runs, so help and usage errors load nothing else.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';

const projectRoot = resolve(import.meta.dirname, '..');
/** The port `relance dev` listens on, and the other commands find it at, without RELANCE_PORT. */
const DEFAULT_PORT = 4747;

const print = (lines: readonly string[]) => {
  for (const line of lines) process.stdout.write(`${line}\n`);
};
const printJson = (document: unknown) => process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);

// Argument parsers: a bad value is a usage error (exit 2, with the command's usage).
function nonNegative(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new InvalidArgumentError('Expected a non-negative number.');
  return n;
}
function positive(value: string): number {
  const n = nonNegative(value);
  if (n === 0) throw new InvalidArgumentError('Expected a positive number.');
  return n;
}
function count(value: string): number {
  const n = nonNegative(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('Expected a whole number.');
  return n;
}
function port(value: string): number {
  const n = count(value);
  if (n > 65_535) throw new InvalidArgumentError('Expected a port number (0 to 65535).');
  return n;
}
function url(value: string): string {
  if (!URL.canParse(value)) throw new InvalidArgumentError('Expected a URL such as http://127.0.0.1:4747.');
  return value;
}

interface LocalFlags {
  readonly endpoint: string;
  readonly cdkOut?: string;
  readonly aws?: boolean;
}

/** RELANCE_PORT: where `relance dev` listens, and where the other commands find it. */
function envPort(command: Command): number | undefined {
  const value = process.env.RELANCE_PORT;
  if (value === undefined) return undefined;
  try {
    return port(value);
  } catch {
    command.error(`error: RELANCE_PORT must be a port number (0 to 65535), got "${value}"`, { exitCode: 2 });
  }
}

/** The default of an option that RELANCE_PORT sets, as help shows it. */
function fromEnvPort(rendered: string): string | undefined {
  return process.env.RELANCE_PORT === undefined ? undefined : `${rendered}, from RELANCE_PORT`;
}

/** --endpoint: the running local runtime, at RELANCE_PORT when it is set. */
function endpointOption(): Option {
  const fallback = `http://127.0.0.1:${process.env.RELANCE_PORT ?? DEFAULT_PORT}`;
  return new Option(
    '--endpoint <url>',
    'URL of the running local runtime, relance dev (RELANCE_PORT sets the default port)',
  )
    .default(fallback, fromEnvPort(JSON.stringify(fallback)))
    .argParser(url);
}

/** What the local-runtime commands pass on: the endpoint (RELANCE_PORT checked), the cloud assembly, --aws. */
function deploymentOf(flags: LocalFlags, command: Command) {
  if (!flags.aws && command.getOptionValueSource('endpoint') === 'default') envPort(command);
  return {
    projectRoot,
    endpoint: flags.endpoint,
    aws: flags.aws ?? false,
    ...(flags.cdkOut ? { cdkOut: resolve(flags.cdkOut) } : {}),
  };
}

async function devCommand(
  flags: {
    port: number;
    timeScale: number;
    maxBacklog?: number;
    memory?: boolean;
    demo: boolean;
    cdkOut?: string;
  },
  command: Command,
): Promise<void> {
  const portFromEnv = command.getOptionValueSource('port') === 'default' ? envPort(command) : undefined;
  const { dev } = await import('../local/dev/dev.ts');
  await dev({
    projectRoot,
    port: portFromEnv ?? flags.port,
    timeScale: flags.timeScale,
    ...(flags.maxBacklog === undefined ? {} : { maxBacklog: flags.maxBacklog }),
    memory: flags.memory ?? false,
    demo: flags.demo,
    apiKey: process.env.RELANCE_API_KEY ?? 'local-dev-key',
    ...(flags.cdkOut ? { cdkOut: resolve(flags.cdkOut) } : {}),
  });
}

async function simulateCommand(journeyId: string, flags: { events: string }): Promise<void> {
  const { readFileSync } = await import('node:fs');
  const { formatOffset, simulateJourney } = await import('../local/dev/simulate.ts');
  const input: unknown = JSON.parse(readFileSync(resolve(flags.events), 'utf8'));
  const timeline = await simulateJourney(
    journeyId,
    Array.isArray(input) ? { events: input } : (input as never),
    { projectRoot },
  );
  print([
    `simulation of ${journeyId} (nothing is sent)`,
    ...timeline.map((entry) => `  ${formatOffset(entry.offsetMs)}  ${entry.kind.padEnd(11)} ${entry.text}`),
  ]);
}

async function whyCommand(
  subject: string,
  flags: LocalFlags & { json?: boolean },
  command: Command,
): Promise<void> {
  const options = deploymentOf(flags, command);
  const { formatWhy, why, whyDocument } = await import('./cli/why.ts');
  const report = await why(subject, options);
  if (!report) {
    process.stderr.write(`no contact found for ${subject}\n`);
    process.exitCode = 1;
    return;
  }
  if (flags.json) printJson(whyDocument(report));
  else print(formatWhy(report));
}

async function previewCommand(
  templateId: string,
  flags: LocalFlags & {
    contact: string;
    locale?: string;
    trigger?: string;
    marketing?: boolean;
    html?: string;
    json?: boolean;
  },
  command: Command,
): Promise<void> {
  const { preview, formatPreview } = await import('./cli/preview.ts');
  const document = await preview(templateId, {
    ...deploymentOf(flags, command),
    contact: flags.contact,
    ...(flags.locale ? { locale: flags.locale } : {}),
    ...(flags.trigger ? { trigger: flags.trigger } : {}),
    ...(flags.marketing ? { marketing: true } : {}),
  });
  const htmlFile = flags.html ? resolve(flags.html) : undefined;
  if (htmlFile && 'html' in document.preview) writeFileSync(htmlFile, document.preview.html);
  if (flags.json) printJson(document);
  else print(formatPreview(document, htmlFile && 'html' in document.preview ? htmlFile : undefined));
}

async function sendTestCommand(
  target: string,
  flags: LocalFlags & { to: string; contact?: string; trigger?: string; json?: boolean },
  command: Command,
): Promise<void> {
  const { sendTest, formatSendTest } = await import('./cli/send-test.ts');
  const result = await sendTest(target, {
    ...deploymentOf(flags, command),
    to: flags.to,
    ...(flags.contact ? { contact: flags.contact } : {}),
    ...(flags.trigger ? { trigger: flags.trigger } : {}),
  });
  if (flags.json) printJson(result);
  else print(formatSendTest(result));
  if (result.outcome.status !== 'sent') process.exitCode = 1;
}

async function reportCommand(
  journeyId: string,
  flags: LocalFlags & {
    since?: string;
    version?: string;
    windowDays: number;
    recount?: boolean;
    json?: boolean;
  },
  command: Command,
): Promise<void> {
  const { report, formatReport } = await import('./cli/report.ts');
  const journeyReport = await report(journeyId, {
    ...deploymentOf(flags, command),
    ...(flags.since ? { since: flags.since } : {}),
    ...(flags.version ? { version: flags.version } : {}),
    windowDays: flags.windowDays,
    ...(flags.recount ? { recount: true } : {}),
  });
  if (flags.json) printJson(journeyReport);
  else print(formatReport(journeyReport));
}

async function audienceCommand(
  segment: string,
  flags: LocalFlags & { sample: number; json?: boolean },
  command: Command,
): Promise<void> {
  const options = { ...deploymentOf(flags, command), sample: flags.sample };
  const { audience, formatAudience } = await import('./cli/audience.ts');
  const report = await audience(segment, options);
  if (flags.json) printJson(report);
  else print(formatAudience(report));
}

async function campaignCommand(
  journeyId: string,
  flags: LocalFlags & { dryRun?: boolean; smsPrice?: number; json?: boolean },
  command: Command,
): Promise<void> {
  const options = {
    ...deploymentOf(flags, command),
    dryRun: flags.dryRun ?? false,
    ...(flags.smsPrice === undefined ? {} : { smsPrice: flags.smsPrice }),
  };
  const { campaign, formatCampaign } = await import('./cli/campaign.ts');
  const forecast = await campaign(journeyId, options);
  if (flags.json) printJson(forecast);
  else print(formatCampaign(forecast));
}

async function costCommand(flags: { json?: boolean }): Promise<void> {
  const { costDocument, measureJourneyCosts, printCostReport } = await import('./cli/cost.ts');
  const results = await measureJourneyCosts(projectRoot);
  const document = costDocument(results);
  if (flags.json) printJson(document);
  else printCostReport(results, (line) => process.stdout.write(`${line}\n`));
  process.exitCode = document.target.met ? 0 : 1;
}

async function journeysDiffCommand(
  journey: string | undefined,
  flags: LocalFlags & { json?: boolean },
  command: Command,
): Promise<void> {
  const options = deploymentOf(flags, command);
  // Runs are counted when a deployment to read is named: --aws, --endpoint, or RELANCE_PORT.
  const countRuns =
    options.aws ||
    command.getOptionValueSource('endpoint') !== 'default' ||
    process.env.RELANCE_PORT !== undefined;
  const { formatJourneysDiff, journeysDiff } = await import('./cli/journeys.ts');
  const report = await journeysDiff({ ...options, countRuns, ...(journey ? { journey } : {}) });
  if (flags.json) printJson(report);
  else print(formatJourneysDiff(report));
}

async function journeysRecordCommand(flags: { json?: boolean }): Promise<void> {
  const { journeysRecord } = await import('./cli/journeys.ts');
  const recorded = journeysRecord();
  if (flags.json) printJson({ recorded });
  else
    print(
      recorded.length === 0
        ? ['every journey version is already recorded in workflows/versions/']
        : [
            ...recorded.map((v) => `recorded ${v.journeyId} version ${v.version} (#${v.seq})`),
            'commit workflows/versions/ with the change: the next deploy keeps these versions for the runs on them',
          ],
    );
}

const cdkOutOption = () =>
  new Option('--cdk-out <dir>', 'cloud assembly that names the local resources (default: .relance/cdk.out)');
const jsonOption = () => new Option('--json', 'print the report as one JSON document');

function program(): Command {
  const relance = new Command('relance')
    .description('Serverless marketing automation on AWS: journeys as code, and a local runtime to run them.')
    .usage('<command> [options]')
    .exitOverride()
    .showHelpAfterError();

  relance
    .command('dev')
    .description('run the whole system locally: every AWS service on one port, the web page and the demo')
    .addOption(
      new Option('--port <n>', 'port to listen on (RELANCE_PORT sets the default)')
        .default(DEFAULT_PORT, fromEnvPort(process.env.RELANCE_PORT ?? ''))
        .argParser(port),
    )
    .addOption(
      new Option('--time-scale <n>', 'journey time runs N times faster than real time')
        .default(720)
        .argParser(nonNegative),
    )
    .addOption(
      new Option(
        '--max-backlog <n>',
        'deliveries, executions and invocations in flight before POST /events answers 429 and PutEvents ThrottlingException (default 2000)',
      ).argParser(count),
    )
    .option('--memory', 'keep nothing (no data under .relance/)')
    .option('--no-demo', 'start empty, without the demo scenario')
    .option(
      '--cdk-out <dir>',
      'run this cloud assembly instead of synthesizing the app into .relance/cdk.out',
    )
    .action(devCommand);

  relance
    .command('simulate')
    .description('run one journey on a virtual clock with the events of a file; nothing is sent')
    .argument('<journey>', 'journey id')
    .requiredOption(
      '--events <file>',
      'JSON file: an array of events ({ at, type, detail }), or { start, events, runFor }',
    )
    .action(simulateCommand);

  relance
    .command('why')
    .description(
      'what relance sent a contact, what it did not send, and why (the ledger, consent, suppressions)',
    )
    .argument('<contact>', 'e-mail address, phone number or contact id')
    .addOption(endpointOption())
    .addOption(cdkOutOption())
    .option('--aws', 'read AWS instead: CONTACTS_TABLE and LEDGER_TABLE from the environment')
    .addOption(jsonOption())
    .action(whyCommand);

  relance
    .command('preview')
    .description(
      'a template rendered for a contact with their real data, as the send path renders it: subject, text and HTML, SMS parts and encoding, or the call script; sends nothing',
    )
    .argument('<template>', 'template id')
    .requiredOption('--contact <contact>', 'e-mail address or contact id, or a JSON file holding a contact')
    .option('--locale <locale>', "render this locale's variant instead of the contact's")
    .option('--trigger <json>', 'the trigger detail the template reads: a JSON object, or a file holding one')
    .option('--marketing', 'render as a marketing e-mail (footer with the preference link)')
    .option('--html <file>', "write an e-mail's HTML to this file instead of printing it")
    .addOption(endpointOption())
    .addOption(cdkOutOption())
    .option('--aws', 'read AWS instead: CONTACTS_TABLE, BRAND and DEFAULT_TIMEZONE from the environment')
    .addOption(jsonOption())
    .action(previewCommand);

  relance
    .command('send-test')
    .description(
      "sends a send step's message through the real send path to an address on the deployment's test list, rendered with a contact's data; recorded in the ledger as a test, never counted",
    )
    .argument('<journey/step>', 'the send step, as journey/step (abandoned-cart/first-reminder)')
    .requiredOption('--to <address>', "an e-mail address or E.164 number on the deployment's test list")
    .option('--contact <contact>', 'whose data renders it: e-mail address or contact id, or a JSON file')
    .option('--trigger <json>', 'the trigger detail the template reads: a JSON object, or a file holding one')
    .addOption(endpointOption())
    .addOption(cdkOutOption())
    .option('--aws', "send in AWS instead: the journey-step function's variables from the environment")
    .addOption(jsonOption())
    .action(sendTestCommand);

  relance
    .command('report')
    .description(
      "did a journey work: its runs, conversions treated vs holdout with the uplift's 95% interval, the funnel per step (sent, skipped by reason, delivered, opened...) from the journey's counters, and the period's cost",
    )
    .argument('<journey>', 'journey id')
    .option('--since <date>', 'only runs started and messages attempted from this UTC day (ISO date)')
    .option('--version <version>', 'only the runs on this journey version, and their messages')
    .addOption(
      new Option(
        '--window-days <n>',
        "days after a run starts its contact's goal event counts as a conversion (7: as counted; another: recounted from the event history)",
      )
        .default(7)
        .argParser(positive),
    )
    .option('--recount', "recount conversions from the contacts' event history instead of the counters")
    .addOption(endpointOption())
    .addOption(cdkOutOption())
    .option(
      '--aws',
      'read AWS instead: LEDGER_TABLE, JOURNEY_STATE_TABLE and EVENTS_TABLE from the environment',
    )
    .addOption(jsonOption())
    .action(reportCommand);

  relance
    .command('audience')
    .description('who is in a segment now: the count and a sample with masked addresses; reads only')
    .argument('<segment>', 'segment id')
    .addOption(new Option('--sample <n>', 'members to show').default(10).argParser(count))
    .addOption(endpointOption())
    .addOption(cdkOutOption())
    .option('--aws', 'read AWS instead: table names and settings from the environment (the stack outputs)')
    .addOption(jsonOption())
    .action(audienceCommand);

  relance
    .command('campaign')
    .description('what the next audience pass of a scheduled journey would send, and its cost; sends nothing')
    .argument('<journey>', 'scheduled journey id')
    .option('--dry-run', 'forecast without sending (required: passes run on their schedule)')
    .addOption(endpointOption())
    .addOption(cdkOutOption())
    .addOption(
      new Option(
        '--sms-price <usd>',
        'price of one SMS part in USD (default: 0.0085, roughly a US long-code message)',
      ).argParser(nonNegative),
    )
    .addOption(jsonOption())
    .action(campaignCommand);

  const journeys = relance
    .command('journeys')
    .description('journey versions: what changed since the deployed versions, and recording them')
    .usage('<command> [options]');
  journeys
    .command('diff')
    .description(
      'steps and templates changed between the deployed journey versions and the working tree, the in-flight policy’s effect, and (with --endpoint or --aws) the runs waiting at each affected step',
    )
    .argument('[journey]', 'journey id (default: every journey)')
    .addOption(endpointOption())
    .addOption(cdkOutOption())
    .option('--aws', 'read the deployed state machines (STACK_NAME, default Relance) and JOURNEY_STATE_TABLE')
    .addOption(jsonOption())
    .action(journeysDiffCommand);
  journeys
    .command('record')
    .description('record the working tree’s journey versions in workflows/versions/ (cdk synth does it too)')
    .addOption(jsonOption())
    .action(journeysRecordCommand);

  relance
    .command('cost')
    .description('cost per million runs of each reference journey, measured on the local runtime')
    .addOption(jsonOption())
    .action(costCommand);

  return relance;
}

try {
  await program().parseAsync();
} catch (error: unknown) {
  if (error instanceof CommanderError) {
    // Commander has printed the help, or the error with the command's usage.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    process.stderr.write(`relance: ${error instanceof Error ? error.message : String(error)}\n`);
    // A mistake in the command line found by a command (unknown segment or journey, no --dry-run): 2.
    process.exit(error instanceof Error && error.name === 'UsageError' ? 2 : 1);
  }
}
