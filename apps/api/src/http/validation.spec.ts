import {
  BodyTooDeep,
  ensureSafeShape,
  FieldValidationFailed,
  MAX_BODY_DEPTH,
  strictValidationPipe,
} from './validation';
import { IsCode } from './text-fields';

const parse = (text: string): unknown => JSON.parse(text);
const nested = (depth: number) => parse('['.repeat(depth) + ']'.repeat(depth));

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('the shape of a body, checked before validation walks it', () => {
  it('takes the nesting of a real request, up to the limit', () => {
    expect(() => ensureSafeShape({ personal: { aliases: ['A'] } })).not.toThrow();
    expect(() => ensureSafeShape(nested(MAX_BODY_DEPTH))).not.toThrow();
  });

  it('refuses one level more, and 100,000 levels without running out of stack', () => {
    expect(thrownBy(() => ensureSafeShape(nested(MAX_BODY_DEPTH + 1)))).toBeInstanceOf(BodyTooDeep);
    expect(thrownBy(() => ensureSafeShape(nested(100_000)))).toBeInstanceOf(BodyTooDeep);
  });

  it.each([
    ['{"__proto__":{"admin":true}}', '__proto__'],
    ['{"constructor":{"prototype":{}}}', 'constructor'],
    ['{"personal":{"name":"A","prototype":1}}', 'personal.prototype'],
    ['{"aliases":["A",{"__proto__":null}]}', 'aliases.1.__proto__'],
  ])('names a prototype key wherever it is: %s', (text, field) => {
    const error = thrownBy(() => ensureSafeShape(parse(text)));
    expect(error).toBeInstanceOf(FieldValidationFailed);
    expect((error as FieldValidationFailed).errors).toEqual([{ field, problems: [expect.any(String)] }]);
  });

  it('leaves words that merely contain them alone', () =>
    expect(() => ensureSafeShape({ constructorName: 'x', proto: 'y', note: '__proto__' })).not.toThrow());
});

class Codes {
  @IsCode(1, 10) a!: string;
}

describe('the strict validation pipe', () => {
  const pipe = strictValidationPipe();
  const validate = (value: unknown, metatype: new () => object = Codes) =>
    pipe.transform(value, { type: 'body', metatype });

  it('refuses a prototype key like any unknown field, rather than dropping it', async () => {
    const error = await validate(parse('{"a":"x","__proto__":{"b":1}}')).catch((thrown: unknown) => thrown);
    expect(error).toEqual(new FieldValidationFailed([{ field: '__proto__', problems: [expect.any(String)] }]));
  });

  it('refuses a deep body before class-transformer or class-validator recurse into it', async () => {
    await expect(validate({ a: nested(5_000) })).rejects.toBeInstanceOf(BodyTooDeep);
  });

  it('lists the first hundred failing fields of a body of thousands', async () => {
    const unknown = Object.fromEntries(Array.from({ length: 5_000 }, (_, n) => [`field${n}`, n]));
    const error = (await validate({ a: 'x', ...unknown }).catch((thrown: unknown) => thrown)) as FieldValidationFailed;
    expect(error.errors).toHaveLength(101);
    expect(error.errors.at(-1)).toEqual({ field: '(more)', problems: [expect.stringContaining('4900 more')] });
  });
});
