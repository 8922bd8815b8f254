/** The Step Functions client (see ./retry.ts). */
import { SFNClient } from '@aws-sdk/client-sfn';
import { retry } from './retry.ts';

export const stepFunctions = new SFNClient(retry());
