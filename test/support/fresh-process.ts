/** A script run in a fresh Node process, for what one process's module cache would hide. */
import { execFileSync } from 'node:child_process';
import { PROJECT_ROOT } from './local-system.ts';

/** Runs `script` (ESM) in a fresh Node process with tsx's loader, from the project root; its stdout. */
export function runFresh(script: string): string {
  return execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
}
