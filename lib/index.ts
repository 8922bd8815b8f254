/**
 * relance for infra teams: place `Relance` in any stack of any CDK app.
 *
 * ```ts
 * import { Relance } from 'relance/lib/index.ts';
 * new Relance(stack, 'Marketing', { stage: 'prod', config: { fromAddress: 'Shop <hello@shop.example>' } });
 * ```
 *
 * The repository's own app (bin/app.ts, lib/app.ts) composes the same construct in a stateful and
 * a stateless stack. `DeployLimitsPlugin` (AWS limits a deploy would hit) and cdk-nag's
 * `AwsSolutionsChecks` are validation plugins an app adds itself; the construct records its
 * cdk-nag acknowledgements on the resources concerned.
 */
export {
  ConfigValidationError,
  type RelanceConfig,
  type RelanceConfigProps,
} from './config.ts';
export { DeployLimitsPlugin } from './deploy-limits.ts';
export {
  JourneyValidationError,
  Relance,
  type RelanceProps,
  RelancePropsError,
} from './relance-stack.ts';
export { StageNameError, StageNames } from './stage.ts';
export { type RelanceTableSet, RelanceTables, type RelanceTablesProps } from './stateful/relance-tables.ts';
