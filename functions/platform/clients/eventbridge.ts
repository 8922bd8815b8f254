/** The EventBridge client (see ./retry.ts). */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { traced } from '../tracer.ts';
import { retry } from './retry.ts';

export const eventBridge = traced(new EventBridgeClient(retry()));
