/** Whether a DynamoDB error is a failed condition (someone else wrote first), not a fault. */
export function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/**
 * Whether a transaction was cancelled because the condition of its action at `index` failed
 * (someone else changed that item first); other cancellations (conflicts, throttling) are faults.
 */
export function isTransactionConditionFailure(error: unknown, index: number): boolean {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return false;
  const reasons = (error as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons;
  return reasons?.[index]?.Code === 'ConditionalCheckFailed';
}
