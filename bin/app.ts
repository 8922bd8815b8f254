#!/usr/bin/env node
/** The CDK app: validates every journey, then synthesizes the data and app stacks. */
import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app.ts';

const app = new App();
buildApp(app);
app.synth();
