// Bad requests generated from the served OpenAPI document: every class of bad input, for every
// field of every POST body. Synthetic values only.

export interface Schema {
  readonly $ref?: string;
  readonly type?: string;
  readonly format?: string;
  readonly enum?: readonly unknown[];
  readonly pattern?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly items?: Schema;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
}

export interface OpenApiDocument {
  readonly paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Schema }> } }>>;
  readonly components: { readonly schemas: Record<string, Schema> };
}

export interface PostOperation {
  /** As documented, e.g. `/cases/{caseId}/notes`. */
  readonly path: string;
  /** The body's schema with every `$ref` resolved. */
  readonly body: Schema;
}

/** One bad request: its body as raw text (JSON.stringify cannot write `__proto__` as a key). */
export interface BadRequest {
  readonly label: string;
  readonly body: string;
  /** The 400 must name this field, and only it (and fields inside it). */
  readonly field?: string;
  /** The exact status, when the class has one; otherwise any 4xx. */
  readonly status?: number;
  /** The problem's type ends with this, when the class has one. */
  readonly problem?: string;
}

export function postOperations(doc: OpenApiDocument): PostOperation[] {
  return Object.entries(doc.paths).flatMap(([path, operations]) => {
    const schema = operations.post?.requestBody?.content['application/json']?.schema;
    return schema ? [{ path, body: resolve(doc, schema) }] : [];
  });
}

function resolve(doc: OpenApiDocument, schema: Schema): Schema {
  if (schema.$ref) return resolve(doc, doc.components.schemas[schema.$ref.split('/').pop()!]!);
  return {
    ...schema,
    ...(schema.items ? { items: resolve(doc, schema.items) } : {}),
    ...(schema.properties
      ? {
          properties: Object.fromEntries(
            Object.entries(schema.properties).map(([name, property]) => [name, resolve(doc, property)]),
          ),
        }
      : {}),
  };
}

/** The context a valid body needs: today's date, and ids the caller owns for fields of that name. */
export interface ExampleContext {
  readonly today: string;
  readonly ids: Readonly<Record<string, string>>;
}

/** A body the validator accepts: every documented field, optional ones too, at its smallest. */
export function validExample(schema: Schema, context: ExampleContext, name = ''): unknown {
  if (schema.enum) return schema.enum[0];
  if (schema.properties)
    return Object.fromEntries(
      Object.entries(schema.properties).map(([key, property]) => [key, validExample(property, context, key)]),
    );
  if (schema.type === 'array') {
    const item = validExample(schema.items ?? {}, context, name);
    return Array.from({ length: schema.minItems ?? 1 }, () => item);
  }
  if (schema.type === 'boolean') return false;
  if (schema.format === 'date') return context.today;
  if (schema.format === 'uuid') return context.ids[name] ?? crypto.randomUUID();
  if (schema.type === 'string') return 'x'.repeat(Math.max(schema.minLength ?? 1, 1));
  throw new Error(`no example for ${JSON.stringify(schema)}`);
}

/** Every field, depth first; array items are mutated as a whole array (class-validator names the array). */
export function fieldsOf(
  schema: Schema,
  prefix: string[] = [],
): { path: string[]; schema: Schema; required: boolean }[] {
  return Object.entries(schema.properties ?? {}).flatMap(([name, property]) => [
    { path: [...prefix, name], schema: property, required: schema.required?.includes(name) ?? false },
    ...fieldsOf(property, [...prefix, name]),
  ]);
}

/** True when the documented schema refuses `value`: the document must refuse what the server does. */
export function documentRefuses(schema: Schema, value: string): boolean {
  if (schema.enum) return !schema.enum.includes(value);
  if (schema.format === 'uuid') return !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
  if (schema.format === 'date') return !/^\d{4}-\d{2}-\d{2}$/.test(value);
  if (value.length < (schema.minLength ?? 0) || value.length > (schema.maxLength ?? Infinity)) return true;
  return schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value);
}

/** Strings no text field takes: controls, nothing visible, broken UTF-16. */
export const ALWAYS_REFUSED_STRINGS: Readonly<Record<string, string>> = {
  'a NUL inside': 'a\u0000b',
  'only a NUL': '\u0000',
  'a C1 control': 'a\u0085b',
  'an escape sequence': 'a\u001b[31mb',
  'only spaces': '   ',
  'only a tab and a newline': '\t\n',
  'only zero-width spaces': '\u200b\u200b',
  'only no-break spaces': '\u00a0\u00a0',
  'a lone surrogate': 'a\ud800b',
};

/** Strings some fields take and others (ids and codes, single lines) refuse, as their pattern says. */
export const SOMETIMES_REFUSED_STRINGS: Readonly<Record<string, string>> = {
  'a bidi override': 'a\u202eb',
  'a zero-width space inside': 'a\u200bb',
  'surrounding spaces': ' a ',
  'a line break': 'a\nb',
  'a line separator': 'a\u2028b',
};

const MARKER = '\u0001raw\u0001';

/** The value at `path` in `value`. */
export function valueAt(value: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((parent, key) => (parent as Record<string, unknown>)[key], value);
}

/** An object's JSON text with `key` first: how a prototype key is written into a body. */
export function withKeyFirst(object: unknown, key: string, value: string): string {
  const rest = JSON.stringify(object).slice(1);
  return rest === '}' ? `{"${key}":${value}}` : `{"${key}":${value},${rest}`;
}

/** `base` as JSON text with the value at `path` replaced by `value`, or by raw JSON text, or removed. */
export function bodyWith(
  base: unknown,
  path: readonly string[],
  change: { value: unknown } | { raw: string } | 'remove',
): string {
  const copy = structuredClone(base);
  const parent = valueAt(copy, path.slice(0, -1)) as Record<string, unknown>;
  const last = path.at(-1)!;
  if (change === 'remove') delete parent[last];
  else parent[last] = 'raw' in change ? MARKER : change.value;
  const text = JSON.stringify(copy);
  return change !== 'remove' && 'raw' in change ? text.replace(JSON.stringify(MARKER), () => change.raw) : text;
}

/** Nested `depth` deep: arrays, or objects with one key. */
export const nestedArrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
export const nestedObjects = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

const WRONG_TYPES: Readonly<Record<string, readonly unknown[]>> = {
  string: [7, true, ['x'], { x: 'x' }, null],
  boolean: ['false', 0, [], null],
  array: ['x', 1, { 0: 'x' }, null],
  object: ['x', 1, [], null],
};

/**
 * Every field-level bad value of `schema`'s fields, each on the otherwise valid `base`. A 400 must
 * name the field; a date far in the future is refused by the domain (422) or the validator.
 */
export function fieldCorpus(schema: Schema, base: unknown, context: ExampleContext): BadRequest[] {
  const corpus: BadRequest[] = [];
  const add = (label: string, path: string[], change: Parameters<typeof bodyWith>[2], status?: 400) =>
    corpus.push({
      label: `${path.join('.')}: ${label}`,
      body: bodyWith(base, path, change),
      ...(status ? { status, field: path.join('.') } : {}),
    });
  for (const { path, schema: field, required } of fieldsOf(schema)) {
    const type = field.properties ? 'object' : (field.type ?? 'string');
    if (required) add('missing', path, 'remove', 400);
    for (const value of WRONG_TYPES[type] ?? []) add(`wrong type ${JSON.stringify(value)}`, path, { value }, 400);
    if (type === 'object') add('an unknown field inside', [...path, 'unexpected'], { value: 'x' }, 400);
    if (type === 'array') {
      const item = validExample(field.items ?? {}, context);
      const tooMany = Array.from({ length: (field.maxItems ?? 0) + 1 }, () => item);
      add('one item too many', path, { value: tooMany }, 400);
      for (const value of [7, null, { x: 'x' }, ['x']])
        add(`an item of wrong type ${JSON.stringify(value)}`, path, { value: [value] }, 400);
      for (const [label, value] of Object.entries(ALWAYS_REFUSED_STRINGS))
        add(`an item with ${label}`, path, { value: [value] }, 400);
    }
    if (type !== 'string') continue;
    if (field.maxLength !== undefined)
      add('one character too long', path, { value: 'x'.repeat(field.maxLength + 1) }, 400);
    for (const [label, value] of Object.entries(ALWAYS_REFUSED_STRINGS)) add(label, path, { value }, 400);
    for (const [label, value] of Object.entries(SOMETIMES_REFUSED_STRINGS))
      if (documentRefuses(field, value)) add(label, path, { value }, 400);
    if (field.format === 'uuid')
      for (const value of ['not-a-uuid', '../../etc/passwd']) add(`id ${value}`, path, { value }, 400);
    if (field.format === 'date') {
      for (const value of ['2026-02-30', '2026-13-01', '26-01-01', '2026-1-1', '2026-01-01T00:00:00Z', '01/02/2026'])
        add(`invalid date ${value}`, path, { value }, 400);
      // Before every lower bound: the NRM's start (2009-04-01) and the earliest date of birth (1900).
      for (const value of ['1800-01-01', '0000-01-01', '1899-12-31']) add(`date ${value}`, path, { value }, 400);
      add('date 9999-12-31', path, { value: '9999-12-31' });
    }
  }
  return corpus;
}
