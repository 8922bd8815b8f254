// The relance command line as a user runs it: help for every command, usage errors exit 2 with the
// command's usage, RELANCE_PORT as the endpoint's default; help and usage errors load no command module
// (help-loads-nothing.ts fails any such import). And the JSON documents of why and cost.
import { describe, expect, it } from 'vitest';
import { Contact } from '#catalogue/contact.ts';
import type { JourneyCost } from '../../bin/cli/cost.ts';
import { costDocument, costTarget, printCostReport } from '../../bin/cli/cost.ts';
import { costOf, declaredLambdaGbSeconds, ZERO_USAGE } from '../../bin/cli/cost-model.ts';
import { formatWhy, whyDocument } from '../../bin/cli/why.ts';
import type { LedgerEntry } from '../../functions/delivery/ledger.ts';
import { relance } from './relance.ts';

/** Help as one line: commander wraps it to the terminal's width. */
const flat = (text: string) => text.replace(/\s+/g, ' ');

describe('relance --help', () => {
  it('lists the commands and exits 0', async () => {
    // Act
    const { code, stdout } = await relance(['--help'], { loadsNothing: true });

    // Assess
    expect(code).toBe(0);
    for (const command of ['dev', 'simulate', 'why', 'report', 'audience', 'campaign', 'cost'])
      expect(stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
  });

  it.each([
    [
      'why',
      ['<contact>', '--endpoint <url>', '(default: "http://127.0.0.1:4747")', '--cdk-out', '--aws', '--json'],
    ],
    ['report', ['<journey>', '--since <date>', '--endpoint <url>', '--aws', '--json']],
    [
      'audience',
      ['<segment>', '--sample <n> members to show (default: 10)', '--endpoint <url>', '--aws', '--json'],
    ],
    ['simulate', ['<journey>', '--events <file>']],
    ['campaign', ['<journey>', '--dry-run', '--endpoint <url>', '--sms-price <usd>', '--json']],
    ['cost', ['--json']],
    ['dev', ['--port <n>', '(default: 4747)', '--time-scale <n>', '(default: 720)', '--memory', '--no-demo']],
  ])('relance %s --help prints its usage and exits 0', async (command, expected) => {
    // Act
    const { code, stdout } = await relance([command, '--help'], { loadsNothing: true });

    // Assess
    expect(code).toBe(0);
    expect(stdout).toContain(`Usage: relance ${command} [options]`);
    for (const text of expected) expect(flat(stdout)).toContain(text);
  });

  it('shows the SMS price campaign uses when --sms-price is not given', async () => {
    // Arrange
    const { DEFAULT_SMS_PRICE } = await import('../../bin/cli/campaign.ts');

    // Act
    const { stdout } = await relance(['campaign', '--help'], { loadsNothing: true });

    // Assess
    expect(flat(stdout)).toContain(`(default: ${DEFAULT_SMS_PRICE},`);
  });

  it('takes the endpoint and the port from RELANCE_PORT', async () => {
    // Act
    const why = await relance(['why', '--help'], { env: { RELANCE_PORT: '5123' }, loadsNothing: true });
    const dev = await relance(['dev', '--help'], { env: { RELANCE_PORT: '5123' }, loadsNothing: true });

    // Assess
    expect(flat(why.stdout)).toContain('(default: "http://127.0.0.1:5123", from RELANCE_PORT)');
    expect(flat(dev.stdout)).toContain('(default: 5123, from RELANCE_PORT)');
  });
});

describe('relance usage errors', () => {
  it.each([
    [['why', '--bogus'], "unknown option '--bogus'", 'why'],
    [['audience'], "missing required argument 'segment'", 'audience'],
    [['audience', 'lapsed-90', '--sample', 'ten'], "argument 'ten' is invalid", 'audience'],
    [['campaign', 'win-back', '--dry-run', '--sms-price', '-1'], "argument '-1' is invalid", 'campaign'],
    [['dev', '--port', '99999'], "argument '99999' is invalid", 'dev'],
    [['simulate', 'welcome'], "required option '--events <file>' not specified", 'simulate'],
    [['why', 'a@example.com', 'b@example.com'], 'too many arguments', 'why'],
  ])('relance %j exits 2 with the error and the command usage', async (args, error, command) => {
    // Act
    const { code, stdout, stderr } = await relance(args, { loadsNothing: true });

    // Assess
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(error);
    expect(stderr).toContain(`Usage: relance ${command} [options]`);
  });

  it('refuses an unknown command with the list of commands', async () => {
    // Act
    const { code, stderr } = await relance(['nope'], { loadsNothing: true });

    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain("unknown command 'nope'");
    expect(stderr).toContain('Usage: relance <command> [options]');
  });

  it('prints the commands on stderr and exits 2 without a command', async () => {
    // Act
    const { code, stdout, stderr } = await relance([], { loadsNothing: true });

    // Assess
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^ {2}audience /m);
  });

  it('refuses a RELANCE_PORT that is not a port before reading anything', async () => {
    // Act
    const { code, stderr } = await relance(['audience', 'lapsed-90'], {
      env: { RELANCE_PORT: 'abc' },
      loadsNothing: true,
    });

    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain('RELANCE_PORT must be a port number (0 to 65535), got "abc"');
  });

  it('exits 2 on a UsageError from a command, 1 on any other failure', async () => {
    // Act
    const unknown = await relance(['audience', 'lapsed-9']);
    const noTables = await relance(['why', 'ada@example.com', '--aws'], {
      env: { CONTACTS_TABLE: '', LEDGER_TABLE: '' },
    });

    // Assess
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^relance: unknown segment "lapsed-9"; known segments: /);
    expect(noTables.code).toBe(1);
    expect(noTables.stderr).toBe(
      'relance: with --aws, set CONTACTS_TABLE and LEDGER_TABLE (the RelanceData stack outputs)\n',
    );
  });
});

describe('relance why --json', () => {
  it('is the contact and its ledger entries, each with the sentence the text shows', () => {
    // Arrange
    const contact = Contact.parse({
      contactId: 'c-1',
      email: 'ada@example.com',
      createdAt: '2026-03-01T00:00:00.000Z',
      updatedAt: '2026-03-01T00:00:00.000Z',
    });
    const entry: LedgerEntry = {
      ledgerKey: 'k-1',
      contactId: 'c-1',
      journeyId: 'welcome',
      runKey: 'r-1',
      gen: 0,
      stepId: 'welcome-email',
      channel: 'email',
      template: 'welcome',
      category: 'marketing',
      status: 'sent',
      createdAt: '2026-03-01T00:00:01.000Z',
      updatedAt: '2026-03-01T00:00:02.000Z',
      subject: 'Welcome, Ada',
    };

    // Act
    const document = JSON.parse(JSON.stringify(whyDocument({ contact, entries: [entry] })));

    // Assess
    expect(document).toEqual({ contact, entries: [{ ...entry, explanation: 'sent “Welcome, Ada”' }] });
    expect(formatWhy({ contact, entries: [entry] }).at(-1)).toContain('sent “Welcome, Ada”');
  });
});

describe('relance cost --json', () => {
  const breakdown = (total: number) => ({
    lambda: 0,
    stepFunctions: total,
    eventBridge: 0,
    scheduler: 0,
    dynamoDb: 0,
    dynamoStorage: 0,
    logs: 0,
    xray: 0,
    total,
    messageFees: 0,
  });
  const journey = (journeyId: string, entryTotal: number): JourneyCost => ({
    journeyId,
    typical: 'a typical run',
    perRun: ZERO_USAGE,
    perMillionRuns: breakdown(entryTotal / 2),
    ingestPerEvent: ZERO_USAGE,
    ingestPerMillionEvents: breakdown(entryTotal / 2),
    perEntry: ZERO_USAGE,
    perMillionEntries: breakdown(entryTotal),
  });
  const feedback = { perMessage: ZERO_USAGE, perMillionMessages: breakdown(0) };

  it('is the measurements with the target on the whole entry, met as the text report says', () => {
    // Arrange
    const results = { journeys: [journey('welcome', 20), journey('abandoned-cart', 12.5)], feedback };
    const lines: string[] = [];

    // Act
    const document = costDocument(results);
    const ok = printCostReport(results, (line) => lines.push(line));

    // Assess
    expect(document).toEqual({
      ...results,
      target: {
        journeyId: 'abandoned-cart',
        maxPerMillionEntries: 15,
        perMillionEntries: 12.5,
        otherThanDynamoDbPerMillionEntries: 12.5,
        met: true,
      },
    });
    expect(ok).toBe(true);
    expect(lines.at(-1)).toBe(
      'target: an abandoned-cart entry at or under $15.00 per million, message fees apart — $12.50 ✓',
    );
    // Each billed item has its line, and the SES fees their own.
    const cart = lines.join('\n');
    for (const item of ['DynamoDB storage and PITR', 'CloudWatch Logs', 'X-Ray', 'SES fees', 'API Gateway'])
      expect(cart).toContain(item);
  });

  it('adds the ingest of events no journey starts on, each with its line', () => {
    // Arrange
    const pageView = {
      type: 'page.viewed',
      typical: 'a known contact views a page',
      perEvent: ZERO_USAGE,
      perMillionEvents: breakdown(4.74),
    };
    const results = { journeys: [journey('abandoned-cart', 12.5)], feedback, events: [pageView] };
    const lines: string[] = [];

    // Act
    const document = costDocument(results);
    printCostReport(results, (line) => lines.push(line));

    // Assess
    expect(document.events).toEqual([pageView]);
    expect(lines).toContain('page.viewed — a known contact views a page');
    expect(lines.some((line) => line.startsWith('  its ingest, per million: $4.74'))).toBe(true);
  });

  it("prints a run's write units by table and request, largest first, when measured", () => {
    // Arrange
    const cart = {
      ...journey('abandoned-cart', 12.5),
      writeUnitsPerRun: { 'JourneyState TransactWriteItems': 8, 'Ledger PutItem': 4, 'Ledger index': 2 },
    };
    const lines: string[] = [];

    // Act
    printCostReport({ journeys: [cart, journey('welcome', 20)], feedback }, (line) => lines.push(line));

    // Assess: the measured journey has the line, the other none.
    expect(lines.filter((line) => line.includes('write units by table'))).toEqual([
      "  the run's write units by table and request: JourneyState TransactWriteItems 8, Ledger PutItem 4, Ledger index 2",
    ]);
  });

  it("prices a trigger posted to POST /events with API Gateway's requests and the HTTP function, as measured", () => {
    // Arrange
    const http = { apiGateway: 3.5, httpFunction: 0.45, total: 3.95 };
    const measured: string[] = [];
    const unmeasured: string[] = [];

    // Act
    printCostReport({ journeys: [journey('abandoned-cart', 12.5)], feedback, http }, (line) =>
      measured.push(line),
    );
    printCostReport({ journeys: [journey('abandoned-cart', 12.5)], feedback }, (line) =>
      unmeasured.push(line),
    );

    // Assess
    expect(costDocument({ journeys: [], feedback, http }).http).toEqual(http);
    expect(measured).toContain(
      '  if producers POST /events through API Gateway: +$3.95 per million entries (API Gateway $3.50, the HTTP function $0.45)',
    );
    expect(unmeasured).toContain(
      '  if producers POST /events through API Gateway: +$3.50 per million entries',
    );
  });

  it("splits an entry into DynamoDB's part and every other service's, and says when the others alone pass the target", () => {
    // Arrange: an entry of $40, of which DynamoDB $22 (requests 16, storage 6); the others $18.
    const entry = {
      ...breakdown(40),
      stepFunctions: 4,
      lambda: 6,
      scheduler: 2,
      eventBridge: 2,
      logs: 3,
      xray: 1,
      dynamoDb: 16,
      dynamoStorage: 6,
    };
    const cart = { ...journey('abandoned-cart', 40), perMillionEntries: entry };
    const cheaper = {
      ...journey('abandoned-cart', 40),
      perMillionEntries: { ...entry, lambda: 2, logs: 1, dynamoDb: 22, total: 40 },
    };
    const lines: string[] = [];
    const cheaperLines: string[] = [];

    // Act
    const met = printCostReport({ journeys: [cart], feedback }, (line) => lines.push(line));
    printCostReport({ journeys: [cheaper], feedback }, (line) => cheaperLines.push(line));

    // Assess
    expect(met).toBe(false);
    expect(costTarget({ journeys: [cart], feedback }).otherThanDynamoDbPerMillionEntries).toBe(18);
    expect(lines).toContain(
      '  an entry (ingest + run + feedback of its e-mails), per million: $40.00  (DynamoDB requests $16.00, DynamoDB storage and PITR $6.00, every other service $18.00)',
    );
    expect(lines.slice(-2)).toEqual([
      'target: an abandoned-cart entry at or under $15.00 per million, message fees apart — $40.00 ✗',
      '  every service but DynamoDB already costs $18.00 an entry (Lambda, Step Functions, Scheduler, EventBridge, logs, X-Ray): over the target before anything is read or stored',
    ]);
    // The others at $12: under the target, so the target line ends the report.
    expect(cheaperLines.at(-1)).toBe(
      'target: an abandoned-cart entry at or under $15.00 per million, message fees apart — $40.00 ✗',
    );
  });

  it("prints an entry's cost with relance:logging at WARN when measured, and nothing when not", () => {
    // Arrange
    const measured = { ...journey('abandoned-cart', 40), perMillionEntriesAtWarn: 38.5 };
    const lines: string[] = [];

    // Act
    printCostReport({ journeys: [measured, journey('welcome', 20)], feedback }, (line) => lines.push(line));

    // Assess: the measured journey has the line, the other none.
    expect(lines.filter((line) => line.includes('relance:logging'))).toEqual([
      "  with relance:logging level WARN (the handlers' INFO records left out, metrics kept): $38.50 per million entries",
    ]);
  });

  it('misses the target over $15, or without an abandoned-cart measurement', () => {
    // Act
    const over = costTarget({ journeys: [journey('abandoned-cart', 15.01)], feedback });
    const none = costTarget({ journeys: [journey('welcome', 1)], feedback });
    const lines: string[] = [];
    printCostReport({ journeys: [], feedback }, (line) => lines.push(line));

    // Assess
    expect(over).toEqual({
      journeyId: 'abandoned-cart',
      maxPerMillionEntries: 15,
      perMillionEntries: 15.01,
      otherThanDynamoDbPerMillionEntries: 15.01,
      met: false,
    });
    expect(none).toEqual({ journeyId: 'abandoned-cart', maxPerMillionEntries: 15, met: false });
    expect(lines.at(-1)).toBe(
      'target: an abandoned-cart entry at or under $15.00 per million, message fees apart — n/a ✗',
    );
  });
});

describe('the cost model', () => {
  it('bills Lambda at the declared duration of each handler, not local wall time', () => {
    // 1,000 invocations of a 256 MB journey step at 120 ms: 30 GB-s.
    expect(declaredLambdaGbSeconds('functions/journeys/step-handler.ts', 256, 1000)).toBeCloseTo(30, 6);
    expect(declaredLambdaGbSeconds('functions/unknown-handler.ts', 1024, 1000)).toBeCloseTo(60, 6);
  });

  it('prices logs, X-Ray traces, storage with point-in-time recovery, and SES fees apart', () => {
    // A million invocations of which 100,000 began a trace (the rest joined one): X-Ray bills traces.
    const usage = {
      ...ZERO_USAGE,
      lambdaInvocations: 1e6,
      traceRoots: 1e5,
      logBytes: 1024 ** 3,
      storedByteMonths: 1024 ** 3,
      emails: 1000,
    };
    const cost = costOf(usage);
    expect(cost.logs).toBeCloseTo(0.5 + 0.03, 6);
    expect(cost.xray).toBeCloseTo(1e5 * 0.05 * 5e-6, 6);
    expect(cost.dynamoStorage).toBeCloseTo(0.25 + 0.2, 6);
    expect(cost.messageFees).toBeCloseTo(0.1, 6);
    expect(cost.total).toBeCloseTo(0.2 + cost.logs + cost.xray + cost.dynamoStorage, 6);
  });
});
