/**
 * The newcomer's first look: a small data set and a short scenario played through the real
 * EventBridge API, as a shop would send it: sign-ups, an abandoned cart, a cart that is ordered,
 * a waitlisted product coming back, a price drop.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { LocalRuntime } from './runtime.ts';

type Say = (line: string) => void;

const iso = (runtime: LocalRuntime, offsetMs = 0) => new Date(runtime.clock.now() + offsetMs).toISOString();

/**
 * Waits for `work` unless `signal` aborts first (then throws its reason): a stop asked for during
 * the demo does not wait for the runtime to go idle, which it may never do once the stop began.
 */
function unlessStopped<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const stop = () => reject(signal.reason);
    signal.addEventListener('abort', stop, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', stop));
  });
}

/**
 * Plays the demo scenario; resolves when every event is accepted (journeys go on in journey time).
 * When `signal` aborts (the system is stopping), it sends nothing more and rejects with its reason.
 */
export async function playDemo(runtime: LocalRuntime, say: Say, signal?: AbortSignal): Promise<void> {
  const client = new EventBridgeClient({ endpoint: runtime.endpoint, region: 'us-east-1' });
  try {
    await playScenario(runtime, say, client, signal);
  } finally {
    client.destroy();
  }
}

async function playScenario(
  runtime: LocalRuntime,
  say: Say,
  client: EventBridgeClient,
  signal: AbortSignal | undefined,
): Promise<void> {
  const bus = runtime.app.buses[0]?.name ?? 'default';
  const run = `demo-${Date.now().toString(36)}`;
  let n = 0;
  const put = async (detailType: string, detail: Record<string, unknown>) => {
    // Checked before the call starts: once the stop is asked for, no event leaves.
    signal?.throwIfAborted();
    n += 1;
    const full = {
      eventId: `${run}-${n}`,
      occurredAt: iso(runtime),
      source: 'demo.shop.example.com',
      ...detail,
    };
    const result = await unlessStopped(
      client.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: bus,
              Source: 'demo.shop.example.com',
              DetailType: detailType,
              Detail: JSON.stringify(full),
            },
          ],
        }),
      ),
      signal,
    );
    if (result.FailedEntryCount)
      throw new Error(`demo event ${detailType} was refused: ${JSON.stringify(result.Entries)}`);
    await unlessStopped(runtime.idle(), signal);
  };
  const lamp = { sku: 'LAMP-01', name: 'Brass desk lamp', qty: 1, price: 89 };
  const mug = { sku: 'MUG-02', name: 'Stoneware mug', qty: 2, price: 14.5 };

  say('demo: Ada signs up (French locale, SMS opt-in) → welcome journey');
  await put('contact.signed_up', {
    contact: { email: 'ada@example.com', phone: '+33612345678' },
    firstName: 'Ada',
    locale: 'fr',
    timezone: 'Europe/Paris',
  });
  await put('consent.changed', {
    contact: { email: 'ada@example.com' },
    channel: 'sms',
    status: 'opted_in',
    proof: { kind: 'form', reference: 'signup' },
  });

  say('demo: Grace signs up and leaves a cart → abandoned-cart reminder after 1 h of journey time');
  await put('contact.signed_up', {
    contact: { email: 'grace@example.com' },
    firstName: 'Grace',
    timezone: 'America/New_York',
  });
  await put('cart.updated', {
    contact: { email: 'grace@example.com' },
    cartId: `${run}-cart-grace`,
    items: [lamp, mug],
    value: 118,
    currency: 'EUR',
  });

  say('demo: Alan carts and orders within the hour → no reminder (goal reached)');
  await put('contact.signed_up', { contact: { email: 'alan@example.com' }, firstName: 'Alan' });
  await put('cart.updated', {
    contact: { email: 'alan@example.com' },
    cartId: `${run}-cart-alan`,
    items: [mug],
    value: 29,
    currency: 'EUR',
  });
  await put('order.completed', {
    contact: { email: 'alan@example.com' },
    orderId: `${run}-order-alan`,
    cartId: `${run}-cart-alan`,
    items: [mug],
    total: 29,
    currency: 'EUR',
  });

  say(
    'demo: Alan then Ada waitlist a sold-out lamp; 1 unit comes back → only Alan (first in line) hears of it',
  );
  await put('product.stock_changed', {
    sku: 'LAMP-09',
    name: 'Opal pendant lamp',
    previousQuantity: 3,
    newQuantity: 0,
  });
  await put('product.waitlisted', {
    contact: { email: 'alan@example.com' },
    sku: 'LAMP-09',
    name: 'Opal pendant lamp',
  });
  await put('product.waitlisted', {
    contact: { email: 'ada@example.com' },
    sku: 'LAMP-09',
    name: 'Opal pendant lamp',
  });
  await put('product.stock_changed', {
    sku: 'LAMP-09',
    name: 'Opal pendant lamp',
    previousQuantity: 0,
    newQuantity: 1,
  });

  say('demo: Linus leaves a cart, then unsubscribes from cart reminders → both reminders skipped, and why');
  await put('cart.updated', {
    contact: { email: 'linus@example.com' },
    cartId: `${run}-cart-linus`,
    items: [mug],
    value: 29,
    currency: 'EUR',
  });
  await put('consent.changed', {
    contact: { email: 'linus@example.com' },
    channel: 'email',
    topic: 'cart_reminders',
    status: 'opted_out',
    proof: { kind: 'link' },
  });

  say(
    'demo: a cart for the SES simulator bounce address → the reminder bounces, the last call is suppressed',
  );
  await put('cart.updated', {
    contact: { email: 'bounce@simulator.amazonses.com' },
    cartId: `${run}-cart-bounce`,
    items: [lamp],
    value: 89,
    currency: 'EUR',
  });

  say(
    'demo: a website form posts a lead → scored and routed (Paris territory, or the fallback queue when nobody there is on duty); the rep gets an e-mail, and an SMS when on duty',
  );
  const lead = await fetch(`${runtime.endpoint}/v1/leads`, {
    method: 'POST',
    signal,
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://127.0.0.1:4747' },
    body: new URLSearchParams({
      submissionId: `${run}-lead`,
      email: 'marie.curie@radium.example',
      phone: '+33 6 11 22 33 44',
      firstName: 'Marie',
      lastName: 'Curie',
      company: 'Radium SA',
      companySize: '300',
      country: 'FR',
      postcode: '75005',
      productInterest: 'analytics',
      language: 'fr',
      smsConsent: 'on',
      message: 'Nous voulons une démo.',
    }).toString(),
  });
  if (lead.status !== 202)
    throw new Error(`the lead form answered ${lead.status}: ${(await lead.text()).slice(0, 300)}`);
  const { leadId } = (await lead.json()) as { leadId?: string };
  await unlessStopped(runtime.idle(), signal);
  say(`demo: lead ${leadId} accepted; the rep has 1 h of journey time to respond`);

  // End User Messaging's sandbox calls and texts verified numbers only: Grace verified hers.
  const gracePhone = '+12125550142';
  runtime.smsVoice.verifyDestination(gracePhone);
  say(
    `demo: Grace books a demo with her rep for the day after tomorrow → confirmation by e-mail (.ics invitation), SMS and a call read by Amazon Polly (End User Messaging; ${gracePhone} is a verified destination of the sandbox; SMS and call wait for 08:00 when it is night in New York), reminder the day before`,
  );
  await put('appointment.booked', {
    contact: { email: 'grace@example.com', phone: gracePhone },
    appointmentId: `${run}-appointment`,
    repId: 'claire-martin',
    startsAt: iso(runtime, 2 * 86_400_000),
    durationMinutes: 30,
    location: 'https://meet.example.com/claire',
    title: 'relance demo',
  });

  say(
    'demo: Hedy last ordered four months ago → segments customers and lapsed-90; the next 08:00 win-back pass writes to her (unless she is in its 10% holdout)',
  );
  await put('contact.signed_up', {
    contact: { email: 'hedy@example.com' },
    firstName: 'Hedy',
    timezone: 'Europe/Vienna',
  });
  for (const daysAgo of [150, 120]) {
    await put('order.completed', {
      occurredAt: iso(runtime, -daysAgo * 86_400_000),
      contact: { email: 'hedy@example.com' },
      orderId: `${run}-order-hedy-${daysAgo}`,
      items: [lamp],
      total: 89,
      currency: 'EUR',
    });
  }
  await put('consent.changed', {
    contact: { email: 'ada@example.com' },
    channel: 'email',
    status: 'opted_in',
    proof: { kind: 'form', reference: 'signup' },
  });

  say('demo: the brass lamp Grace carted gets cheaper → price-drop e-mail');
  await put('product.price_changed', {
    sku: 'LAMP-01',
    name: 'Brass desk lamp',
    oldPrice: 89,
    newPrice: 69,
    currency: 'EUR',
  });
}
