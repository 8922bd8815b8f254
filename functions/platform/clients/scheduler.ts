/** The EventBridge Scheduler client (see ./retry.ts). */
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { traced } from '../tracer.ts';
import { retry } from './retry.ts';

export const scheduler = traced(new SchedulerClient(retry()));
