#!/usr/bin/env node
/**
 * The CDK app: validates every journey, then synthesizes the data and app stacks. The version of
 * each journey it deploys is recorded in workflows/versions/ (once per version, before bundling, so
 * the functions carry it): commit the new files with the change, the next deploys keep those
 * versions for the runs still on them.
 */
import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app.ts';
import { REGISTRY_DIR, recordVersions } from '../workflows/versions/registry.ts';

const app = new App();
const { versions } = buildApp(app);
const recorded = recordVersions(REGISTRY_DIR, versions.current, {
  now: new Date().toISOString(),
  index: true,
});
for (const version of recorded) {
  process.stderr.write(
    `relance: recorded journey ${version.journeyId} version ${version.version} in workflows/versions/ — commit it with the change\n`,
  );
}
app.synth();
