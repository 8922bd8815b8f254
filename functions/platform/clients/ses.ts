/** The SES v2 client (see ./retry.ts). */
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { traced } from '../tracer.ts';
import { retry } from './retry.ts';

export const ses = traced(new SESv2Client(retry()));
