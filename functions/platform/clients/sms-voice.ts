/** The End User Messaging SMS and Voice v2 client (see ./retry.ts). */
import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { traced } from '../tracer.ts';
import { retry } from './retry.ts';

export const smsVoice = traced(new PinpointSMSVoiceV2Client(retry()));
