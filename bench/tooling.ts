/**
 * Tooling times on this machine (issue 18.6): `cdk synth` and `npm start` until ready, each as it
 * ran before (CloudFormation validation every time, every function bundled: what CI=true and a
 * fresh cdk.out still do) and as it runs again once nothing changed (validation passed for these
 * templates, bundles in cdk.out named by their inputs' hash; `npm start` reuses its assembly).
 * `npm start` validates its templates once it is ready: the time to that verdict is printed too.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SDK_BUILD_CACHE } from '../lib/stateless/sdk-bundle.ts';
import { type Table, verdict } from './report.ts';

const PROJECT_ROOT = resolve(import.meta.dirname, '..');
const SYNTH_TARGET_S = 15;
const START_TARGET_S = 5;
const READY_LINE = 'relance is running locally';
/** The line relance dev prints with the templates' verdict (local/dev/template-check.ts#describeCheck). */
const VERDICT_LINE = /templates {9}(deployable|warnings|not deployable|not validated):/;

interface StartTimes {
  /** Seconds to the ready line. */
  readonly ready: number;
  /** Seconds to the templates' verdict, and the verdict. */
  readonly verdict: { readonly seconds: number; readonly state: string };
}

function environment(ci: boolean): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CDK_DISABLE_VERSION_CHECK: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  if (ci) env.CI = 'true';
  else delete env.CI;
  return env;
}

/** Seconds `npx cdk synth` takes to write the assembly to `output`. */
function synth(output: string, ci: boolean): Promise<number> {
  const started = performance.now();
  return new Promise((done, fail) => {
    const child = spawn('npx', ['cdk', 'synth', '--quiet', '--output', output], {
      cwd: PROJECT_ROOT,
      env: environment(ci),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    child.on('exit', (code) =>
      code === 0
        ? done((performance.now() - started) / 1000)
        : fail(new Error(`cdk synth exited with ${code}:\n${errors.slice(-2000)}`)),
    );
  });
}

/** Seconds from launching `npm start` (in memory, no demo) to its ready line, and to its templates' verdict. */
function start(ci: boolean): Promise<StartTimes> {
  const started = performance.now();
  return new Promise((done, fail) => {
    const child = spawn('npm', ['start', '--silent', '--', '--port', '0', '--memory', '--no-demo'], {
      cwd: PROJECT_ROOT,
      env: environment(ci),
      stdio: ['ignore', 'pipe', 'ignore'],
      detached: true,
    });
    let output = '';
    let ready: number | undefined;
    let verdict: StartTimes['verdict'] | undefined;
    const timer = setTimeout(() => stop(), 120_000);
    const stop = () => {
      clearTimeout(timer);
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    };
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const now = (performance.now() - started) / 1000;
      if (ready === undefined && output.includes(READY_LINE)) ready = now;
      const state = VERDICT_LINE.exec(output)?.[1];
      if (ready !== undefined && verdict === undefined && state !== undefined) {
        verdict = { seconds: now, state };
        stop();
      }
    });
    child.on('exit', () =>
      ready === undefined || verdict === undefined
        ? fail(
            new Error(
              `relance dev never got ready, or never said whether its templates deploy:\n${output.slice(-2000)}`,
            ),
          )
        : done({ ready, verdict }),
    );
  });
}

const s = (seconds: number) => `${seconds.toFixed(1)} s`;

export async function benchTooling(): Promise<Table[]> {
  const output = mkdtempSync(join(tmpdir(), 'relance-bench-synth-'));
  try {
    // A fresh cdk.out, no SDK build kept and CI=true: validation runs, the SDK is built and every
    // function is bundled, as in a fresh clone.
    rmSync(SDK_BUILD_CACHE, { recursive: true, force: true });
    const synthEveryTime = await synth(output, true);
    // Once more with nothing changed: the validation pass and the bundles are reused.
    await synth(output, false);
    const synthAgain = await synth(output, false);
    const startEveryTime = await start(true);
    await start(false);
    const startAgain = await start(false);
    return [
      {
        title: 'Tooling on this machine: cdk synth, and npm start until relance dev is ready',
        columns: ['figure', 'seconds', 'target', 'verdict'],
        rows: [
          [
            'cdk synth, fresh cdk.out, validation every time (CI)',
            s(synthEveryTime),
            `<= ${SYNTH_TARGET_S} s`,
            verdict(synthEveryTime <= SYNTH_TARGET_S),
          ],
          [
            'cdk synth again, nothing changed',
            s(synthAgain),
            `<= ${SYNTH_TARGET_S} s`,
            verdict(synthAgain <= SYNTH_TARGET_S),
          ],
          [
            'npm start ready, synthesized and validated every time (CI)',
            s(startEveryTime.ready),
            `<= ${START_TARGET_S} s`,
            verdict(startEveryTime.ready <= START_TARGET_S),
          ],
          [
            `  then its templates ${startEveryTime.verdict.state} (validated in a worker once ready)`,
            s(startEveryTime.verdict.seconds),
            '',
            '',
          ],
          [
            'npm start ready again, nothing changed',
            s(startAgain.ready),
            `<= ${START_TARGET_S} s`,
            verdict(startAgain.ready <= START_TARGET_S),
          ],
        ],
        notes: [
          'each from launching the command (npm or npx, Node and tsx start-up included); npm start runs relance dev in memory, without the demo',
          "npm start validates its templates (CloudFormation's rules, as cdk synth does) in a worker thread once it is ready, and prints the verdict: the local system works meanwhile",
          'validation passes are kept in .relance/cache/template-validation by template hash; bundles in cdk.out by the hash of their inputs; the build of the AWS SDK (lib/stateless/sdk-bundle.ts) in node_modules/.cache, removed before the fresh synth; npm start reuses .relance/cdk.out while the inputs it was synthesized from hash the same (local/dev/assembly-inputs.ts), never with CI=true',
        ],
      },
    ];
  } finally {
    rmSync(output, { recursive: true, force: true });
  }
}
