// The app calls no deprecated aws-cdk-lib API: each would print a warning on every synth, `npm start`
// and `npm run cost`, and disappears in the next major release. jsii's JSII_DEPRECATED=fail turns the
// warning into an error thrown where the deprecated member is called.
import { afterEach, expect, it } from 'vitest';
import { synthRelance } from './synth.ts';

const before = process.env.JSII_DEPRECATED;
afterEach(() => {
  if (before === undefined) delete process.env.JSII_DEPRECATED;
  else process.env.JSII_DEPRECATED = before;
});

it('synthesizes without calling a deprecated aws-cdk-lib API', () => {
  // Arrange
  process.env.JSII_DEPRECATED = 'fail';

  // Act
  const synth = synthRelance();
  synth.dispose();

  // Assess: reaching here means no deprecated member was called.
  expect(synth.app.toJSON().Resources).toBeDefined();
});
