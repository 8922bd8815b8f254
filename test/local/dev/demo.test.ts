// `npm start`'s demo stops when the system does: a stop asked for while it plays aborts it, and it
// sends nothing more (it used to play to its end first, or hang, before the system could stop).
// A lead form that refused the demo's lead was shown as "lead (refused) accepted (502)"; it now
// fails the demo, naming the answer.
import { describe, expect, it } from 'vitest';
import { playDemo } from '../../../local/dev/demo.ts';
import { useLocalSystem } from '../../support/local-system.ts';

describe('the demo, stopped or refused', () => {
  const system = useLocalSystem();

  it('sends nothing once the stop is asked for, and says why it ended', async () => {
    const stopping = new AbortController();
    const said: string[] = [];
    const demoEvents = () =>
      system().runtime.bus.events.filter((record) => record.event.source === 'demo.shop.example.com').length;
    const before = demoEvents();

    // Act: the stop comes as the demo announces its second contact.
    const played = playDemo(
      system().runtime,
      (line) => {
        said.push(line);
        if (line.startsWith('demo: Grace signs up')) stopping.abort(new Error('stop asked for'));
      },
      stopping.signal,
    );

    // Assert: Ada's two events went out, nothing after them.
    await expect(played).rejects.toThrow('stop asked for');
    await system().runtime.idle();
    expect(demoEvents() - before).toBe(2);
    expect(said.at(-1)).toMatch(/^demo: Grace signs up/);
  });

  it("fails, naming the form's answer, when the lead form refuses the demo's lead", async () => {
    const lambdas = system().runtime.lambdas;
    const form = system().runtime.app.functions.find((fn) => fn.entry.endsWith('leads/form-handler.ts'));
    expect(form).toBeDefined();
    // The form's function fails (API Gateway answers 502), as when its bundle cannot be built.
    const invoke = lambdas.invoke.bind(lambdas);
    lambdas.invoke = (arn, event) =>
      arn === form?.arn || arn === form?.name ? Promise.reject(new Error('no bundle')) : invoke(arn, event);
    try {
      await expect(playDemo(system().runtime, () => {})).rejects.toThrow(/^the lead form answered 502: /);
    } finally {
      lambdas.invoke = invoke;
    }
  });
});
