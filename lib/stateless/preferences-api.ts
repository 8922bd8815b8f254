import { RemovalPolicy } from 'aws-cdk-lib';
import { LambdaIntegration, type RestApi } from 'aws-cdk-lib/aws-apigateway';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENV } from '#platform/env-names.ts';
import { PREFERENCES_ENV } from '#platform/preferences-env.ts';
import type { DeliveryPolicySettings } from '../../functions/delivery/delivery-policy.ts';
import { RelanceFunction } from './relance-function.ts';

export interface PreferencesApiProps {
  /** The public REST API the link routes are added to (at its root). */
  readonly api: RestApi;
  /** The contacts table: the pages read and write consent on the profile. */
  readonly contacts: ITableV2;
  /** The send ledger: an unsubscribe is recorded on the message its link came in, and counted. */
  readonly ledger: ITableV2;
  readonly config: {
    /** The e-mail topics the preference page lists, with their consent mode. */
    readonly emailTopics: DeliveryPolicySettings['emailTopics'];
  };
  /**
   * What happens to the signing key when the stack is deleted. A new key invalidates every link
   * already sent (unsubscribe links must keep working), so keep RETAIN anywhere but a sandbox.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The pages behind the signed links in messages: one-click unsubscribe (RFC 8058) and its
 * confirmation page, the preference page, and double opt-in confirmation. Creates the HMAC key (a
 * generated Secrets Manager secret, never in code or the template) and the one function serving
 * every route. The routes are public (no API key): the signed token in the path is the credential.
 * Grant `secret` read access to any function that signs links (`fn.allowReadingSecret(secret)`).
 */
export class PreferencesApi extends Construct {
  /** The HMAC key that signs and verifies links. */
  readonly secret: Secret;
  readonly fn: RelanceFunction;

  constructor(scope: Construct, id: string, props: PreferencesApiProps) {
    super(scope, id);
    this.secret = new Secret(this, 'LinkSigningKey', {
      description: 'relance: HMAC key signing unsubscribe, preference and confirmation links',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.fn = new RelanceFunction(this, 'Preferences', {
      entry: 'functions/consent/preferences-handler.ts',
      description: 'Signed-link pages: one-click unsubscribe, preference page, double opt-in confirmation',
      environment: {
        [PREFERENCES_ENV.linkSigningSecretArn]: this.secret.secretArn,
        [PREFERENCES_ENV.emailTopics]: JSON.stringify(props.config.emailTopics),
      },
    })
      .useTable(props.contacts, ENV.contactsTable, ['GetItem', 'PutItem'])
      // Read the message's entry, append the unsubscribe with its counter (a transaction of updates).
      .useTable(props.ledger, ENV.ledgerTable, ['GetItem', 'UpdateItem'])
      .allowReadingSecret(this.secret);

    // One integration for every route; no test-invoke permissions (the console's test button).
    const integration = new LambdaIntegration(this.fn, { allowTestInvoke: false });
    const root = props.api.root;
    const unsubscribe = root.addResource('u').addResource('{token}');
    unsubscribe.addMethod('GET', integration, { apiKeyRequired: false });
    unsubscribe.addMethod('POST', integration, { apiKeyRequired: false });
    const preferences = root.addResource('preferences').addResource('{token}');
    preferences.addMethod('GET', integration, { apiKeyRequired: false });
    preferences.addMethod('POST', integration, { apiKeyRequired: false });
    // Double opt-in: GET shows the page with its button, only POST confirms (scanners prefetch GETs).
    const confirm = root.addResource('consent').addResource('confirm').addResource('{token}');
    confirm.addMethod('GET', integration, { apiKeyRequired: false });
    confirm.addMethod('POST', integration, { apiKeyRequired: false });
  }
}
