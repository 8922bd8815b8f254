/** Sends SMS through SNS with the type (transactional or promotional) and sender id set per message. */
import { PublishCommand } from '@aws-sdk/client-sns';
import { sns } from '#platform/clients/sns.ts';

export interface OutgoingSms {
  readonly to: string;
  readonly text: string;
  readonly type: 'Transactional' | 'Promotional';
  readonly senderId?: string;
  /** Carried as message attributes so a delivery record can be tied back to the ledger. */
  readonly tags: Readonly<Record<string, string>>;
}

/** Sends one SMS; returns SNS's message id. */
export async function sendSms(sms: OutgoingSms): Promise<string> {
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
