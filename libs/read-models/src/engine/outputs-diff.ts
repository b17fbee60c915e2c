import type { ReadModelOutputs } from './projection';

/** Outputs in a form that is cheap to compare: JSON text per document, score per membership. */
export interface IndexedOutputs {
  readonly documents: ReadonlyMap<string, string>;
  readonly members: ReadonlyMap<string, readonly [key: string, member: string, score: number]>;
  readonly counts: ReadonlyMap<string, readonly [key: string, field: string, amount: number]>;
}

export const noOutputs: IndexedOutputs = { documents: new Map(), members: new Map(), counts: new Map() };

export function indexOutputs(outputs: ReadModelOutputs): IndexedOutputs {
  const documents = new Map<string, string>();
  for (const [key, value] of Object.entries(outputs.documents ?? {})) documents.set(key, JSON.stringify(value));
  const members = new Map<string, readonly [string, string, number]>();
  for (const membership of outputs.members ?? []) {
    const id = `${membership[0]}\u0000${membership[1]}`;
    const seen = members.get(id);
    // The same member twice in one set keeps the lower score (the earlier due date).
    if (!seen || membership[2] < seen[2]) members.set(id, membership);
  }
  const counts = new Map<string, readonly [string, string, number]>();
  for (const [key, field, amount] of outputs.counts ?? []) {
    const id = `${key}\u0000${field}`;
    counts.set(id, [key, field, (counts.get(id)?.[2] ?? 0) + amount]);
  }
  return { documents, members, counts };
}

/** Redis commands as `[name, ...args]`, to be queued on a MULTI. */
export type Command = readonly [string, ...(string | number)[]];

/**
 * The writes that take the read model from one entity's `before` outputs to its `after` outputs.
 * Counter changes are added to `counterDeltas` (keyed by key and field) so a batch writes each
 * counter once however many entities moved it.
 */
export function diffOutputs(
  prefix: string,
  before: IndexedOutputs,
  after: IndexedOutputs,
  commands: { push(command: Command): unknown },
  counterDeltas: CounterDeltas,
): void {
  for (const [key, json] of after.documents) {
    if (before.documents.get(key) !== json) commands.push(['set', `${prefix}:${key}`, json]);
  }
  for (const key of before.documents.keys()) {
    if (!after.documents.has(key)) commands.push(['del', `${prefix}:${key}`]);
  }
  for (const [id, [key, member, score]] of after.members) {
    if (before.members.get(id)?.[2] !== score) commands.push(['zadd', `${prefix}:${key}`, score, member]);
  }
  for (const [id, [key, member]] of before.members) {
    if (!after.members.has(id)) commands.push(['zrem', `${prefix}:${key}`, member]);
  }
  for (const [key, field, amount] of after.counts.values()) counterDeltas.add(key, field, amount);
  for (const [key, field, amount] of before.counts.values()) counterDeltas.add(key, field, -amount);
}

/**
 * Changes to hash counters, added up by key and field, so a batch (or a whole rebuild) writes each
 * counter field once however many entities moved it. Fields whose changes cancel out are not written.
 */
export class CounterDeltas {
  private readonly byKey = new Map<string, Map<string, number>>();

  add(key: string, field: string, amount: number): void {
    let fields = this.byKey.get(key);
    if (!fields) this.byKey.set(key, (fields = new Map<string, number>()));
    fields.set(field, (fields.get(field) ?? 0) + amount);
  }

  commands(prefix: string): Command[] {
    const commands: Command[] = [];
    for (const [key, fields] of this.byKey) {
      for (const [field, amount] of fields)
        if (amount !== 0) commands.push(['hincrby', `${prefix}:${key}`, field, amount]);
    }
    return commands;
  }
}
