import { ArnFormat, Aws, Duration, Stack } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { CfnConfigurationSet, type CfnConfigurationSetProps } from 'aws-cdk-lib/aws-ses';
import type { IQueue, Queue } from 'aws-cdk-lib/aws-sqs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { type CompileOptions, compileJourney } from '#language/compiler.ts';
import { STEP_FUNCTION_PLACEHOLDER } from '#language/states.ts';
import type { JourneyDefinition } from '#language/types.ts';
import type { JourneyVersion } from '#language/versions.ts';
import { ACCEPTED_SOURCE, ENV } from '#platform/env-names.ts';
import { sendingPolicy } from '../../functions/delivery/delivery-policy.ts';
import { conversionGoal } from '../../functions/journey-report/counters.ts';
import type { RelanceConfig } from '../config.ts';
import type { StageNames } from '../stage.ts';
import { journeysPlaceCalls, type PhoneMessaging } from './phone-messaging.ts';
import { RelanceFunction, SendOnlyQueueDestination } from './relance-function.ts';

export interface JourneyEngineProps {
  readonly journeys: readonly JourneyDefinition[];
  readonly bus: IEventBus;
  readonly deadLetters: Queue;
  readonly tables: {
    readonly contacts: ITableV2;
    readonly events: ITableV2;
    readonly journeyState: ITableV2;
    readonly ledger: ITableV2;
    readonly products: ITableV2;
  };
  readonly config: RelanceConfig;
  readonly names: StageNames;
  /** The ARN of the SES identity e-mail is sent from (./sender-identity.ts). */
  readonly senderIdentityArn: string;
  /** End User Messaging (calls, and SMS where it is the provider); absent: SMS through SNS, no calls. */
  readonly phone?: PhoneMessaging;
  /** Where schedules send their input once every retry failed (their role may send to it). */
  readonly scheduleDeadLetters: IQueue;
  /**
   * The journey versions: each journey's state machine records its deployed version on every run,
   * and keeps the steps of the earlier versions runs may still be on. Absent: unversioned.
   */
  readonly versions?: {
    readonly current: readonly JourneyVersion[];
    readonly earlier: readonly JourneyVersion[];
  };
}

/**
 * The naming rule of journey resources: state machine and schedule group are both
 * `Relance-<stage>-<journeyId>` (the stage's prefix), so functions derive them (and the state
 * machine's ARN) from one prefix instead of a per-journey map in their environment. Names are never
 * truncated: a name over a service's limit fails synth (lib/deploy-limits.ts) rather than colliding.
 */
function journeyNames(stack: Stack, names: StageNames, journeyId: string) {
  const base = names.name(journeyId);
  return {
    stateMachineName: base,
    scheduleGroup: base,
    stateMachineArn: stack.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: base,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    }),
  };
}

/** The deployed version of a journey and its earlier versions, for the compiler. */
function compileOptions(journeyId: string, versions: JourneyEngineProps['versions']): CompileOptions {
  const deployed = versions?.current.find((v) => v.journeyId === journeyId);
  if (!deployed) return {};
  return {
    version: deployed.version,
    earlier: (versions?.earlier ?? [])
      .filter((v) => v.journeyId === journeyId)
      .map((v) => ({ version: v.version, definition: v.definition })),
  };
}

/**
 * Runs journeys: one Express state machine per journey (with its log group, its trigger rule and a
 * schedule group for its pauses), the shared journey-step function every Task state calls, and the
 * event router that resolves waitFor correlations and goals.
 */
export class JourneyEngine extends Construct {
  readonly stepFunction: RelanceFunction;
  readonly routerFunction: RelanceFunction;
  readonly stateMachines = new Map<string, StateMachine>();
  /** Every journey's schedule group name. */
  readonly scheduleGroups: string[] = [];
  /** The variables from which functions derive each journey's state machine and schedule group. */
  readonly journeyNaming: Readonly<Record<string, string>>;
  /** The role EventBridge Scheduler assumes to resume journey runs. */
  readonly schedulerRole: Role;
  /** The configuration set journey e-mail goes through; DeliveryFeedback publishes its events. */
  readonly configurationSet: CfnConfigurationSet;

  constructor(scope: Construct, id: string, props: JourneyEngineProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { tables, config } = props;

    const configurationSet = new CfnConfigurationSet(this, 'EmailConfigurationSet', {
      reputationOptions: { reputationMetricsEnabled: true },
      sendingOptions: { sendingEnabled: true },
      ...vdmOptions(config.deliverability),
    });
    this.configurationSet = configurationSet;

    const names = props.journeys.map((journey) => journeyNames(stack, props.names, journey.id));
    for (const [index, journey] of props.journeys.entries()) {
      const scheduleGroup = names[index]?.scheduleGroup;
      new CfnScheduleGroup(this, `${journey.id}-Schedules`, { name: scheduleGroup });
      if (scheduleGroup) this.scheduleGroups.push(scheduleGroup);
    }
    // One role for every journey's resume schedules: it may start the journeys' state machines
    // (listed one by one) and nothing else.
    const schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: 'EventBridge Scheduler resumes paused journey runs',
    });
    if (names.length > 0) {
      schedulerRole.addToPolicy(
        new PolicyStatement({
          actions: ['states:StartExecution'],
          resources: names.map((n) => n.stateMachineArn),
        }),
      );
    }
    // A resume that fails every retry goes to the schedule dead-letter queue, sent with this role.
    props.scheduleDeadLetters.grant(schedulerRole, 'sqs:SendMessage');
    this.schedulerRole = schedulerRole;
    this.journeyNaming = {
      [ENV.journeyNamePrefix]: props.names.prefix,
      [ENV.stateMachineArnPrefix]: `arn:${Aws.PARTITION}:states:${Aws.REGION}:${Aws.ACCOUNT_ID}:stateMachine:`,
      [ENV.journeySchedulerRoleArn]: schedulerRole.roleArn,
    };

    const sendingEnvironment = {
      ...this.journeyNaming,
      [ENV.fromAddress]: config.fromAddress,
      [ENV.replyToAddress]: config.replyToAddress,
      [ENV.sesConfigurationSet]: configurationSet.ref,
      [ENV.brand]: JSON.stringify(config.brand),
      [ENV.defaultTimezone]: config.defaultTimezone,
      [ENV.defaultCountry]: config.defaultCountry,
      [ENV.smsSenderId]: config.smsSenderId,
      [ENV.testRecipients]: JSON.stringify(config.testRecipients),
      [ENV.deliveryPolicy]: JSON.stringify(sendingPolicy(config.delivery)),
    };

    this.stepFunction = new RelanceFunction(this, 'JourneyStep', {
      entry: 'functions/journeys/step-handler.ts',
      description:
        'Every Task state of every journey: enter, resume, send, wait, waitFor, update, broadcast, finish',
      timeout: Duration.seconds(60),
      environment: {
        ...sendingEnvironment,
        [ENV.scheduleDeadLetterArn]: props.scheduleDeadLetters.queueArn,
      },
    })
      .useTable(tables.contacts, ENV.contactsTable, ['GetItem', 'PutItem'])
      .useTable(tables.journeyState, ENV.journeyStateTable, ['GetItem', 'PutItem', 'UpdateItem'])
      .useTable(tables.ledger, ENV.ledgerTable, ['GetItem', 'PutItem', 'UpdateItem'])
      .useTable(tables.products, ENV.productsTable, ['GetItem', 'PutItem', 'Query', 'DeleteItem']);
    this.stepFunction.allowSendingEmail(props.senderIdentityArn, configurationSet.ref);
    // Calls only where a journey places them; SMS through the deployment's provider.
    if (props.phone)
      props.phone.grantSending(this.stepFunction, { voice: journeysPlaceCalls(props.journeys) });
    else this.stepFunction.allowSendingSms();
    // Emit steps put events on the bus: only a deployment with such a journey gets the permission.
    if (props.journeys.some((j) => Object.values(j.steps).some((s) => s.type === 'emit'))) {
      props.bus.grantPutEventsTo(this.stepFunction);
      this.stepFunction.addEnvironment(ENV.eventBusName, props.bus.eventBusName);
    }
    // The journeys' pause schedules, one group per journey.
    const pauseSchedules = names.map((n) =>
      stack.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${n.scheduleGroup}/*` }),
    );
    // Wait steps create the schedule that resumes a run; they never read nor delete one.
    this.stepFunction.addToRolePolicy(
      new PolicyStatement({ actions: ['scheduler:CreateSchedule'], resources: pauseSchedules }),
    );
    this.stepFunction.addToRolePolicy(
      new PolicyStatement({ actions: ['iam:PassRole'], resources: [schedulerRole.roleArn] }),
    );

    this.routerFunction = new RelanceFunction(this, 'EventRouter', {
      entry: 'functions/journeys/event-router-handler.ts',
      description: 'Resolves waitFor correlations and goals for accepted events, resuming or ending runs',
      environment: { ...this.journeyNaming },
    }).useTable(tables.journeyState, ENV.journeyStateTable, ['GetItem', 'UpdateItem', 'Query']);
    this.routerFunction.addToRolePolicy(
      new PolicyStatement({
        actions: ['states:StartExecution'],
        resources: names.map((n) => n.stateMachineArn),
      }),
    );
    // An event that resolves a waitFor cancels the run's timeout schedule.
    this.routerFunction.addToRolePolicy(
      new PolicyStatement({ actions: ['scheduler:DeleteSchedule'], resources: pauseSchedules }),
    );
    // An event the router could not process after its retries is kept, never lost.
    this.routerFunction.configureAsyncInvoke({
      retryAttempts: 2,
      onFailure: new SendOnlyQueueDestination(props.deadLetters),
    });

    const listened = new Set<string>();
    // Runs of earlier versions still wait for their events.
    const deployedIds = new Set(props.journeys.map((j) => j.id));
    const earlier = (props.versions?.earlier ?? [])
      .filter((v) => deployedIds.has(v.journeyId))
      .map((v) => v.definition);
    for (const journey of [...props.journeys, ...earlier]) {
      // The conversion goal (the journey's goal, or any order by the contact): the router counts conversions.
      listened.add(conversionGoal(journey).event);
      for (const step of Object.values(journey.steps)) if (step.type === 'waitFor') listened.add(step.event);
    }
    if (listened.size > 0) {
      new Rule(this, 'RouterRule', {
        eventBus: props.bus,
        description: 'Accepted events some journey waits for, ends on or counts as a conversion',
        eventPattern: { source: [ACCEPTED_SOURCE], detailType: [...listened].sort() },
        targets: [
          new LambdaFunction(this.routerFunction, { deadLetterQueue: props.deadLetters, retryAttempts: 185 }),
        ],
      });
    }

    for (const journey of props.journeys)
      this.addJourney(journey, props, journeyNames(stack, props.names, journey.id).stateMachineName);
  }

  private addJourney(journey: JourneyDefinition, props: JourneyEngineProps, stateMachineName: string): void {
    const logGroup = new LogGroup(this, `${journey.id}-Logs`, { retention: RetentionDays.ONE_MONTH });
    const stateMachine = new StateMachine(this, `${journey.id}-StateMachine`, {
      stateMachineName,
      stateMachineType: StateMachineType.EXPRESS,
      definitionBody: DefinitionBody.fromString(
        JSON.stringify(compileJourney(journey, compileOptions(journey.id, props.versions))),
      ),
      definitionSubstitutions: { [STEP_FUNCTION_PLACEHOLDER]: this.stepFunction.functionArn },
      logs: { destination: logGroup, level: LogLevel.ERROR, includeExecutionData: false },
      tracingEnabled: true,
      comment: journey.description,
    });
    this.stepFunction.grantInvoke(stateMachine);
    this.stateMachines.set(journey.id, stateMachine);

    // A scheduled journey's runs are started by audience passes, not by an event on the bus.
    if (journey.schedule) return;
    new Rule(this, `${journey.id}-Trigger`, {
      eventBus: props.bus,
      description: `Starts journey ${journey.id} on accepted ${journey.trigger.event}`,
      eventPattern: {
        source: [ACCEPTED_SOURCE],
        detailType: [journey.trigger.event],
        ...(journey.trigger.filter ? { detail: journey.trigger.filter as Record<string, unknown> } : {}),
      },
      targets: [
        new SfnStateMachine(stateMachine, { deadLetterQueue: props.deadLetters, retryAttempts: 185 }),
      ],
    });
  }
}

/** Virtual Deliverability Manager options of the configuration set; an unset option inherits the account's. */
function vdmOptions(
  deliverability: RelanceConfig['deliverability'],
): Pick<CfnConfigurationSetProps, 'vdmOptions'> {
  const state = (enabled: boolean) => (enabled ? 'ENABLED' : 'DISABLED');
  const { engagementMetrics, optimizedSharedDelivery } = deliverability;
  if (engagementMetrics === undefined && optimizedSharedDelivery === undefined) return {};
  return {
    vdmOptions: {
      ...(engagementMetrics === undefined
        ? {}
        : { dashboardOptions: { engagementMetrics: state(engagementMetrics) } }),
      ...(optimizedSharedDelivery === undefined
        ? {}
        : { guardianOptions: { optimizedSharedDelivery: state(optimizedSharedDelivery) } }),
    },
  };
}
