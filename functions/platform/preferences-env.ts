/**
 * Environment variables of the signed-link features (unsubscribe, preference page, double opt-in),
 * shared with the CDK construct that sets them so the two cannot disagree on a name.
 */
export const PREFERENCES_ENV = {
  /** ARN (or name) of the Secrets Manager secret holding the HMAC key that signs links. */
  linkSigningSecretArn: 'LINK_SIGNING_SECRET_ARN',
  /** JSON: topic → { label, mode: 'opt_in' | 'opt_out' }, the topics the preference page lists. */
  emailTopics: 'EMAIL_TOPICS',
  /** The public API base URL links point to (`https://<api>/v1/`), for the functions that build links. */
  publicBaseUrl: 'PUBLIC_BASE_URL',
} as const;
