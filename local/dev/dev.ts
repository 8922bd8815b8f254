/**
 * `relance dev`: the whole system on this machine from the synthesized template, on one port,
 * with the web page at `/`, optional persistence under .relance/, and the demo scenario.
 */
import { join } from 'node:path';
import type { PolicyValidationStack } from 'aws-cdk-lib';
import { ENV } from '#platform/env-names.ts';
import { isContinuousIntegration } from '../../lib/context.ts';
import { templateValidationCache } from '../../lib/template-validation-passes.ts';
import { bundledCatalog } from '../../workflows/versions/index.ts';
import { REGISTRY_DIR, readRegistry, recordVersions } from '../../workflows/versions/registry.ts';
import type { Outbox } from '../aws/outbox.ts';
import {
  assemblyInputsHash,
  assemblySourcesHash,
  assemblyUpToDate,
  forgetAssemblyInputs,
  rememberAssemblyInputs,
} from './assembly-inputs.ts';
import {
  assemblyCatalog,
  formatJourneyChanges,
  journeyChanges,
  localRegistryDir,
  recordedEverywhere,
} from './journey-versions.ts';
import { type LocalRuntime, startLocalRuntime } from './runtime.ts';
import {
  checkTemplates,
  describeCheck,
  forgetTemplatesToCheck,
  readTemplatesToCheck,
  writeTemplatesToCheck,
} from './template-check.ts';
import { printable } from './terminal-text.ts';

export interface DevOptions {
  readonly projectRoot: string;
  readonly port: number;
  readonly timeScale: number;
  /** See RuntimeOptions.maxBacklog. */
  readonly maxBacklog?: number;
  readonly memory: boolean;
  readonly demo: boolean;
  readonly apiKey: string;
  readonly cdkOut?: string;
}

const say = (line: string) => process.stdout.write(`${line}\n`);

/** Where a message comes from: `[journey / step]`, or `[lead lead-…]` for a rep's notification. */
function origin(tag: (name: string) => string | undefined): string {
  if (tag('journey')) return `[${tag('journey')} / ${tag('step') ?? '?'}]`;
  if (tag('kind') === 'lead') return `[lead ${tag('lead') ?? ''}]`.replace(' ]', ']');
  return '[?]';
}

/** Prints each new e-mail, SMS and call as it leaves, so the demo can be followed in the terminal. */
export function followOutbox(
  runtime: Pick<LocalRuntime, 'ses' | 'sns' | 'smsVoice'>,
  print: (line: string) => void = say,
): () => void {
  /**
   * One outbox's new messages at each tick, counted from this process's first message: what a
   * previous process sent (restored from the saved state) was printed then, not again now. Messages
   * sent faster than the outbox keeps them (a load test) are counted, not listed.
   */
  const follow = <T>(outbox: Outbox<T>, what: string, line: (message: T) => string) => {
    let seen = outbox.accepted;
    return () => {
      const { messages, dropped } = outbox.since(seen);
      seen = outbox.accepted;
      if (dropped > 0) print(`  … ${dropped} more ${what} sent (the outbox keeps the last ${outbox.limit})`);
      for (const message of messages) print(line(message));
    };
  };
  const ticks = [
    follow(
      runtime.ses.sent,
      'e-mails',
      (email) =>
        `  ✉  e-mail  → ${printable(email.destination.to.join(', '))}  “${printable(email.subject)}”  ${printable(origin((name) => email.tags[name]))}`,
    ),
    follow(
      runtime.sns.sent,
      'SMS',
      (message) =>
        `  ✆  SMS     → ${printable(message.phoneNumber)}  “${printable(message.message)}”  ${printable(origin((name) => message.attributes[`relance.${name}`]))}`,
    ),
    follow(runtime.smsVoice.sent, 'SMS and calls', (message) => {
      const kind = message.channel === 'VOICE' ? `☎  call (${message.voiceId ?? '?'})` : '✆  SMS    ';
      const body = message.bodyType === 'SSML' ? message.body.replace(/<[^>]+>/g, '') : message.body;
      return `  ${kind} → ${printable(message.destinationPhoneNumber)}  “${printable(body.replace(/\s+/g, ' ').trim())}”  ${printable(origin((name) => message.context[name]))}`;
    }),
  ];
  const timer = setInterval(() => {
    for (const tick of ticks) tick();
  }, 250);
  return () => clearInterval(timer);
}

/** An assembly for the local runtime, and the stacks whose templates are left to validate (./template-check.ts). */
export interface LocalAssembly {
  readonly cdkOut: string;
  /** Undefined when validation is off (`CDK_VALIDATION=false` at synth). */
  readonly templates: PolicyValidationStack[] | undefined;
}

/**
 * Synthesizes the app into .relance/cdk.out keeping, for the runs saved under .relance/data, every
 * journey version recorded in the repository or by an earlier `relance dev` (in .relance/versions,
 * never in the repository's registry), and says what changed since the last start. When nothing
 * the assembly is built from changed since it was written (./assembly-inputs.ts), it is used as it
 * is: aws-cdk-lib is not even loaded. The templates are not validated here but once the runtime is
 * ready (the synth hands them over: ./template-check.ts).
 */
export async function synthesizeWithVersions(
  options: DevOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LocalAssembly> {
  const outdir = join(options.projectRoot, '.relance', 'cdk.out');
  // In CI every start synthesizes: the inputs are not hashed (an esbuild pass over the synth's
  // sources, a fifth of a second), and the assembly is left without a hash, never to be reused.
  const sources = isContinuousIntegration(env) ? undefined : assemblySourcesHash(options.projectRoot, env);
  const earlier = recordedEverywhere(options.projectRoot);
  if (sources !== undefined && assemblyUpToDate(outdir, assemblyInputsHash(sources, earlier), env))
    return { cdkOut: outdir, templates: readTemplatesToCheck(outdir) };
  const before = assemblyCatalog(outdir);
  forgetAssemblyInputs(outdir);
  forgetTemplatesToCheck(outdir);
  const { synthesizeForLocal } = await import('./synth.ts');
  let templates: PolicyValidationStack[] | undefined;
  synthesizeForLocal(outdir, {}, { earlier, deferTemplateValidation: (stacks) => (templates = [...stacks]) });
  if (templates) writeTemplatesToCheck(outdir, templates);
  const current = bundledCatalog().current;
  if (!options.memory) {
    // Only what the repository's registry does not have: local edits stay local.
    const inRepository = new Set(readRegistry(REGISTRY_DIR).map((v) => `${v.journeyId}@${v.version}`));
    const localOnly = current.filter((v) => !inRepository.has(`${v.journeyId}@${v.version}`));
    recordVersions(localRegistryDir(options.projectRoot), localOnly, { now: new Date().toISOString() });
  }
  // The versions as recorded now: those just recorded are the deployed ones, which the synth leaves
  // out of the earlier versions it compiles in, so the assembly is the one these inputs give.
  if (sources !== undefined)
    rememberAssemblyInputs(outdir, assemblyInputsHash(sources, recordedEverywhere(options.projectRoot)));
  if (before) {
    const changes = journeyChanges(before.current, current).filter((c) => c.status !== 'unchanged');
    if (changes.length > 0) {
      say('journeys changed since the last start (relance journeys diff --endpoint <url> counts the runs):');
      for (const line of formatJourneyChanges(changes)) say(`  ${line}`);
    }
  }
  return { cdkOut: outdir, templates };
}

/**
 * Plays the demo unless a stop is asked for first: Ctrl-C during the demo stops the system then,
 * not once the demo's events are all handled (a terminal's Ctrl-C also ends esbuild, which bundles
 * the functions the demo's later events reach: before, those events never settled and the stop
 * never came). A demo that fails says why, and the system keeps running.
 */
async function demo(runtime: LocalRuntime, stopAsked: Promise<void>): Promise<void> {
  const stopping = new AbortController();
  void stopAsked.then(() => stopping.abort(new Error('stop asked for')));
  const { playDemo } = await import('./demo.ts');
  try {
    await playDemo(runtime, say, stopping.signal);
  } catch (error) {
    if (stopping.signal.aborted) say('demo: left unfinished, the system is stopping');
    else say(`! demo: could not finish: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  say('demo: events sent; journeys go on in journey time — watch the messages below and on the page.');
  say(
    `demo: ask why a contact got (or did not get) a message: npm run relance -- why linus@example.com --endpoint ${runtime.endpoint}`,
  );
}

/** Starts the local system and keeps it running until Ctrl-C. */
export async function dev(options: DevOptions): Promise<void> {
  const started = performance.now();
  // Listened to from the start: a stop asked for while the system starts (Ctrl-C, a supervisor's
  // SIGTERM) lets it finish starting, then stops it as any stop does. Before, a signal in that window
  // ended the process at once, its function bundles left in node_modules/.cache.
  const stopAsked = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  say('relance: starting the local system…');
  const { cdkOut, templates } = options.cdkOut
    ? { cdkOut: options.cdkOut, templates: undefined }
    : await synthesizeWithVersions(options);
  const runtime = await startLocalRuntime({
    projectRoot: options.projectRoot,
    cdkOut,
    port: options.port,
    clock: { mode: 'scaled', scale: options.timeScale },
    ...(options.maxBacklog === undefined ? {} : { maxBacklog: options.maxBacklog }),
    ...(options.memory ? {} : { dataDir: join(options.projectRoot, '.relance', 'data') }),
    apiKey: options.apiKey,
    environmentOverrides: {
      POWERTOOLS_LOG_LEVEL: process.env.RELANCE_LOG_LEVEL ?? 'WARN',
      // A resume a few real seconds late is many minutes of scaled journey time: the sweeper's
      // grace keeps 30 real seconds (never less than its 10 minutes), or it would call it stalled.
      [ENV.runSweepGraceSeconds]: String(Math.max(600, Math.ceil(30 * options.timeScale))),
    },
    // The page's module (views over every table, previews, funnels) loads with the first page
    // request, not before the system says it is ready.
    web: async (running, req) => (await import('./dashboard.ts')).dashboardWeb(running, req),
    validateDefinitionsOffThread: true,
  });
  const url = runtime.endpoint;
  say('');
  say(`relance is running locally — ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  say(`  web page          ${url}/`);
  say(
    `  AWS endpoint      ${url}   (export AWS_ENDPOINT_URL=${url} AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local)`,
  );
  say(`  HTTP API          POST ${url}/events   (header x-api-key: ${options.apiKey})`);
  say(`  lead form         POST ${url}/v1/leads   (public; see README "Lead form")`);
  say(
    `  journey time      ${options.timeScale}× real time${options.timeScale === 1 ? '' : ` (1 h of journey time = ${(3600 / options.timeScale).toFixed(1)} s)`}`,
  );
  say(
    `  data              ${options.memory ? 'in memory (--memory)' : '.relance/data (kept across restarts; --memory to keep nothing)'}`,
  );
  if (runtime.replayedAtStart > 0)
    say(
      `  replayed          ${runtime.replayedAtStart} event(s) the last process had accepted and not delivered (it stopped abruptly)`,
    );
  if (runtime.schedulesRecoveredAtStart + runtime.messagesRecoveredAtStart > 0)
    say(
      `  recovered         ${runtime.schedulesRecoveredAtStart} schedule(s) and ${runtime.messagesRecoveredAtStart} dead letter(s) written after the last save, from their journals`,
    );
  const restarted = runtime.restartedAtStart.filter((x) => x.restarted).length;
  if (restarted > 0)
    say(
      `  restarted         ${restarted} execution(s) the last process left running, under their own names (their runs go on; sends go through the ledger)`,
    );
  for (const lost of runtime.restartedAtStart.filter((x) => !x.restarted)) {
    say(
      `  ! not restarted   an execution of ${lost.stateMachineArn.split(':').at(-1)} started ${lost.startedAt}: its state machine is no longer in the template`,
    );
  }
  say(`  try               aws --endpoint-url ${url} stepfunctions list-state-machines`);
  say(
    '                    aws --endpoint-url ' +
      url +
      ' dynamodb scan --table-name ' +
      (runtime.app.tables.find((t) => t.logicalId.includes('Ledger'))?.name ?? 'TABLE'),
  );
  // After the ready lines: the validation's worker then never delays the start.
  const templateCheck = checkTemplates(templates, {
    cacheDir: templateValidationCache(),
    whyNot: options.cdkOut
      ? 'the assembly was given (--cdk-out): its templates are validated where it was synthesized'
      : 'CDK_VALIDATION=false',
  });
  runtime.templateCheck = templateCheck.current;
  for (const line of describeCheck(templateCheck.current())) say(line);
  say('  stop              Ctrl-C');
  say('');
  if (templateCheck.current().state === 'validating')
    void templateCheck.verdict.then((verdict) => {
      for (const line of describeCheck(verdict)) say(line);
    });
  const stopFollowing = followOutbox(runtime);
  if (options.demo) await demo(runtime, stopAsked);
  await stopAsked;
  say('\nstopping…');
  stopFollowing();
  await templateCheck.stop();
  const interrupted = runtime.runningExecutions().length;
  await runtime.stop();
  say(
    `stopped${interrupted > 0 ? ` (${interrupted} execution(s) in flight ${options.memory ? 'dropped: --memory keeps nothing' : 'begin again at the next start'})` : ''}; paused runs resume on the next start${options.memory ? ' — not with --memory' : ''}.`,
  );
}
