/**
 * `relance campaign <journey> --dry-run`: what the next audience pass of a scheduled journey would
 * do, without doing it. Scans the audience segment as a pass does, leaves out the members already
 * in (a run exists for their member key) and the holdout, decides every send step with the
 * deployment's delivery controls (consent, suppression, quiet hours, frequency caps), and estimates
 * the AWS bill. Reads the contacts, the runs and the cap items; sends nothing, writes nothing.
 */
import type { Contact } from '#catalogue/contact.ts';
import type { CapRule, Channel, JourneyDefinition, SendStep, Step } from '#language/types.ts';
import { ENV } from '#platform/env-names.ts';
import { PASS_ENV } from '#platform/pass-env.ts';
import {
  memberKey,
  type PassSettings,
  PassSettingsSchema,
  slotBudget,
  workersFor,
} from '../../functions/audience-passes/audience-pass.ts';
import {
  type DeliveryPolicySettings,
  parseDeliveryPolicy,
} from '../../functions/delivery/delivery-policy.ts';
import { CapEntries, type CapEntry, capRuleFor, decideCap } from '../../functions/delivery/frequency-cap.ts';
import type { SkipReason } from '../../functions/delivery/ledger.ts';
import { decideSend, type SendInput } from '../../functions/delivery/send-decision.ts';
import { runKeyFor } from '../../functions/journeys/journey-runs.ts';
import { isHeldOut } from '../../functions/segments/holdout.ts';
import { journeys as deployedJourneys } from '../../workflows/journeys/index.ts';
import {
  type Deployment,
  type DeploymentOptions,
  deploymentNow,
  openDeployment,
  requireSegment,
  scanSegment,
  setting,
  UsageError,
} from './audience.ts';
import {
  type CostBreakdown,
  costOf,
  expressBilledGbSeconds,
  JOURNEY_STEP_ENTRY,
  PRICES,
  platformLogBytesPerInvocation,
  type Usage,
} from './cost-model.ts';

/** SES outbound e-mail, per message (us-east-1 list price, $0.10 per 1,000). */
export const SES_PRICE_PER_EMAIL = 0.1 / 1000;
/**
 * An SMS part, USD, when `--sms-price` is not given: roughly a US long-code message with its carrier
 * fee. Destinations differ by an order of magnitude (much of Europe costs several cents).
 */
export const DEFAULT_SMS_PRICE = 0.0085;
/** Wall time assumed per Lambda invocation (the cost report measures real ones). */
const ASSUMED_INVOCATION_MS = 100;
const PASS_ENTRY = 'functions/audience-passes/pass-handler.ts';

/** PASS_SETTINGS as the CDK app writes it for the audience-pass function. */
const DeployedPassSettings = PassSettingsSchema;

export interface CampaignOptions extends DeploymentOptions {
  /** Only dry runs are supported: passes run on their schedule. */
  readonly dryRun: boolean;
  /** The instant the pass would run at. @default the deployment's clock */
  readonly nowMs?: number;
  /** Price of one SMS part in USD. @default DEFAULT_SMS_PRICE */
  readonly smsPrice?: number;
  /** The journeys to choose from. @default the deployed ones */
  readonly journeys?: readonly JourneyDefinition[];
}

export interface StepForecast {
  readonly stepId: string;
  readonly channel: Channel;
  readonly category: SendStep['category'];
  readonly topic?: string;
  readonly to: SendStep['to'];
  /** Would go out as soon as the run reaches the step. */
  readonly send: number;
  /** Would wait for the end of quiet hours, then go out. */
  readonly deferred: number;
  /** Would not go out, by the reason the ledger would record. */
  readonly skipped: Readonly<Record<string, number>>;
}

export interface CampaignCost {
  readonly usage: Usage;
  readonly aws: CostBreakdown;
  readonly emails: number;
  readonly sms: number;
  readonly ses: number;
  readonly smsCost: number;
  readonly total: number;
  readonly smsPrice: number;
}

export interface CampaignForecast {
  readonly journeyId: string;
  readonly segment: string;
  readonly once: string;
  readonly evaluatedAt: string;
  readonly scanned: number;
  readonly audience: number;
  /** Members with a run for their member key already (Enter would refuse them). */
  readonly alreadyEntered: number;
  readonly holdoutPercent?: number;
  /** Members who would enter, be recorded as held out and receive nothing. */
  readonly heldOut: number;
  /** Members whose run would go on to the steps. */
  readonly entering: number;
  readonly steps: StepForecast[];
  readonly cost: CampaignCost;
  readonly assumptions: string[];
}

/** The journey with this id, scheduled; a UsageError otherwise (unknown, or started by events). */
function scheduledJourney(journeyId: string, journeys: readonly JourneyDefinition[]) {
  const journey = journeys.find((j) => j.id === journeyId);
  if (!journey) {
    throw new UsageError(
      `unknown journey "${journeyId}"; known journeys: ${journeys.map((j) => j.id).join(', ')}`,
    );
  }
  if (!journey.schedule) {
    const scheduled = journeys.filter((j) => j.schedule).map((j) => j.id);
    throw new UsageError(
      `journey "${journeyId}" is started by ${journey.trigger.event} events: it has no audience to dry-run` +
        (scheduled.length > 0 ? ` (scheduled journeys: ${scheduled.join(', ')})` : ''),
    );
  }
  return { journey, schedule: journey.schedule };
}

/** Where a step can go next, in the order the journey reads. */
function successors(step: Step): Array<string | undefined> {
  switch (step.type) {
    case 'waitFor':
      return [step.onEvent, step.onTimeout];
    case 'branch':
      return [...step.cases.map((c) => c.next), step.otherwise];
    case 'split':
      return step.variants.map((v) => v.next);
    default:
      return [step.next];
  }
}

/** The journey's steps from its start, depth first: the order a reader follows them in. */
function stepsInOrder(journey: JourneyDefinition): Step[] {
  const seen = new Set<string>();
  const ordered: Step[] = [];
  const visit = (id: string | undefined) => {
    const step = id === undefined ? undefined : journey.steps[id];
    if (!step || seen.has(step.id)) return;
    seen.add(step.id);
    ordered.push(step);
    for (const next of successors(step)) visit(next);
  };
  visit(journey.start);
  return ordered;
}

/** The cap that applies to a send step, as the send does it. */
function capFor(
  journey: JourneyDefinition,
  step: SendStep,
  caps: Record<Channel, CapRule>,
): CapRule | undefined {
  return capRuleFor({ ...step, toOwner: step.to === 'owner' }, journey.delivery?.frequencyCap, caps);
}

/** What a dry run counts for one send step. */
interface Tally {
  readonly step: SendStep;
  send: number;
  deferred: number;
  readonly skipped: Record<string, number>;
}

/** An owner who can be reached on any channel: the dry run does not read the roster. */
const ROSTER_NOT_READ = { email: 'owner', phone: 'owner' } as const;

/** One send step of the campaign for one contact, as the dry run sees it. */
export interface SendForecastInput {
  readonly contact: Contact;
  readonly step: SendStep;
  readonly journey: JourneyDefinition;
  readonly policy: DeliveryPolicySettings;
  readonly defaultTimezone: string;
  readonly nowMs: number;
}

/**
 * What a send step would do for a contact: `send`, `deferred` (then sent when quiet hours end), or
 * the reason the ledger would record. Decided by the send path's own `decideSend`; the cap is taken
 * from `taken` (the stored entries plus this campaign's earlier sends), which it updates.
 */
export async function forecastSend(
  { contact, step, journey, policy, defaultTimezone, nowMs }: SendForecastInput,
  taken: Map<Channel, CapEntry[]>,
): Promise<'send' | 'deferred' | SkipReason> {
  const takeCap = (at: number) => (rule: CapRule) => {
    const slot = decideCap(taken.get(step.channel) ?? [], rule, `dry-run#${step.id}`, at);
    if (slot.allowed) taken.set(step.channel, slot.entries);
    return slot;
  };
  const input = (at: number): SendInput => ({
    contact,
    channel: step.channel,
    category: step.category,
    ...(step.topic ? { topic: step.topic } : {}),
    ...(step.to === 'owner' ? { owner: contact.ownerId ? ROSTER_NOT_READ : 'none' } : {}),
    ...(journey.delivery ? { journey: journey.delivery } : {}),
    policy,
    defaultTimezone,
    nowMs: at,
  });
  const now = await decideSend(input(nowMs), takeCap(nowMs));
  // A deferred send is decided again when quiet hours end, as the resumed step decides it.
  const later = now.outcome === 'defer' ? await decideSend(input(now.until), takeCap(now.until)) : now;
  if (later.outcome === 'skip') return later.reason;
  return now.outcome === 'defer' ? 'deferred' : 'send';
}

/** Forecasts the journey's next audience pass; UsageError without `dryRun` or for a journey without an audience. */
export async function campaign(journeyId: string, options: CampaignOptions): Promise<CampaignForecast> {
  if (!options.dryRun) {
    throw new UsageError(
      'only dry runs are supported from the CLI (--dry-run): audience passes run on their schedule',
    );
  }
  const { journey, schedule } = scheduledJourney(journeyId, options.journeys ?? deployedJourneys);
  const segment = requireSegment(schedule.audience.segment);
  const deployment = openDeployment(options);
  const contactsTable = setting(deployment, ENV.contactsTable);
  const runsTable = setting(deployment, ENV.journeyStateTable);
  const ledgerTable = setting(deployment, ENV.ledgerTable);
  // DELIVERY_POLICY as the CDK app writes it for the journey-step function.
  const policy = parseDeliveryPolicy(setting(deployment, ENV.deliveryPolicy));
  const defaultTimezone = deployment.variables[ENV.defaultTimezone] ?? 'UTC';
  const nowMs = options.nowMs ?? (await deploymentNow(deployment));
  const sendSteps = stepsInOrder(journey).filter((s): s is SendStep => s.type === 'send');
  const cappedChannels = [
    ...new Set(sendSteps.filter((s) => capFor(journey, s, policy.frequencyCaps)).map((s) => s.channel)),
  ];
  const forecasts: Tally[] = sendSteps.map((step) => ({ step, send: 0, deferred: 0, skipped: {} }));
  const counts = { alreadyEntered: 0, heldOut: 0, entering: 0 };

  // Imported late: the SDK clients must be built after the deployment's endpoint is set.
  const { batchGetAll } = await import('#platform/batch-get.ts');
  const { runKeyOf } = await import('../../functions/journeys/runs-repository.ts');
  const batchGet = (table: string, keys: Record<string, string>[]) =>
    batchGetAll(table, keys, { consistent: false });
  const scan = await scanSegment(contactsTable, segment.id, nowMs, defaultTimezone, async (members) => {
    // The run an audience pass would start: keyed by the member key, as Enter keys it.
    const runPk = (contact: Contact) =>
      runKeyOf(
        journey.id,
        runKeyFor(
          journey,
          { memberKey: memberKey(schedule.audience.once, contact, nowMs) },
          contact.contactId,
        ),
      ).pk;
    const runs = await batchGet(
      runsTable,
      members.map((contact) => ({ pk: runPk(contact), sk: 'RUN' })),
    );
    const entered = new Set(runs.map((run) => String(run.pk)));
    const entering = members.filter((contact) => {
      if (entered.has(runPk(contact))) {
        counts.alreadyEntered++;
        return false;
      }
      if (isHeldOut(journey, contact.contactId)) {
        counts.heldOut++;
        return false;
      }
      return true;
    });
    counts.entering += entering.length;
    const capKeys = entering.flatMap((c) =>
      cappedChannels.map((channel) => ({ pk: `CAP#${c.contactId}#${channel}` })),
    );
    const caps = new Map(
      (await batchGet(ledgerTable, capKeys)).map((item) => [String(item.pk), CapEntries.parse(item.entries)]),
    );
    for (const contact of entering) {
      // This campaign's earlier sends count against the cap from when they would leave.
      const taken = new Map<Channel, CapEntry[]>(
        cappedChannels.map((channel) => [channel, caps.get(`CAP#${contact.contactId}#${channel}`) ?? []]),
      );
      for (const forecast of forecasts) {
        const { step } = forecast;
        const answer = await forecastSend({ contact, step, journey, policy, defaultTimezone, nowMs }, taken);
        if (answer === 'send') forecast.send++;
        else if (answer === 'deferred') forecast.deferred++;
        else forecast.skipped[answer] = (forecast.skipped[answer] ?? 0) + 1;
      }
    }
  });

  const steps: StepForecast[] = forecasts.map(({ step, send, deferred, skipped }) => ({
    stepId: step.id,
    channel: step.channel,
    category: step.category,
    ...(step.topic ? { topic: step.topic } : {}),
    to: step.to,
    send,
    deferred,
    skipped,
  }));
  const passSettings = DeployedPassSettings.safeParse(
    JSON.parse(deployment.variables[PASS_ENV.settings] ?? 'null'),
  );
  const estimate = estimateCost({
    journey,
    steps,
    scan,
    ...counts,
    deployment,
    passSettings: passSettings.success ? { ...passSettings.data, defaultTimezone } : undefined,
    smsPrice: options.smsPrice ?? DEFAULT_SMS_PRICE,
  });
  return {
    journeyId: journey.id,
    segment: segment.id,
    once: schedule.audience.once,
    evaluatedAt: new Date(nowMs).toISOString(),
    scanned: scan.scanned,
    audience: scan.members,
    alreadyEntered: counts.alreadyEntered,
    ...(journey.holdout ? { holdoutPercent: journey.holdout.percent } : {}),
    heldOut: counts.heldOut,
    entering: counts.entering,
    steps,
    cost: estimate.cost,
    assumptions: [
      'every entering member reaches every send step: branches, waitFor exits and goals only lower these counts',
      'each step is decided now (consent, suppression, quiet hours, caps as stored now); earlier steps of this campaign count against the frequency cap as if sent now',
      'an owner notice counts when the contact has an owner (the roster is not read)',
      ...('localTime' in schedule
        ? [
            `hourly passes admit each member at ${schedule.localTime} in their own timezone: counted here as one pass`,
          ]
        : []),
      ...estimate.assumptions,
    ],
  };
}

interface EstimateInput {
  readonly journey: JourneyDefinition;
  readonly steps: readonly StepForecast[];
  readonly scan: { readonly scanned: number; readonly scannedBytes: number };
  readonly alreadyEntered: number;
  readonly heldOut: number;
  readonly entering: number;
  readonly deployment: Deployment;
  readonly passSettings: PassSettings | undefined;
  readonly smsPrice: number;
}

/**
 * The AWS bill of the pass and of the runs it starts, from the journey's shape and the counts:
 * one Express execution per run segment (Enter, then one per pause and per deferred send), the
 * journey-step Lambda for each Task (Enter, each send and other task, pause and resume, finish),
 * one schedule per pause, a write unit per state change, ledger entry and cap item.
 */
function estimateCost(input: EstimateInput): { cost: CampaignCost; assumptions: string[] } {
  const { journey, steps } = input;
  const kinds = stepsInOrder(journey).map((s) => s.type);
  const pauses = kinds.filter((k) => k === 'wait' || k === 'waitFor').length;
  const otherTasks = kinds.filter((k) => k === 'update' || k === 'emit' || k === 'broadcast').length;
  const emits = kinds.filter((k) => k === 'emit').length;
  const decided = steps.reduce(
    (sum, s) => sum + s.send + s.deferred + Object.values(s.skipped).reduce((a, b) => a + b, 0),
    0,
  );
  const deferred = steps.reduce((sum, s) => sum + s.deferred, 0);
  const capped = steps.filter((s) => s.category === 'marketing' && s.to === 'contact');
  const capWrites = capped.reduce((sum, s) => sum + s.send + s.deferred, 0);
  const starts = input.alreadyEntered + input.heldOut + input.entering;
  const e = input.entering;

  // The pass: a plan, then each worker's slots (pacing spreads admissions under the provider rates).
  const settings = input.passSettings;
  const workers = settings ? workersFor(input.scan.scanned, settings) : 1;
  const pages = settings ? Math.ceil(input.scan.scanned / settings.pageSize) : 1;
  const slots = settings
    ? Math.max(
        1,
        Math.ceil(e / workers / slotBudget(journey, settings, workers)),
        Math.ceil(pages / workers / settings.maxPagesPerInvocation),
      )
    : 1;
  const passInvocations = 1 + workers * slots;
  const passExecutions = 1 + workers * (slots - 1);

  const journeyInvocations = starts + e * (steps.length + otherTasks + 2 * pauses + 1) + 2 * deferred;
  const journeyExecutions = starts + e * pauses + deferred;
  const gb = (entry: string) => (input.deployment.memoryMb[entry] ?? 256) / 1024;
  const seconds = ASSUMED_INVOCATION_MS / 1000;
  const tasksPerExecution = journeyExecutions > 0 ? journeyInvocations / journeyExecutions : 0;
  const sent = (channel: string) =>
    steps.filter((s) => s.channel === channel).reduce((sum, s) => sum + s.send + s.deferred, 0);
  const sms = sent('sms');
  const calls = sent('voice');
  const emails = sent('email');
  const scheduleInvocations = 1 + workers * (slots - 1) + e * pauses + deferred;
  const usage: Usage = {
    lambdaInvocations: passInvocations + journeyInvocations,
    lambdaGbSeconds:
      (passInvocations * gb(PASS_ENTRY) + journeyInvocations * gb(JOURNEY_STEP_ENTRY)) * seconds,
    expressExecutions: passExecutions + journeyExecutions,
    expressGbSeconds:
      passExecutions * expressBilledGbSeconds(2 * ASSUMED_INVOCATION_MS) +
      journeyExecutions * expressBilledGbSeconds(ASSUMED_INVOCATION_MS * tasksPerExecution),
    events: e * emits,
    scheduleInvocations,
    // Each scheduled start begins a trace; the runs and steps a pass starts join it.
    traceRoots: scheduleInvocations,
    // Scan: eventually consistent, half a unit per 4 KB. Then one unit per item read: the run a refused
    // Enter reads back, the contact at Enter, the run and the contact at each resume, the cap items.
    dynamoReadUnits:
      Math.ceil(input.scan.scannedBytes / 4096) / 2 +
      input.alreadyEntered +
      e * (1 + 2 * pauses + capped.length),
    // Run created (or refused) and ended, pause and resume, ledger entry begun and settled, cap item;
    // plus their index writes: the wake index as a run pauses and resumes, the ledger's keys-only
    // byContactKeys as an entry is begun (its settling changes no key).
    dynamoWriteUnits:
      starts +
      input.heldOut +
      e * (1 + 2 * pauses) +
      2 * decided +
      capWrites +
      1 +
      workers +
      pages +
      (e * 2 * pauses + decided),
    dynamoIndexWriteUnits: e * 2 * pauses + decided,
    // Lambda's platform records only (none at the functions' WARN system level): the handlers log
    // at INFO a few hundred bytes more per call.
    logBytes: (passInvocations + journeyInvocations) * platformLogBytesPerInvocation(),
    belowWarnLogBytes: 0,
    // Not estimated before the pass: runs and ledger entries left stored (see `npm run cost`).
    storedByteMonths: 0,
    emails,
    sms,
    calls,
  };
  const aws = costOf(usage);
  const ses = emails * SES_PRICE_PER_EMAIL;
  const smsCost = sms * input.smsPrice;
  return {
    cost: {
      usage,
      aws,
      emails,
      sms,
      ses,
      smsCost,
      total: aws.total + ses + smsCost,
      smsPrice: input.smsPrice,
    },
    assumptions: [
      `AWS list prices (us-east-1): Express $${PRICES.expressPerRequest * 1e6} per million executions, Lambda $${PRICES.lambdaPerRequest * 1e6} per million requests, DynamoDB on demand $${PRICES.dynamoPerReadUnit * 1e6} / $${PRICES.dynamoPerWriteUnit * 1e6} per million read / write units, SES $${SES_PRICE_PER_EMAIL * 1000} per 1,000 e-mails, SMS $${input.smsPrice} per message (one part each; --sms-price for your destinations)`,
      `${ASSUMED_INVOCATION_MS} ms per Lambda invocation; every item read or written is under 4 KB / 1 KB (one unit), the scan half a unit per 4 KB`,
      settings
        ? `the pass: ${workers} worker(s), ${slots} slot(s) of ${settings.slotSeconds} s each to stay under ${settings.rates.email} e-mails / ${settings.rates.sms} SMS per second`
        : 'the pass: no PASS_SETTINGS in this deployment, counted as one worker and one slot',
    ],
  };
}

const money = (n: number) => (n >= 0.01 ? `$${n.toFixed(2)}` : `$${n.toFixed(4)}`);

/** The forecast as lines for a terminal. */
export function formatCampaign(forecast: CampaignForecast): string[] {
  const c = forecast.cost;
  const lines = [
    `campaign ${forecast.journeyId}: dry run at ${forecast.evaluatedAt} (nothing sent, nothing written)`,
    `  audience         ${forecast.audience} member(s) of segment ${forecast.segment}, ${forecast.scanned} contact(s) scanned`,
    `  already entered  ${forecast.alreadyEntered} (a run exists for their member key: once ${forecast.once})`,
    `  held out         ${forecast.heldOut}${forecast.holdoutPercent === undefined ? ' (no holdout)' : ` (holdout ${forecast.holdoutPercent}%)`}`,
    `  entering         ${forecast.entering}`,
  ];
  for (const step of forecast.steps) {
    const skipped = Object.entries(step.skipped)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([reason, n]) => `${reason} ${n}`);
    lines.push(
      `  step ${step.stepId} — ${step.channel}, ${step.category}${step.topic ? `, topic ${step.topic}` : ''}${step.to === 'owner' ? ', to the owner' : ''}`,
      `    would send ${step.send}${step.deferred > 0 ? `, ${step.deferred} after quiet hours` : ''}; skipped ${skipped.length > 0 ? skipped.join(', ') : 'none'}`,
    );
  }
  const u = c.usage;
  lines.push(
    `estimated cost: ${money(c.total)}`,
    `  SES ${money(c.ses)} (${c.emails} e-mail(s)), SMS ${money(c.smsCost)} (${c.sms} message(s))`,
    `  Step Functions ${money(c.aws.stepFunctions)} (${u.expressExecutions} Express executions), Lambda ${money(c.aws.lambda)} (${u.lambdaInvocations} invocations), ` +
      `DynamoDB ${money(c.aws.dynamoDb)} (${u.dynamoReadUnits.toFixed(1)} read / ${u.dynamoWriteUnits} write units), Scheduler ${money(c.aws.scheduler)} (${u.scheduleInvocations} invocations)`,
    'assumptions:',
    ...forecast.assumptions.map((a) => `  - ${a}`),
  );
  return lines;
}
