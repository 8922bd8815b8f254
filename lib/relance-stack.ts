import {
  CfnOutput,
  CrossStackReferences,
  NestedStack,
  ReferenceStrength,
  RemovalPolicy,
  Stack,
  type StackProps,
} from 'aws-cdk-lib';
import type { EventBusProps, IEventBus } from 'aws-cdk-lib/aws-events';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { MessageTemplate } from '#language/template.ts';
import type { JourneyDefinition } from '#language/types.ts';
import type { JourneyVersion } from '#language/versions.ts';
import { LEAD_ENV } from '#platform/lead-env.ts';
import { PREFERENCES_ENV } from '#platform/preferences-env.ts';
import { scoringModelViolations } from '../functions/leads/scoring.ts';
import { defaultScoringModel } from '../functions/leads/scoring-model.ts';
import {
  buildCatalog,
  type JourneyCatalog,
  journeyViolations,
  journeys as projectJourneys,
  templates as projectTemplates,
  recordedVersions,
  segmentViolations,
  versionViolations,
} from '../workflows/index.ts';
import { type RelanceConfig, type RelanceConfigProps, readConfig } from './config.ts';
import { acknowledgeNagFindings } from './nag-acknowledgements.ts';
import { RelanceAlarms } from './operations/relance-alarms.ts';
import { RelanceDashboard } from './operations/relance-dashboard.ts';
import { StageNames } from './stage.ts';
import { type RelanceTableSet, RelanceTables, type RelanceTablesProps } from './stateful/relance-tables.ts';
import { AudiencePasses } from './stateless/audience-passes.ts';
import { DeliveryFeedback } from './stateless/delivery-feedback.ts';
import { deadLetterQueue, EventIngest } from './stateless/event-ingest.ts';
import { HttpIngest, publicBaseUrl } from './stateless/http-ingest.ts';
import { JourneyEngine } from './stateless/journey-engine.ts';
import { LeadRouting } from './stateless/lead-routing.ts';
import { needsPhoneMessaging, PhoneMessaging } from './stateless/phone-messaging.ts';
import { PreferencesApi } from './stateless/preferences-api.ts';
import { setFunctionLogging } from './stateless/relance-function.ts';
import { ReportDigest } from './stateless/report-digest.ts';
import { RunSweeper } from './stateless/run-sweeper.ts';
import { SenderIdentity } from './stateless/sender-identity.ts';

/** Thrown when a journey, segment or the lead scoring model is invalid: synth stops and lists every violation. */
export class JourneyValidationError extends Error {}

/** Thrown when a resource is both passed in and configured for creation: the message names both props. */
export class RelancePropsError extends Error {
  override readonly name = 'RelancePropsError';
}

export interface RelanceProps {
  /**
   * The deployment's stage (`dev`, `prod`): every physical name relance chooses starts with
   * `Relance-<stage>-` (state machines, schedule groups and schedules, the bus and queues, the
   * API, alarms, the dashboard), and the functions derive the names they build at run time from
   * it. Two stages side by side in one account and region never share a name.
   * @default no stage: names start with `Relance-`, and the bus and queues keep the names CloudFormation generates
   */
  readonly stage?: string;
  /**
   * The configuration (sender, brand, delivery policy, lead form, audience passes), validated at
   * synth: each key given here wins over the `relance:<key>` context (cdk.json or `-c`).
   * @default the `relance:*` context over the defaults (a demo shop)
   */
  readonly config?: RelanceConfigProps;
  /**
   * An existing event bus producers put their events on (relance's rules and its own events go on
   * it too). Give it or `eventBusProps`, not both.
   * @default a new bus
   */
  readonly eventBus?: IEventBus;
  /**
   * Settings of the bus the construct creates. Give it or `eventBus`, not both.
   * @default a bus named `Relance-<stage>-events` with a stage, by CloudFormation without one
   */
  readonly eventBusProps?: EventBusProps;
  /**
   * Existing tables (another stack's `RelanceTables`, or tables with the same keys and indexes).
   * Give them or `tablesProps`, not both.
   * @default new tables in this construct
   */
  readonly tables?: RelanceTableSet;
  /**
   * Settings of the tables the construct creates. Give them or `tables`, not both.
   * @default RETAIN, or DESTROY when `config.sandbox` is true
   */
  readonly tablesProps?: RelanceTablesProps;
  /**
   * The SNS topic every relance alarm notifies (alarm and OK).
   * @default a new TLS-only topic `Relance-<stage>-alarms`; subscribe your on-call address or chat integration to it
   */
  readonly alarmTopic?: ITopic;
  /**
   * Builds relance in a nested stack of its own inside the host stack: a stage is about 300
   * resources and a stack holds 500, so a host stack with other resources, or two stages side by
   * side, needs it.
   * @default false: the resources go straight into the host stack
   */
  readonly nestedStack?: boolean;
  /**
   * The journeys to deploy. The functions bundle workflows/: give another list only together with
   * a bundle of it (the tests substitute modules in the local runtime).
   * @default workflows/journeys
   */
  readonly journeys?: readonly JourneyDefinition[];
  /** The templates the journeys send (see `journeys`). @default workflows/templates */
  readonly templates?: ReadonlyMap<string, MessageTemplate>;
  /** Earlier journey versions runs may still be on. @default the registry, workflows/versions */
  readonly earlierVersions?: readonly JourneyVersion[];
}

/** Refuses a resource that is both passed in and configured for creation, naming both props. */
function refuseBoth(props: RelanceProps, given: keyof RelanceProps, create: keyof RelanceProps): void {
  if (props[given] !== undefined && props[create] !== undefined) {
    throw new RelancePropsError(
      `${given} and ${create} are both given: pass an existing resource in \`${given}\`, or settings for a new one in \`${create}\`, not both`,
    );
  }
}

/** Refuses to build while any journey, segment or scoring rule has a violation, listing them all. */
export function validatedVersions(
  props: Pick<RelanceProps, 'journeys' | 'templates' | 'earlierVersions'>,
  deployed: readonly JourneyDefinition[] = props.journeys ?? projectJourneys,
): JourneyCatalog {
  const templateMap = props.templates ?? projectTemplates;
  const versions = buildCatalog(deployed, templateMap, props.earlierVersions ?? recordedVersions);
  const violations = [
    ...segmentViolations(),
    ...journeyViolations(deployed, templateMap),
    ...versionViolations(versions),
    ...scoringModelViolations(defaultScoringModel),
  ];
  if (violations.length > 0) {
    const lines = violations.map((v) => `  - ${v.journey} › ${v.path}: ${v.message}`);
    throw new JourneyValidationError(
      `Invalid journeys or segments (${violations.length}):\n${lines.join('\n')}`,
    );
  }
  return versions;
}

const CROSS_STACK_REFERENCES = '@aws-cdk/core:defaultCrossStackReferences';

/** Stages already placed in each stack: a second construct with the same stage would reuse every name. */
const stagesByStack = new WeakMap<Stack, Set<string>>();

/**
 * relance in one construct: the bus and its ingest, the HTTP API, the journeys, delivery feedback,
 * preferences, lead routing, audience passes, the run sweeper, and the tables unless passed in.
 * Refuses to build while any journey, segment or scoring rule has a violation.
 */
export class Relance extends Construct {
  /** The physical names of this deployment (prefix, metrics dimension). */
  readonly names: StageNames;
  /** The validated configuration. */
  readonly config: RelanceConfig;
  /** The tables: created here, or passed in. */
  readonly tables: RelanceTableSet;
  /** The journey versions deployed, and the earlier ones compiled in for the runs still on them. */
  readonly versions: JourneyCatalog;
  readonly ingest: EventIngest;
  readonly http: HttpIngest;
  readonly engine: JourneyEngine;
  readonly feedback: DeliveryFeedback;
  readonly preferences: PreferencesApi;
  readonly leads: LeadRouting;
  readonly passes: AudiencePasses;
  readonly sweeper: RunSweeper;
  /** Where every schedule (resumes, passes, the sweeper, the unassigned-leads pass) sends its input once its retries are spent. */
  readonly scheduleDeadLetters: Queue;
  /** The SES identity e-mail is sent from (created, or passed in by ARN). */
  readonly senderIdentity: SenderIdentity;
  /** The alarms and the topic they notify. */
  readonly alarms: RelanceAlarms;
  /** The stage's CloudWatch dashboard. */
  readonly dashboard: RelanceDashboard;
  /** The weekly journey digest (absent when `reportDigest.recipients` is empty). */
  readonly digest?: ReportDigest;
  /** End User Messaging: the origination identity, configuration set and receipts (where calls or v2 SMS are used). */
  readonly phone?: PhoneMessaging;

  constructor(scope: Construct, id: string, props: RelanceProps = {}) {
    super(scope, id);
    refuseBoth(props, 'eventBus', 'eventBusProps');
    refuseBoth(props, 'tables', 'tablesProps');
    this.names = new StageNames(props.stage);
    StageNames.attach(this, this.names);
    const placed = stagesByStack.get(Stack.of(this)) ?? new Set<string>();
    if (placed.has(this.names.prefix)) {
      throw new RelancePropsError(
        `stage: ${props.stage === undefined ? 'no stage' : `"${props.stage}"`} is already placed in stack ${Stack.of(this).stackName}; give each Relance its own stage`,
      );
    }
    placed.add(this.names.prefix);
    stagesByStack.set(Stack.of(this), placed);
    const deployed = props.journeys ?? projectJourneys;
    this.versions = validatedVersions(props, deployed);
    const config = readConfig(this, props.config);
    setFunctionLogging(this, config.logging);
    // Everything relance builds goes here: this construct, or a nested stack of its own (stage's ~300 resources apart from the host stack's 500).
    const home: Construct = props.nestedStack
      ? new NestedStack(this, 'Stack', { description: `relance ${this.names.dimension}` })
      : this;
    this.config = config;
    const tables =
      props.tables ??
      new RelanceTables(home, 'Tables', {
        removalPolicy: config.sandbox ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
        ...props.tablesProps,
      });
    this.tables = tables;
    const names = this.names;
    // Every schedule's input lands here once its retries are spent (resumes, passes, the sweeper).
    this.scheduleDeadLetters = deadLetterQueue(
      home,
      'ScheduleDeadLetters',
      names.stagedName('schedule-dead-letters'),
    );
    const { scheduleDeadLetters } = this;
    this.ingest = new EventIngest(home, 'Ingest', {
      contacts: tables.contacts,
      events: tables.events,
      products: tables.products,
      config,
      names,
      versions: this.versions,
      ...(props.eventBus ? { eventBus: props.eventBus } : {}),
      ...(props.eventBusProps ? { eventBusProps: props.eventBusProps } : {}),
    });
    this.senderIdentity = new SenderIdentity(home, 'SenderIdentity', config);
    const senderIdentityArn = this.senderIdentity.identityArn;
    this.http = new HttpIngest(home, 'Http', { bus: this.ingest.bus, config, names });
    if (needsPhoneMessaging(deployed, config))
      this.phone = new PhoneMessaging(home, 'PhoneMessaging', { config, names });
    const phone = this.phone ? { phone: this.phone } : {};
    this.engine = new JourneyEngine(home, 'Journeys', {
      journeys: deployed,
      bus: this.ingest.bus,
      deadLetters: this.ingest.deadLetters,
      tables,
      config,
      names,
      scheduleDeadLetters,
      senderIdentityArn,
      versions: this.versions,
      ...phone,
    });
    this.sweeper = new RunSweeper(home, 'RunSweeper', {
      names,
      scheduleDeadLetters,
      journeyState: tables.journeyState,
      journeyNaming: this.engine.journeyNaming,
      stateMachineArns: [...this.engine.stateMachines.values()].map((m) => m.stateMachineArn),
      scheduleGroups: this.engine.scheduleGroups,
    });
    this.preferences = new PreferencesApi(home, 'Preferences', {
      api: this.http.api,
      contacts: tables.contacts,
      ledger: tables.ledger,
      config: { emailTopics: config.delivery.emailTopics },
    });
    // The journey-step function signs the unsubscribe and preference links it puts in messages.
    this.engine.stepFunction.allowReadingSecret(
      this.preferences.secret,
      PREFERENCES_ENV.linkSigningSecretArn,
    );
    this.engine.stepFunction.addEnvironment(PREFERENCES_ENV.publicBaseUrl, publicBaseUrl(this.http.api));
    this.feedback = new DeliveryFeedback(home, 'Feedback', {
      ...(this.phone ? { phoneReceipts: this.phone.receipts } : {}),
      configurationSet: this.engine.configurationSet,
      contacts: tables.contacts,
      ledger: tables.ledger,
      deadLetters: this.ingest.deadLetters,
    });
    this.phone?.routeIncomingSms(this.feedback.inboundSmsTopicArn);
    // Sends `to: 'owner'` read the sales roster (bundled, overlaid with the reps API's edits).
    this.engine.stepFunction.useTable(tables.leads, LEAD_ENV.leadsTable, ['GetItem', 'BatchGetItem']);
    this.leads = new LeadRouting(home, 'Leads', {
      api: this.http.api,
      bus: this.ingest.bus,
      deadLetters: this.ingest.deadLetters,
      scheduleDeadLetters,
      tables: { contacts: tables.contacts, events: tables.events, leads: tables.leads },
      linkSigningKey: this.preferences.secret,
      senderIdentityArn,
      ...phone,
      configurationSetName: this.engine.configurationSet.ref,
      config,
      names,
    });
    if (config.reportDigest.recipients.length > 0)
      this.digest = new ReportDigest(home, 'ReportDigest', {
        config,
        names,
        tables: { ledger: tables.ledger, journeyState: tables.journeyState, events: tables.events },
        senderIdentityArn,
        configurationSetName: this.engine.configurationSet.ref,
        scheduleDeadLetters,
      });
    this.passes = new AudiencePasses(home, 'AudiencePasses', {
      names,
      scheduleDeadLetters,
      journeys: deployed,
      journeyStateMachines: this.engine.stateMachines,
      journeyNaming: this.engine.journeyNaming,
      tables: { contacts: tables.contacts, journeyState: tables.journeyState },
      config,
    });
    // Operations: every place a failure can wait unseen is alarmed, and the stage has a dashboard.
    const watchedQueues = [
      {
        label: 'RejectedEvents',
        queue: this.ingest.rejectedEvents,
        meaning:
          'Producers sent events that failed validation (each message has the reasons): fix the producer; `relance why <eventId>` or the rejected-events view shows them. The events were never stored.',
      },
      {
        label: 'DeadLetters',
        queue: this.ingest.deadLetters,
        meaning:
          'An event or a step could not be delivered after its retries (ingest, rules, routers, feedback): each message says which target and why. Fix the cause, then redrive the queue.',
      },
      {
        label: 'ScheduleDeadLetters',
        queue: scheduleDeadLetters,
        meaning:
          'A schedule (a run resume, an audience pass slot, the sweeper, the unassigned-leads pass) failed all its retries: the message is its input. The run sweeper resumes stalled runs; check the target function or state machine.',
      },
    ];
    const stateMachines = new Map([
      ...this.engine.stateMachines,
      ['audience-passes', this.passes.stateMachine] as const,
    ]);
    this.alarms = new RelanceAlarms(home, 'Alarms', {
      names,
      ...(props.alarmTopic ? { topic: props.alarmTopic } : {}),
      queues: watchedQueues,
      stateMachines,
      otherAlarms: [this.sweeper.alarm, this.leads.unassignedLeadsAlarm],
    });
    this.dashboard = new RelanceDashboard(home, 'Dashboard', {
      names,
      functions: this.node.findAll().filter((c): c is LambdaFunction => c instanceof LambdaFunction),
      stateMachines,
      queues: watchedQueues,
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn });
    new CfnOutput(this, 'LeadFormUrl', { value: `${this.http.api.url}leads` });
    new CfnOutput(this, 'EventBusName', { value: this.ingest.bus.eventBusName });
    new CfnOutput(this, 'ApiUrl', { value: this.http.api.url });
    new CfnOutput(this, 'InboundSmsTopicArn', { value: this.feedback.inboundSmsTopicArn });
    // Recorded on the resources concerned; they matter only to an app that runs cdk-nag.
    acknowledgeNagFindings(this);
  }
}

/** The stateful half: tables only, so the stateless stack can be replaced freely. */
export class RelanceDataStack extends Stack {
  readonly tables: RelanceTables;

  constructor(scope: Construct, id: string, props: StackProps & RelanceTablesProps = {}) {
    super(scope, id, props);
    this.tables = new RelanceTables(this, 'Tables', {
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      ...(props.legacyLedgerIndex ? { legacyLedgerIndex: true } : {}),
    });
  }
}

export interface RelanceStackProps extends StackProps, Omit<RelanceProps, 'tablesProps'> {
  readonly tables: RelanceTableSet;
}

/** The construct's parts, reachable on the stack as they were before the construct existed. */
type RelanceParts = Omit<Relance, keyof Construct>;
export interface RelanceStack extends RelanceParts {}

/**
 * The stateless half: one `Relance` on the stateful stack's tables. The construct's id is
 * `Default`, which CDK leaves out of logical ids, so its resources keep the ids they had when this
 * stack built them itself (nothing is replaced on deploy).
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: see the interface above
export class RelanceStack extends Stack {
  readonly relance: Relance;

  constructor(scope: Construct, id: string, props: RelanceStackProps) {
    super(scope, id, props);
    // Exports from the data stack stay producer-protecting (strong), unless the app's context says
    // otherwise; set on this stack before it has children, never on the App (which may have some).
    if (this.node.tryGetContext(CROSS_STACK_REFERENCES) === undefined)
      CrossStackReferences.of(this).consume(ReferenceStrength.STRONG);
    this.relance = new Relance(this, 'Default', props);
    for (const [key, value] of Object.entries(this.relance)) {
      if (!(key in this)) Object.defineProperty(this, key, { value, enumerable: true });
    }
  }
}
