/** The Step Functions client (see ./retry.ts). */
import { SFNClient } from '@aws-sdk/client-sfn';
import { traced } from '../tracer.ts';
import { retry } from './retry.ts';

export const stepFunctions = traced(new SFNClient(retry()));
