/**
 * Runs the relance command line as a user does (`node --import tsx bin/relance.ts ...`) from the
 * project root, without RELANCE_PORT unless given; resolves with the exit code and the output.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

const PROJECT_ROOT = resolve(import.meta.dirname, '../..');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function relance(
  args: readonly string[],
  options: {
    /** Variables to set (on top of this process's environment, RELANCE_PORT removed). */
    readonly env?: Readonly<Record<string, string>>;
    /** Fail any import of a command's module, the AWS SDK or the CDK (see help-loads-nothing.ts). */
    readonly loadsNothing?: boolean;
  } = {},
): Promise<CliResult> {
  const { RELANCE_PORT: _ignored, ...inherited } = process.env;
  const guard = options.loadsNothing ? ['--import', './test/bin/help-loads-nothing.ts'] : [];
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', ...guard, 'bin/relance.ts', ...args],
      { cwd: PROJECT_ROOT, env: { ...inherited, ...options.env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') fail(error);
        else done({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
  });
}
