/**
 * Environment variables of the provider-feedback functions, shared with the construct that sets
 * them (lib/stateless/delivery-feedback.ts) so the two cannot disagree on a name.
 */
export const FEEDBACK_ENV = {
  /** Where events that fail validation go once, instead of being retried: the feedback dead letters. */
  deadLettersQueueUrl: 'FEEDBACK_DEAD_LETTERS_QUEUE_URL',
} as const;
