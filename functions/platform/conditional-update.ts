/**
 * A conditional update of one item, alone or with the update of a second item (a counter) in one
 * transaction, so both happen or neither: the repositories that count their state changes use it.
 */
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { dynamo, TransactWriteCommand, UpdateCommand } from './clients/dynamo.ts';
import { isConditionFailure, isTransactionConditionFailure } from './dynamo-errors.ts';

export type ItemUpdate = NonNullable<
  NonNullable<TransactWriteCommandInput['TransactItems']>[number]['Update']
>;

/** Applies `update` (and `alongside`, in the same transaction); false when `update`'s condition fails. */
export async function updateIfHolds(update: ItemUpdate, alongside?: ItemUpdate): Promise<boolean> {
  try {
    if (alongside)
      await dynamo.send(
        new TransactWriteCommand({ TransactItems: [{ Update: update }, { Update: alongside }] }),
      );
    else await dynamo.send(new UpdateCommand(update));
    return true;
  } catch (error) {
    if (isConditionFailure(error) || isTransactionConditionFailure(error, 0)) return false;
    throw error;
  }
}
