/** The DynamoDB document client, loaded and traced on first use (see ./lazy.ts, ./retry.ts), and its commands. */
import type { DescribeTableCommandInput, DescribeTableCommandOutput } from '@aws-sdk/client-dynamodb';
import type * as Doc from '@aws-sdk/lib-dynamodb';
import { lazyClient, SdkCommand } from './lazy.ts';
import { retry } from './retry.ts';

export const dynamo = lazyClient(async (traced) => {
  const [{ DynamoDBClient, DescribeTableCommand }, lib] = await Promise.all([
    import('@aws-sdk/client-dynamodb'),
    import('@aws-sdk/lib-dynamodb'),
  ]);
  const client = lib.DynamoDBDocumentClient.from(traced(new DynamoDBClient(retry())), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return { client, commands: { ...lib, DescribeTableCommand } };
});

export class GetCommand extends SdkCommand<Doc.GetCommandInput, Doc.GetCommandOutput> {
  readonly sdkName = 'GetCommand';
}

export class PutCommand extends SdkCommand<Doc.PutCommandInput, Doc.PutCommandOutput> {
  readonly sdkName = 'PutCommand';
}

export class UpdateCommand extends SdkCommand<Doc.UpdateCommandInput, Doc.UpdateCommandOutput> {
  readonly sdkName = 'UpdateCommand';
}

export class DeleteCommand extends SdkCommand<Doc.DeleteCommandInput, Doc.DeleteCommandOutput> {
  readonly sdkName = 'DeleteCommand';
}

export class QueryCommand extends SdkCommand<Doc.QueryCommandInput, Doc.QueryCommandOutput> {
  readonly sdkName = 'QueryCommand';
}

export class ScanCommand extends SdkCommand<Doc.ScanCommandInput, Doc.ScanCommandOutput> {
  readonly sdkName = 'ScanCommand';
}

export class BatchGetCommand extends SdkCommand<Doc.BatchGetCommandInput, Doc.BatchGetCommandOutput> {
  readonly sdkName = 'BatchGetCommand';
}

export class DescribeTableCommand extends SdkCommand<DescribeTableCommandInput, DescribeTableCommandOutput> {
  readonly sdkName = 'DescribeTableCommand';
}

export class TransactWriteCommand extends SdkCommand<
  Doc.TransactWriteCommandInput,
  Doc.TransactWriteCommandOutput
> {
  readonly sdkName = 'TransactWriteCommand';
}
