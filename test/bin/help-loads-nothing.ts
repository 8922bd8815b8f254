/**
 * Preloaded after tsx by the CLI tests (`node --import tsx --import ./test/bin/help-loads-nothing.ts`):
 * fails any import of the project's own modules (but bin/relance.ts), of the AWS SDK or of the CDK,
 * so a help or usage path that loads a command's module exits with an error instead of printing help.
 */
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';

const hooks = `
let root;
export function initialize(data) { root = data.root; }
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  const url = resolved.url;
  const own = url.startsWith(root) && !url.includes('/node_modules/') && !url.endsWith('/bin/relance.ts');
  if (own || /\\/node_modules\\/(aws-cdk-lib|@aws-sdk|constructs)\\//.test(url))
    throw new Error('help-loads-nothing: ' + url + ' was imported');
  return resolved;
}`;

register(`data:text/javascript,${encodeURIComponent(hooks)}`, {
  data: { root: pathToFileURL(`${process.cwd()}/`).href },
});
