/**
 * zod for every schema relance's deployed code builds: the mini build (functions instead of methods,
 * so a bundle carries only the validators it uses) with zod's English messages, which the classic
 * build sets when it loads and the mini build leaves out. Import it as a namespace (`import * as z`):
 * esbuild then keeps only the members used. The classic build cost each function about 15-20 ms of
 * module initialisation at every cold start (README, Performance).
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

export * from 'zod/mini';
