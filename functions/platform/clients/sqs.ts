/** The SQS client (see ./retry.ts). */
import { SQSClient } from '@aws-sdk/client-sqs';
import { traced } from '../tracer.ts';
import { retry } from './retry.ts';

export const sqs = traced(new SQSClient(retry()));
