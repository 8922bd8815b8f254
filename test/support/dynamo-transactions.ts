/**
 * What tests with a mocked DynamoDB document client read from its calls when the code under test
 * writes a state change and its journey counter in one transaction.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AwsStub } from 'aws-sdk-client-mock';

// biome-ignore lint/suspicious/noExplicitAny: the stub's input and output unions are the SDK's own.
type DocumentStub = AwsStub<any, any, DynamoDBDocumentClient['config']>;

/** A transaction cancelled because its first action's condition failed (someone else wrote first). */
export function transactionConditionFailed(): TransactionCanceledException {
  return new TransactionCanceledException({
    message:
      'Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None]',
    CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }],
    $metadata: {},
  });
}

/** The updates of one item, alone or inside transactions, in order. */
export function updatesOf(mock: DocumentStub, tableName: string, pk: string) {
  return mock
    .calls()
    .flatMap((call) => {
      const command = call.args[0];
      if (command instanceof UpdateCommand) return [command.input];
      if (command instanceof TransactWriteCommand)
        return (command.input.TransactItems ?? []).flatMap((item) => (item.Update ? [item.Update] : []));
      return [];
    })
    .filter((update) => update.TableName === tableName && update.Key?.pk === pk);
}

/** The journey counters each transaction changed, in order (attribute name -> change). */
export function counterChanges(mock: DocumentStub): Array<Record<string, unknown>> {
  return mock.commandCalls(TransactWriteCommand).flatMap((call) =>
    (call.args[0].input.TransactItems ?? []).flatMap((item) => {
      const update = item.Update;
      if (!update || !String(update.Key?.pk).startsWith('COUNTS#')) return [];
      const names = update.ExpressionAttributeNames ?? {};
      const values = update.ExpressionAttributeValues ?? {};
      return [
        Object.fromEntries(Object.entries(names).map(([ref, name]) => [name, values[ref.replace('#', ':')]])),
      ];
    }),
  );
}
