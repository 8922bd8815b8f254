/** The SQS client (see ./retry.ts). */
import { SQSClient } from '@aws-sdk/client-sqs';
import { retry } from './retry.ts';

export const sqs = new SQSClient(retry());
