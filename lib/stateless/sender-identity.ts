import { CfnOutput, Stack } from 'aws-cdk-lib';
import { EmailIdentity, Identity, MailFromBehaviorOnMxFailure } from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import { type RelanceConfig, senderDomain, senderIdentityName } from '../config.ts';

/**
 * The SES identity relance sends e-mail from (relance:senderIdentity): the From domain with Easy
 * DKIM and a custom MAIL FROM, or the From address, created in the template; or an identity the
 * account already manages, passed in by ARN. The send grants name this identity's ARN only.
 */
export class SenderIdentity extends Construct {
  /** The identity's ARN, the resource of every `ses:SendEmail` grant. */
  readonly identityArn: string;
  /** The identity created here (none when one is passed in). */
  readonly emailIdentity?: EmailIdentity;

  constructor(scope: Construct, id: string, config: Pick<RelanceConfig, 'fromAddress' | 'senderIdentity'>) {
    super(scope, id);
    const identity = config.senderIdentity;
    const name = senderIdentityName(config);
    if (identity.type === 'existing') {
      this.identityArn = identity.arn;
      return;
    }
    this.identityArn = Stack.of(this).formatArn({ service: 'ses', resource: 'identity', resourceName: name });
    if (identity.type === 'address') {
      // SES e-mails the address a verification link; nothing to publish in DNS.
      this.emailIdentity = new EmailIdentity(this, 'Identity', { identity: Identity.email(name) });
      return;
    }
    const domain = senderDomain(config.fromAddress);
    this.emailIdentity = new EmailIdentity(this, 'Identity', {
      identity: Identity.domain(domain),
      dkimSigning: true,
      mailFromDomain: `${identity.mailFromSubdomain}.${domain}`,
      // Until the MAIL FROM records are published, SES sends with its own (amazonses.com) MAIL FROM.
      mailFromBehaviorOnMxFailure: MailFromBehaviorOnMxFailure.USE_DEFAULT_VALUE,
    });
    // The DNS records the domain's owner publishes: three DKIM CNAMEs, then MX and SPF for MAIL FROM.
    for (const [index, record] of this.emailIdentity.dkimRecords.entries()) {
      new CfnOutput(this, `DkimRecord${index + 1}`, {
        description: `DKIM CNAME ${index + 1} of ${domain}`,
        value: `${record.name} CNAME ${record.value}`,
      });
    }
    new CfnOutput(this, 'MailFromRecords', {
      description: `MAIL FROM records of ${domain}`,
      value: `${identity.mailFromSubdomain}.${domain} MX 10 feedback-smtp.${Stack.of(this).region}.amazonses.com; ${identity.mailFromSubdomain}.${domain} TXT "v=spf1 include:amazonses.com ~all"`,
    });
  }
}
