/**
 * Places automated calls with End User Messaging v2 SendVoiceMessage: Amazon Polly reads the script
 * (plain text or SSML) to the number, from the deployment's origination identity, through its
 * configuration set; the tags go as `Context`, which the call's delivery events carry back.
 */
import type { PollyVoice } from '#language/voice-template.ts';
import { SendVoiceMessageCommand, smsVoice } from '#platform/clients/sms-voice.ts';
import { PhoneSendingNotConfigured, phoneSending } from './phone-sending.ts';

export interface OutgoingCall {
  readonly to: string;
  readonly body: string;
  readonly bodyType: 'TEXT' | 'SSML';
  readonly voice: PollyVoice;
  readonly tags: Readonly<Record<string, string>>;
}

/** Places one call; returns End User Messaging's message id. */
export async function sendVoice(call: OutgoingCall): Promise<string> {
  const settings = phoneSending();
  if (!settings) throw new PhoneSendingNotConfigured('no origination identity is configured for calls');
  const result = await smsVoice.send(
    new SendVoiceMessageCommand({
      DestinationPhoneNumber: call.to,
      OriginationIdentity: settings.originationIdentity,
      MessageBody: call.body,
      MessageBodyTextType: call.bodyType,
      VoiceId: call.voice,
      ConfigurationSetName: settings.configurationSet,
      ...(settings.maxPricePerMinute ? { MaxPricePerMinute: settings.maxPricePerMinute } : {}),
      Context: { ...call.tags },
    }),
  );
  if (!result.MessageId) throw new Error('End User Messaging returned no MessageId');
  return result.MessageId;
}
