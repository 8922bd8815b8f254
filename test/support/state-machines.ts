import type { LocalStateMachine } from '../../local/aws/template.ts';

/** An Express state machine of the local template with this name and ASL definition. */
export function expressMachine(name: string, definition: object): LocalStateMachine {
  return {
    logicalId: name,
    name,
    arn: `arn:aws:states:us-east-1:000000000000:stateMachine:${name}`,
    type: 'EXPRESS',
    definition: definition as LocalStateMachine['definition'],
  };
}
