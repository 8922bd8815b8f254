/** The SNS client (see ./retry.ts). */
import { SNSClient } from '@aws-sdk/client-sns';
import { retry } from './retry.ts';

export const sns = new SNSClient(retry());
