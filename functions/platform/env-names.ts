/**
 * Environment variables the functions read, shared with the CDK app that sets them so the two
 * cannot disagree on a name.
 */
export const ENV = {
  contactsTable: 'CONTACTS_TABLE',
  eventsTable: 'EVENTS_TABLE',
  journeyStateTable: 'JOURNEY_STATE_TABLE',
  /** How late (seconds of journey time) a wake-up may be before the run sweeper marks the run stalled. */
  runSweepGraceSeconds: 'RUN_SWEEP_GRACE_SECONDS',
  ledgerTable: 'LEDGER_TABLE',
  productsTable: 'PRODUCTS_TABLE',
  eventBusName: 'EVENT_BUS_NAME',
  rejectedEventsQueueUrl: 'REJECTED_EVENTS_QUEUE_URL',
  /** Prefix of every journey's state machine and schedule group name: `<prefix><journeyId>`. */
  journeyNamePrefix: 'JOURNEY_NAME_PREFIX',
  /** `arn:<partition>:states:<region>:<account>:stateMachine:`: a state machine's ARN minus its name. */
  stateMachineArnPrefix: 'STATE_MACHINE_ARN_PREFIX',
  /** The role EventBridge Scheduler assumes to start journey state machines (resumes). */
  journeySchedulerRoleArn: 'JOURNEY_SCHEDULER_ROLE_ARN',
  /** The queue a schedule created at run time sends its input to once every retry failed. */
  scheduleDeadLetterArn: 'SCHEDULE_DEAD_LETTER_ARN',
  fromAddress: 'FROM_ADDRESS',
  replyToAddress: 'REPLY_TO_ADDRESS',
  sesConfigurationSet: 'SES_CONFIGURATION_SET',
  brand: 'BRAND',
  defaultCountry: 'DEFAULT_COUNTRY',
  defaultTimezone: 'DEFAULT_TIMEZONE',
  smsSenderId: 'SMS_SENDER_ID',
  /** JSON array: where the weekly journey digest goes. */
  digestRecipients: 'DIGEST_RECIPIENTS',
  /** JSON array: the addresses and numbers `relance send-test` may send to. */
  testRecipients: 'TEST_RECIPIENTS',
  /** JSON (functions/delivery/phone-sending.ts): SMS provider, origination identity, configuration set, price caps. */
  phoneSending: 'PHONE_SENDING',
  /** Days goal events stay in a contact's history (functions/contacts/history-retention.ts). */
  historyRetentionDays: 'HISTORY_RETENTION_DAYS',
  /** Days every other event stays in a contact's history. */
  recentHistoryRetentionDays: 'RECENT_HISTORY_RETENTION_DAYS',
  /** Comma-separated: the event types kept HISTORY_RETENTION_DAYS (the journeys' goals). */
  fullHistoryEventTypes: 'FULL_HISTORY_EVENT_TYPES',
  /**
   * Comma-separated: the accepted event types ingest re-publishes (those a relance rule matches);
   * `*` or not set: every one.
   */
  publishedEventTypes: 'PUBLISHED_EVENT_TYPES',
  /** JSON: quiet hours, frequency caps, e-mail topics and their consent mode, in-flight grace. */
  deliveryPolicy: 'DELIVERY_POLICY',
} as const;

/** Source of events the ingest function re-publishes once the profile is up to date. */
export const ACCEPTED_SOURCE = 'relance.ingest';
/** Source of events the HTTP endpoint forwards to the bus. */
export const HTTP_SOURCE = 'relance.http';
/** Source of events relance itself emits (lead.assigned, segment.entered...). */
export const RELANCE_SOURCE = 'relance.journeys';
