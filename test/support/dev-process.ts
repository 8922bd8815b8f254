/** `relance dev` in a child process, on an assembly synthesized beforehand, with what it prints. */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { PROJECT_ROOT } from './local-system.ts';

export interface DevProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** Resolves, with everything printed so far, once it has printed `text`; rejects if it ends first. */
  printed(text: string): Promise<string>;
  /** Its exit code or signal once it has ended, and everything it printed. */
  readonly ended: Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>;
}

export interface DevOptions {
  /** Node arguments after tsx's loader (another `--import`, for instance). */
  readonly nodeArgs?: readonly string[];
  /** Plays the demo (`--no-demo` otherwise). */
  readonly demo?: boolean;
  /**
   * In a process group of its own, as a terminal runs `npm start`: `kill(-pid)` then signals it
   * and the processes it started (esbuild's service), as Ctrl-C does.
   */
  readonly ownProcessGroup?: boolean;
}

/** Starts `relance dev --memory --port 0` on `cdkOut`, with `--no-demo` unless `options.demo`. */
export function startDev(cdkOut: string, options: DevOptions = {}): DevProcess {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      ...(options.nodeArgs ?? []),
      'bin/relance.ts',
      'dev',
      '--memory',
      ...(options.demo ? [] : ['--no-demo']),
      '--port',
      '0',
      '--cdk-out',
      cdkOut,
    ],
    {
      cwd: PROJECT_ROOT,
      env: { ...process.env, RELANCE_PORT: '' },
      stdio: 'pipe',
      detached: options.ownProcessGroup === true,
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((done) =>
    child.on('close', (code, signal) => done({ code, signal, output })),
  );
  const printed = (text: string) =>
    new Promise<string>((done, fail) => {
      const look = () => {
        if (!output.includes(text)) return;
        child.stdout.off('data', look);
        done(output);
      };
      child.stdout.on('data', look);
      look();
      void ended.then(() => fail(new Error(`ended before printing "${text}":\n${output}`)));
    });
  return { child, printed, ended };
}
