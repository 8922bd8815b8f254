/** The SNS client (see ./retry.ts). */
import { SNSClient } from '@aws-sdk/client-sns';
import { traced } from '../tracer.ts';
import { retry } from './retry.ts';

export const sns = traced(new SNSClient(retry()));
