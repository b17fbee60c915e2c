import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

type Storage = ReturnType<typeof getMetadataStorage>;
type Grouped = Record<string, ValidationMetadata[]>;

const installed = new WeakSet<Storage>();

/**
 * class-validator looks up a class's rules afresh for every object it validates: it filters the
 * class's rules and tests the class against every class that has rules (for inherited ones), then
 * groups them by property. That lookup was a sixth of validating a note's body (bench:commands).
 * The rules are fixed once the DTO classes are loaded, so the answers are kept per class and
 * options; adding any rule (a class loaded later) forgets them all. Validation itself, and what it
 * accepts, are unchanged: the same rules, in the same order, are returned.
 */
export function cacheValidationMetadata(storage: Storage = getMetadataStorage()): void {
  if (installed.has(storage)) return;
  installed.add(storage);
  const lookUp = storage.getTargetValidationMetadatas.bind(storage);
  const group = storage.groupByPropertyName.bind(storage);
  let targets = new Map<unknown, Map<string, ValidationMetadata[]>>();
  let groupings = new WeakMap<ValidationMetadata[], Grouped>();
  const forget = () => {
    targets = new Map();
    groupings = new WeakMap();
  };
  for (const add of ['addValidationSchema', 'addValidationMetadata', 'addConstraintMetadata'] as const) {
    const original: (argument: never) => void = storage[add].bind(storage);
    storage[add] = (argument: never) => {
      forget();
      original(argument);
    };
  }
  storage.getTargetValidationMetadatas = (targetConstructor, targetSchema, always, strictGroups, groups) => {
    const key = `${targetSchema}|${always}|${strictGroups}|${groups === undefined ? '' : JSON.stringify(groups)}`;
    let forTarget = targets.get(targetConstructor);
    if (!forTarget) targets.set(targetConstructor, (forTarget = new Map<string, ValidationMetadata[]>()));
    let found = forTarget.get(key);
    if (!found) forTarget.set(key, (found = lookUp(targetConstructor, targetSchema, always, strictGroups, groups)));
    return found;
  };
  storage.groupByPropertyName = (metadata) => {
    let grouped = groupings.get(metadata);
    if (!grouped) groupings.set(metadata, (grouped = group(metadata)));
    return grouped;
  };
}
