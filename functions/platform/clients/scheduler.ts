/** The EventBridge Scheduler client (see ./retry.ts). */
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { retry } from './retry.ts';

export const scheduler = new SchedulerClient(retry());
