/**
 * The journey catalog a deployment was synthesized with, when it is bundled apart from the sources.
 * Nothing here: a Lambda bundle runs the journeys and recorded versions built into it. The local
 * runtime bundles its functions with this module replaced by its cloud assembly's catalog, so they
 * run exactly what that synth would deploy, whatever the source tree holds now.
 */
import type { JourneyCatalog } from './index.ts';

export const deployedCatalog: JourneyCatalog | undefined = undefined;
