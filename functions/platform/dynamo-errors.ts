/** Whether a DynamoDB error is a failed condition (someone else wrote first), not a fault. */
export function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
