/**
 * TransactWriteItems for the local DynamoDB, which dynalite does not implement. Documented
 * behaviour kept (API reference, TransactWriteItems; developer guide, "Amazon DynamoDB
 * Transactions"):
 * - 1 to 100 actions (ConditionCheck, Put, Update, Delete), at most one per item, across tables;
 * - all or nothing: when a condition fails nothing is written, and the caller gets a
 *   TransactionCanceledException whose CancellationReasons hold one reason per action, in order
 *   (`None` or `ConditionalCheckFailed`, with the item when it asked for ALL_OLD);
 * - isolation: no other request sees or writes between the first and the last action;
 * - a ClientRequestToken makes a repeat within 10 minutes succeed without writing again, and the
 *   same token with another request is an IdempotentParameterMismatchException;
 * - each action costs two write units per KB of its item.
 *
 * How: each action is run as the single-item conditional write it describes (a condition check as
 * an update that changes nothing, undone when it created its item), in order, each returning the
 * item as it was (ALL_OLD); when one fails, the items already written are put back as they were.
 * The items are read only where that is needed: a failed action's item when its caller asked for
 * it, and the items as written when the caller wants them (index billing). The caller (LocalDynamo)
 * runs a transaction alone: requests arriving meanwhile wait for it, and it waits for those in
 * progress.
 */
import { createHash } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

export interface DynamoAnswer {
  readonly status: number;
  readonly body: string;
}

/** One single-item request to the underlying store (dynalite), JSON in and out. */
export type Dispatch = (operation: string, input: Record<string, unknown>) => Promise<DynamoAnswer>;

type Item = Record<string, AttributeValue>;

interface Action {
  readonly kind: 'ConditionCheck' | 'Put' | 'Update' | 'Delete';
  readonly request: Record<string, unknown> & { TableName: string };
  readonly key: Item;
}

export interface TransactionResult {
  readonly answer: DynamoAnswer;
  /** Write units billed (two per KB of each action's item), per table. */
  readonly units: ReadonlyMap<string, number>;
  /** The items written, before and after, for index billing. */
  readonly written: ReadonlyArray<{ table: string; before?: Item; after?: Item }>;
}

const TOKEN_TTL_MS = 10 * 60_000;
const MAX_ACTIONS = 100;

function error(type: string, message: string, extra: Record<string, unknown> = {}): DynamoAnswer {
  return {
    status: 400,
    body: JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message, ...extra }),
  };
}

const validation = (message: string) => error('ValidationException', message);

/** 30 bits of the request's SHA-256: a small integer, what a client token is kept with. */
const requestFingerprint = (transactItems: unknown) =>
  createHash('sha256').update(JSON.stringify(transactItems)).digest().readUInt32BE(0) >>> 2;

export class LocalTransactions {
  /**
   * The client tokens of the last ten minutes, in the order they were first used, each with a
   * 30-bit fingerprint of its request. The SDK gives every TransactWriteItems a new UUID, so a busy
   * runtime holds tens of thousands: a string and a small integer each, with no object per token
   * (with an object, a time and a hex digest, a token took 165 bytes besides its string; now 37).
   * A token reused with another request would pass for a repeat once in 2^30.
   */
  private readonly tokens = new Map<string, number>();
  /** When each token kept was first used, in the map's order from `firstTime` on (numbers only: unboxed). */
  private times: number[] = [];
  private firstTime = 0;
  private readonly keyNames = new Map<string, string[]>();

  constructor(
    private readonly dispatch: Dispatch,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** A table's key attribute names, or undefined when it does not exist. */
  private async keyNamesOf(table: string): Promise<string[] | undefined> {
    const known = this.keyNames.get(table);
    if (known) return known;
    const answer = await this.dispatch('DescribeTable', { TableName: table });
    if (answer.status !== 200) return undefined;
    const schema = (JSON.parse(answer.body) as { Table?: { KeySchema?: Array<{ AttributeName: string }> } })
      .Table?.KeySchema;
    if (!schema) return undefined;
    const names = schema.map((k) => k.AttributeName);
    this.keyNames.set(table, names);
    return names;
  }

  /** `options.written`: read each item written back, for TransactionResult.written (empty otherwise). */
  async write(
    input: Record<string, unknown>,
    options: { readonly written?: boolean } = {},
  ): Promise<TransactionResult> {
    const none = { units: new Map<string, number>(), written: [] };
    const parsed = await this.actions(input);
    if ('status' in parsed) return { answer: parsed, ...none };
    const token = typeof input.ClientRequestToken === 'string' ? input.ClientRequestToken : undefined;
    const fingerprint = token ? requestFingerprint(input.TransactItems) : 0;
    if (token) {
      this.forgetOldTokens();
      const seen = this.tokens.get(token);
      if (seen !== undefined && seen !== fingerprint)
        return {
          answer: error(
            'IdempotentParameterMismatchException',
            'The request uses the same client token as a previous, but non-identical request.',
          ),
          ...none,
        };
      // The same request again: it succeeded before, so it succeeds without writing.
      if (seen !== undefined) return { answer: { status: 200, body: '{}' }, ...none };
    }
    const result = await this.apply(parsed, options.written === true);
    if (token && result.answer.status === 200) this.remember(token, fingerprint);
    return result;
  }

  /** Keeps a token that has just succeeded, with when it was first used. */
  private remember(token: string, fingerprint: number): void {
    // The same token, run twice concurrently: kept once.
    if (this.tokens.has(token)) return;
    this.tokens.set(token, fingerprint);
    this.times.push(this.nowMs());
  }

  /**
   * Forgets the tokens older than DynamoDB's ten minutes. A token is kept in the order it was first
   * used, so the expired ones lead the map: the walk stops at the first one still valid, instead of
   * visiting every token of the last ten minutes on every transaction.
   */
  private forgetOldTokens(): void {
    const oldest = this.nowMs() - TOKEN_TTL_MS;
    for (const token of this.tokens.keys()) {
      if ((this.times[this.firstTime] ?? oldest) >= oldest) break;
      this.tokens.delete(token);
      this.firstTime += 1;
    }
    // Drops the times of forgotten tokens once they are most of the list.
    if (this.firstTime > 1024 && this.firstTime * 2 > this.times.length) {
      this.times = this.times.slice(this.firstTime);
      this.firstTime = 0;
    }
  }

  private async actions(input: Record<string, unknown>): Promise<Action[] | DynamoAnswer> {
    const items = input.TransactItems;
    if (!Array.isArray(items) || items.length === 0)
      return validation(
        "1 validation error detected: Value null at 'transactItems' failed to satisfy constraint: Member must not be null",
      );
    if (items.length > MAX_ACTIONS)
      return validation(
        `1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ACTIONS}`,
      );
    const actions: Action[] = [];
    const seen = new Set<string>();
    for (const [index, entry] of items.entries()) {
      const kinds = Object.keys((entry ?? {}) as object).filter((k) =>
        ['ConditionCheck', 'Put', 'Update', 'Delete'].includes(k),
      ) as Action['kind'][];
      const kind = kinds[0];
      if (kinds.length !== 1 || !kind)
        return validation(
          `TransactItems[${index}] must name exactly one of ConditionCheck, Put, Update or Delete`,
        );
      const request = (entry as Record<string, Action['request']>)[kind];
      if (!request || typeof request.TableName !== 'string')
        return validation(`TransactItems[${index}].${kind}.TableName is required`);
      const keyNames = await this.keyNamesOf(request.TableName);
      if (!keyNames) return error('ResourceNotFoundException', 'Requested resource not found');
      const source = (kind === 'Put' ? request.Item : request.Key) as Item | undefined;
      if (!source)
        return validation(`TransactItems[${index}].${kind} needs ${kind === 'Put' ? 'Item' : 'Key'}`);
      const key: Item = {};
      for (const name of keyNames) {
        const value = source[name];
        if (!value) return validation('The provided key element does not match the schema');
        key[name] = value;
      }
      const identity = `${request.TableName}\u0000${JSON.stringify(key)}`;
      if (seen.has(identity))
        return validation('Transaction request cannot include multiple operations on one item');
      seen.add(identity);
      actions.push({ kind, request, key });
    }
    return actions;
  }

  private async read(action: Action): Promise<Item | undefined> {
    const answer = await this.dispatch('GetItem', {
      TableName: action.request.TableName,
      Key: action.key,
      ConsistentRead: true,
    });
    if (answer.status !== 200) throw new Error(`reading a transaction's item: ${answer.body}`);
    return (JSON.parse(answer.body) as { Item?: Item }).Item;
  }

  /** Puts an item back as it was before the transaction (or removes it when it did not exist). */
  private async restore(action: Action, before: Item | undefined): Promise<void> {
    const answer = before
      ? await this.dispatch('PutItem', { TableName: action.request.TableName, Item: before })
      : await this.dispatch('DeleteItem', { TableName: action.request.TableName, Key: action.key });
    if (answer.status !== 200) throw new Error(`undoing a transaction's write: ${answer.body}`);
  }

  /** The single-item request an action runs as; it answers with the item as it was (ALL_OLD). */
  private single(action: Action): { operation: string; input: Record<string, unknown> } {
    const { ReturnValuesOnConditionCheckFailure: _r, ...given } = action.request;
    const request: Record<string, unknown> = {
      ...given,
      ReturnValues: 'ALL_OLD',
      ReturnConsumedCapacity: 'TOTAL',
    };
    switch (action.kind) {
      case 'Put':
        return { operation: 'PutItem', input: request };
      case 'Delete':
        return { operation: 'DeleteItem', input: request };
      case 'Update':
        return { operation: 'UpdateItem', input: request };
      case 'ConditionCheck': {
        // Evaluated by an update that removes an attribute no item has: undone when it created the item.
        const names = (request.ExpressionAttributeNames ?? {}) as Record<string, string>;
        return {
          operation: 'UpdateItem',
          input: {
            ...request,
            UpdateExpression: 'REMOVE #relanceConditionCheck',
            ExpressionAttributeNames: { ...names, '#relanceConditionCheck': '__relance_condition_check' },
          },
        };
      }
    }
  }

  private async apply(actions: readonly Action[], withWritten: boolean): Promise<TransactionResult> {
    // The items as they were, from each write's ALL_OLD: what a failure puts back.
    const befores = new Map<number, Item | undefined>();
    const reasons: Array<Record<string, unknown>> = [];
    const units = new Map<string, number>();
    let failed = false;
    let fault: DynamoAnswer | undefined;
    for (const [index, action] of actions.entries()) {
      const { operation, input } = this.single(action);
      const answer = await this.dispatch(operation, input);
      if (answer.status === 200) {
        const { ConsumedCapacity, Attributes } = JSON.parse(answer.body) as {
          ConsumedCapacity?: { CapacityUnits?: number };
          Attributes?: Item;
        };
        befores.set(index, Attributes);
        reasons.push({ Code: 'None' });
        const table = action.request.TableName;
        units.set(table, (units.get(table) ?? 0) + 2 * Math.max(1, ConsumedCapacity?.CapacityUnits ?? 1));
        continue;
      }
      const type = String((JSON.parse(answer.body) as { __type?: string }).__type ?? '');
      if (!type.endsWith('ConditionalCheckFailedException')) {
        fault = answer;
        break;
      }
      failed = true;
      // The failed write changed nothing, and no other action of the transaction is on its item.
      const current =
        action.request.ReturnValuesOnConditionCheckFailure === 'ALL_OLD'
          ? await this.read(action)
          : undefined;
      reasons.push({
        Code: 'ConditionalCheckFailed',
        Message: 'The conditional request failed',
        ...(current ? { Item: current } : {}),
      });
    }
    const undoAll = failed || fault !== undefined;
    for (const [index, before] of befores) {
      const action = actions[index] as Action;
      // A condition check's update leaves an existing item as it was, and creates one that did not
      // exist: that one is removed.
      if (undoAll || (action.kind === 'ConditionCheck' && before === undefined))
        await this.restore(action, before);
    }
    if (fault) return { answer: fault, units: new Map(), written: [] };
    if (failed)
      return {
        answer: error(
          'TransactionCanceledException',
          `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons
            .map((r) => r.Code)
            .join(', ')}]`,
          { CancellationReasons: reasons },
        ),
        // A cancelled transaction is still billed for what it read.
        units,
        written: [],
      };
    const written: Array<{ table: string; before?: Item; after?: Item }> = [];
    for (const [index, action] of actions.entries()) {
      if (!withWritten || action.kind === 'ConditionCheck') continue;
      const after = await this.read(action);
      const before = befores.get(index);
      written.push({
        table: action.request.TableName,
        ...(before ? { before } : {}),
        ...(after ? { after } : {}),
      });
    }
    return { answer: { status: 200, body: '{}' }, units, written };
  }
}
