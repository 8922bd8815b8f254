/**
 * relance's CloudWatch metrics (namespace `Relance`), shared with the CDK app that alarms on them
 * and draws them, so the two cannot disagree on a name. Every metric has the `Stage` dimension
 * (the deployment's stage, `default` without one); some have one more, named here.
 */
export const METRICS_NAMESPACE = 'Relance';

/** The dimension every relance metric has. */
export const STAGE_DIMENSION = 'Stage';

export const METRIC = {
  /** Producer events ingest accepted (valid, stored, re-published). */
  eventsAccepted: 'EventsAccepted',
  /** Producer events ingest refused (invalid), sent to the rejected-events queue. */
  eventsRejected: 'EventsRejected',
  /** Journey runs started, by `Journey`. */
  runsStarted: 'RunsStarted',
  /** Messages the provider accepted, by `Channel` (email, sms). */
  messagesSent: 'MessagesSent',
  /** Messages not sent on purpose, by `Reason` (no_consent, frequency_capped, missing_data...). */
  messagesSkipped: 'MessagesSkipped',
  /** Messages put off, by `Reason` (quiet_hours, awaiting_provider_evidence). */
  messagesDeferred: 'MessagesDeferred',
  /** Sends the provider refused for good (provider_rejected): recorded failed, never retried. */
  sendsFailed: 'SendsFailed',
  /** Sends the provider throttled after the SDK's retries: the step retries them. */
  sendsThrottled: 'SendsThrottled',
  /** Provider feedback recorded on the ledger, by `Outcome` (delivered, bounced, complained, opened, clicked...). */
  providerFeedback: 'ProviderFeedback',
  /** Leads assigned to a rep (and the rep notified). */
  leadsRouted: 'LeadsRouted',
  /** Milliseconds from the lead's submission to its rep's notification. */
  timeToFirstRepNotification: 'TimeToFirstRepNotification',
  /** Assigned leads nobody acted on within the SLA (each reminder or reassignment). */
  leadSlaBreaches: 'LeadSlaBreaches',
  /** Runs the run sweeper found with an overdue wake-up (marked stalled, resumed). */
  stalledRuns: 'StalledRuns',
} as const;

/** The variable that tells a function its stage (the `Stage` dimension). */
export const STAGE_ENV = 'RELANCE_STAGE';

/** The `Stage` dimension of a deployment without a stage. */
export const DEFAULT_STAGE = 'default';
