import { getMetadataStorage, IsInt, IsString, MaxLength, validateSync } from 'class-validator';
import { cacheValidationMetadata } from './validation-metadata-cache';

class Base {
  @IsString() id!: string;
}

class Child extends Base {
  @IsInt() count!: number;
}

const failing = (object: object) =>
  validateSync(object, { whitelist: true, forbidNonWhitelisted: true }).map((e) => e.property);

describe("class-validator's rules, looked up once per class", () => {
  beforeAll(() => cacheValidationMetadata());

  it('finds the same rules, inherited ones included, on every lookup', () => {
    const storage = getMetadataStorage();
    const first = storage.getTargetValidationMetadatas(Child, '', false, false);
    expect(storage.getTargetValidationMetadatas(Child, '', false, false)).toBe(first);
    expect(first.map((rule) => rule.propertyName).sort()).toEqual(['count', 'id']);
    expect(failing(Object.assign(new Child(), { id: 1, count: 'x', extra: true })).sort()).toEqual([
      'count',
      'extra',
      'id',
    ]);
    expect(failing(Object.assign(new Child(), { id: 'a', count: 2 }))).toEqual([]);
  });

  it('forgets what it found when a rule is added later', () => {
    expect(failing(Object.assign(new Child(), { id: 'a-long-id', count: 2 }))).toEqual([]);
    MaxLength(3)(Base.prototype, 'id');
    expect(failing(Object.assign(new Child(), { id: 'a-long-id', count: 2 }))).toEqual(['id']);
  });
});
