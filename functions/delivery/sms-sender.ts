/**
 * Sends SMS through the deployment's provider: SNS Publish (the type and sender id set per message,
 * tags as message attributes), or End User Messaging v2 SendTextMessage from the origination
 * identity, with the configuration set and the tags as `Context`, which its delivery events carry
 * back so they settle the ledger entry.
 */
import { SendTextMessageCommand, smsVoice } from '#platform/clients/sms-voice.ts';
import { PublishCommand, sns } from '#platform/clients/sns.ts';
import { type PhoneSendingSettings, phoneSending } from './phone-sending.ts';

export interface OutgoingSms {
  readonly to: string;
  readonly text: string;
  readonly type: 'Transactional' | 'Promotional';
  readonly senderId?: string;
  /** Tied back to the ledger by the delivery events (SNS message attributes, End User Messaging context). */
  readonly tags: Readonly<Record<string, string>>;
}

/** Sends one SMS; returns the provider's message id. */
export async function sendSms(sms: OutgoingSms): Promise<string> {
  const settings = phoneSending();
  return settings?.smsProvider === 'end-user-messaging' ? sendTextMessage(sms, settings) : publish(sms);
}

async function publish(sms: OutgoingSms): Promise<string> {
  const attributes: Record<string, { DataType: string; StringValue: string }> = {
    'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: sms.type },
  };
  if (sms.senderId) attributes['AWS.SNS.SMS.SenderID'] = { DataType: 'String', StringValue: sms.senderId };
  for (const [name, value] of Object.entries(sms.tags))
    attributes[`relance.${name}`] = { DataType: 'String', StringValue: value };
  const result = await sns.send(
    new PublishCommand({ PhoneNumber: sms.to, Message: sms.text, MessageAttributes: attributes }),
  );
  if (!result.MessageId) throw new Error('SNS returned no MessageId');
  return result.MessageId;
}

async function sendTextMessage(sms: OutgoingSms, settings: PhoneSendingSettings): Promise<string> {
  const result = await smsVoice.send(
    new SendTextMessageCommand({
      DestinationPhoneNumber: sms.to,
      OriginationIdentity: settings.originationIdentity,
      MessageBody: sms.text,
      MessageType: sms.type === 'Transactional' ? 'TRANSACTIONAL' : 'PROMOTIONAL',
      ConfigurationSetName: settings.configurationSet,
      ...(settings.maxPricePerSms ? { MaxPrice: settings.maxPricePerSms } : {}),
      Context: { ...sms.tags },
    }),
  );
  if (!result.MessageId) throw new Error('End User Messaging returned no MessageId');
  return result.MessageId;
}
