/** The DynamoDB document client (see ./retry.ts). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { traced } from '../tracer.ts';
import { retry } from './retry.ts';

export const dynamo = DynamoDBDocumentClient.from(traced(new DynamoDBClient(retry())), {
  marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
});
