// Issue 18: every handler call used to go SDK -> HTTP to the edge -> a second HTTP hop to the
// stand-in. The functions' SDK clients now reach the edge's dispatcher over a MessagePort (IAM by
// access key still applies), and the edge reaches dynalite and aws-ses-v2-local without a socket.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { accessKeyOf } from '../../local/aws/iam-requests.ts';
import {
  API_KEY,
  eventId,
  type LocalSystem,
  signUpPosted,
  startLocalSystem,
} from '../support/local-system.ts';

describe('the functions reach the local AWS in process', () => {
  let system: LocalSystem;

  beforeAll(async () => {
    system = await startLocalSystem();
  });
  afterAll(async () => {
    await system.stop();
  });

  it('a sign-up gets its welcome e-mail with no connection to the edge but the producer’s', async () => {
    const dispatched = vi.spyOn(system.runtime.edge, 'dispatchSigned');
    const before = system.runtime.edge.connectionsAccepted;
    const response = await fetch(`${system.endpoint}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY, connection: 'close' },
      body: JSON.stringify(signUpPosted(eventId('transport'), 'in.process@example.com', 'Ada')),
    });
    expect(response.status).toBe(202);
    await system.runtime.idle();
    expect(system.emailsTo('in.process@example.com').map((m) => m.subject)).toEqual([
      'Welcome to Relance Demo Shop, Ada!',
    ]);
    // The producer's POST is the one connection; ingest, the journey and the send came in process.
    expect(system.runtime.edge.connectionsAccepted - before).toBe(1);
    const targets = dispatched.mock.calls.map(([req]) => req.headers['x-amz-target'] ?? req.path);
    expect(targets).toContain('AWSEvents.PutEvents');
    expect(targets).toContain('/v2/email/outbound-emails');
    expect(targets.some((t) => t.startsWith('DynamoDB_20120810.'))).toBe(true);
    // Each call is signed with its function's key, which the edge maps to the function's role.
    for (const [req] of dispatched.mock.calls)
      expect(system.runtime.iam.principalFor(accessKeyOf(req))).toBeDefined();
    dispatched.mockRestore();
  });
});
