/**
 * AWS clients, created once per container. Locally they reach the stand-ins through the SDK's own
 * endpoint variables (AWS_ENDPOINT_URL...), so no code here knows where it runs.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Throttling is retried by the SDK with exponential backoff and full jitter (standard mode), five
 * attempts unless AWS_MAX_ATTEMPTS (the SDK's own setting) says otherwise.
 */
const retry = { maxAttempts: Number(process.env.AWS_MAX_ATTEMPTS ?? 5), retryMode: 'standard' } as const;

export const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient(retry), {
  marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
});
export const eventBridge = new EventBridgeClient(retry);
export const scheduler = new SchedulerClient(retry);
export const ses = new SESv2Client(retry);
export const sns = new SNSClient(retry);
export const sqs = new SQSClient(retry);
export const stepFunctions = new SFNClient(retry);
