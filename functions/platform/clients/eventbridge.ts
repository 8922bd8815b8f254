/** The EventBridge client (see ./retry.ts). */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { retry } from './retry.ts';

export const eventBridge = new EventBridgeClient(retry());
