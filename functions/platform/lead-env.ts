/**
 * Environment variables of the lead features (form endpoint, routing, rep actions), shared with the
 * CDK construct that sets them so the two cannot disagree on a name.
 */
export const LEAD_ENV = {
  /** The leads table: leads, rep loads, roster edits, form submissions and rate counters. */
  leadsTable: 'LEADS_TABLE',
  /** JSON array of the site origins allowed to post the form (`https://www.example.com`). */
  formOrigins: 'LEAD_FORM_ORIGINS',
  /** The form's hidden honeypot field. */
  honeypotField: 'LEAD_FORM_HONEYPOT_FIELD',
  /** Submissions allowed per client (source IP) per minute. */
  perClientPerMinute: 'LEAD_FORM_PER_CLIENT_PER_MINUTE',
  /** The captcha provider's verify URL; no captcha when empty. */
  captchaVerifyUrl: 'CAPTCHA_VERIFY_URL',
  /** ARN of the Secrets Manager secret holding the captcha secret key. */
  captchaSecretArn: 'CAPTCHA_SECRET_ARN',
} as const;

/**
 * The unassigned queue's wiring, shared with the CDK construct: the input of the schedule that
 * starts a pass (its `detail-type`), and the log line the `UnassignedLeads` metric filter reads.
 */
export const UNASSIGNED_QUEUE = {
  passDetailType: 'leads.unassigned_pass',
  /** The log message carrying `unassignedLeads`, the queue's size. */
  logMessage: 'unassigned leads',
  metricNamespace: 'relance',
  metricName: 'UnassignedLeads',
} as const;
