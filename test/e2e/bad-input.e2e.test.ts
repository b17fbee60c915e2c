import { randomUUID } from 'node:crypto';
import { Agent } from 'node:http';
import { tokenFor, useApiServerProcess } from '../support/api-client';
import { daysAgo, daysAhead } from '../support/dates';
import {
  ALWAYS_REFUSED_STRINGS,
  bodyWith,
  documentRefuses,
  fieldCorpus,
  fieldsOf,
  nestedArrays,
  nestedObjects,
  postOperations,
  validExample,
  valueAt,
  withKeyFirst,
  type BadRequest,
  type OpenApiDocument,
  type PostOperation,
} from '../support/bad-input-corpus';
import { countEvents, rawPost, type RawAnswer } from '../support/raw-post';

/**
 * Every bad input to every POST route of the served OpenAPI document gets a 4xx
 * application/problem+json and writes nothing. Path ids are ones the caller owns, so the 4xx comes
 * from the body; unknown and malformed ids are tried separately.
 */
describe('bad input, generated from the OpenAPI document', () => {
  jest.setTimeout(120_000);
  const server = useApiServerProcess();
  const caseworker = tokenFor('caseworker', 'police');
  const coordinator = tokenFor('marac_coordinator', 'police');
  const agent = new Agent({ keepAlive: true, maxSockets: 6 });
  const day = (offset: number) => (offset < 0 ? daysAgo(-offset) : daysAhead(offset));

  let operations: PostOperation[];
  const owned: Record<string, string> = {};

  const dataProtection = tokenFor('data_protection', 'la-adult-services');
  /** Who may send each route (so a bad body meets the validator, not a 403). */
  const tokenOf = (path: string) =>
    path.startsWith('/marac')
      ? coordinator
      : /\/(erasure|legal-hold(\/lift)?)$/.test(path)
        ? dataProtection
        : caseworker;
  const fill = (path: string, ids: Record<string, string> = owned) =>
    path.replace(/\{(\w+)\}/g, (_, name: string) => ids[name] ?? `{${name}}`);
  const baseOf = (operation: PostOperation) =>
    validExample(operation.body, {
      today: day(0),
      // The meeting routes name a case in the body: the one listed at the caller's meeting.
      ids: operation.path.startsWith('/marac/meetings/{meetingId}') ? { caseId: owned.caseId! } : {},
    });

  /** What is wrong with an answer to a bad request, if anything. */
  function judge(bad: BadRequest & { contentType?: string | null }, answer: RawAnswer): string | undefined {
    const said = `${bad.label} -> ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`;
    if (answer.status < 400 || answer.status > 499) return `not a 4xx: ${said}`;
    if (!answer.contentType.startsWith('application/problem+json')) return `not problem+json: ${said}`;
    if (bad.status !== undefined && answer.status !== bad.status) return `expected ${bad.status}: ${said}`;
    if (bad.problem !== undefined && !String(answer.body?.type).endsWith(`/${bad.problem}`))
      return `expected a ${bad.problem} problem: ${said}`;
    if (bad.field !== undefined) {
      const fields = ((answer.body?.errors ?? []) as { field: string }[]).map((error) => error.field);
      const within = (field: string) => field === bad.field || field.startsWith(`${bad.field}.`);
      if (fields.length === 0 || !fields.every(within)) return `expected errors on ${bad.field} only: ${said}`;
    }
    return undefined;
  }

  /** Sends every request, a few at a time, and returns what went wrong. */
  async function sendAll(
    requests: readonly (BadRequest & { path: string; contentType?: string | null })[],
    token: string,
  ): Promise<string[]> {
    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      for (let index = next++; index < requests.length; index = next++) {
        const bad = requests[index]!;
        const answer = await rawPost(server.url(), bad.path, {
          agent,
          token,
          body: bad.body,
          contentType: bad.contentType,
        });
        const failure = judge(bad, answer);
        if (failure) failures.push(`${bad.path} ${failure}`);
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    return failures;
  }

  /** The body-level classes: unknown and prototype keys, depth, size, malformed JSON, content types. */
  function bodyCorpus(operation: PostOperation, base: unknown): (BadRequest & { contentType?: string | null })[] {
    const valid = JSON.stringify(base);
    const objectFields = fieldsOf(operation.body).filter(({ schema }) => schema.properties);
    const arrayFields = fieldsOf(operation.body).filter(({ schema }) => schema.type === 'array');
    const first = Object.keys(operation.body.properties ?? {})[0]!;
    return [
      {
        label: 'an unknown field',
        body: bodyWith(base, ['unexpected'], { value: 1 }),
        status: 400,
        field: 'unexpected',
      },
      ...['__proto__', 'constructor', 'prototype'].flatMap((key) => [
        { label: `a ${key} key`, body: withKeyFirst(base, key, '{"x":1}'), status: 400, field: key },
        ...objectFields.map(({ path }) => ({
          label: `a ${key} key in ${path.join('.')}`,
          body: bodyWith(base, path, { raw: withKeyFirst(valueAt(base, path), key, '{"x":1}') }),
          status: 400,
          field: `${path.join('.')}.${key}`,
        })),
        ...arrayFields.map(({ path }) => ({
          label: `a ${key} key in an item of ${path.join('.')}`,
          body: bodyWith(base, path, { raw: `[{"${key}":1}]` }),
          status: 400,
          field: `${path.join('.')}.0.${key}`,
        })),
      ]),
      ...[
        ['arrays nested 5,000 deep', first, nestedArrays(5_000)],
        ['objects nested 5,000 deep', 'unexpected', nestedObjects(5_000)],
        ['arrays nested 40 deep', first, nestedArrays(40)],
      ].map(([label, field, raw]) => ({
        label: label!,
        body: bodyWith(base, [field!], { raw: raw! }),
        status: 400,
        problem: 'body-too-deep',
      })),
      {
        label: 'a body over 1 MB',
        body: bodyWith(base, ['unexpected'], { value: 'x'.repeat(1_100_000) }),
        status: 413,
      },
      ...['{', '{"a":}', "{'a':1}", 'nul', '{"a":1}{"b":2}', '{"a":1,}', '[]', '[{}]', '"text"', 'null', '1', ''].map(
        (body) => ({ label: `malformed or non-object JSON ${JSON.stringify(body)}`, body, status: 400 }),
      ),
      ...[
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/xml',
        null,
      ].map((contentType) => ({ label: `content type ${contentType}`, body: valid, contentType, status: 415 })),
      { label: 'an unknown charset', body: valid, contentType: 'application/json; charset=x-unknown', status: 415 },
      // UTF-8 bytes read as UTF-16 are not JSON.
      { label: 'UTF-8 labelled UTF-16', body: valid, contentType: 'application/json; charset=utf-16', status: 400 },
    ];
  }

  beforeAll(async () => {
    const doc = (await server.call('GET', '/docs/openapi.json')).body as OpenApiDocument;
    operations = postOperations(doc);
    // A case (referred to the MARAC), a meeting listing it and an action: ids the callers own.
    const created = await server.call('POST', '/cases', {
      token: caseworker,
      body: {
        identifiedOn: day(-10),
        location: 'Synthetic location',
        area: 'West',
        encounterContext: 'community_report',
        indicators: [],
        exploitationTypes: ['labour'],
        child: false,
        personal: { name: 'Synthetic Person Z' },
      },
    });
    owned.caseId = created.body.caseId as string;
    owned.meetingId = randomUUID();
    owned.actionId = randomUUID();
    const steps: [string, string, unknown][] = [
      [caseworker, `/cases/${owned.caseId}/marac-referrals`, { referredOn: day(-5), reason: 'Synthetic reason' }],
      [
        coordinator,
        '/marac/meetings',
        { meetingId: owned.meetingId, area: 'West', meetsOn: day(0), attendingAgencies: ['police'] },
      ],
      [coordinator, `/marac/meetings/${owned.meetingId}/cases`, { caseId: owned.caseId }],
      [
        coordinator,
        `/marac/meetings/${owned.meetingId}/actions`,
        {
          actionId: owned.actionId,
          caseId: owned.caseId,
          description: 'Synthetic action',
          ownerAgency: 'police',
          dueOn: day(7),
        },
      ],
    ];
    for (const [token, path, body] of steps)
      expect((await server.call('POST', path, { token, body })).status).toBeLessThan(300);
    // The count is of something: the five events above.
    expect(countEvents(server.dataDir())).toBeGreaterThanOrEqual(5);
  });

  afterAll(() => agent.destroy());

  it('finds every POST operation with a documented, closed body', () => {
    expect(operations.length).toBeGreaterThanOrEqual(30);
    for (const { path, body } of operations) {
      expect({ path, additionalProperties: (body as { additionalProperties?: boolean }).additionalProperties }).toEqual(
        { path, additionalProperties: false },
      );
      for (const { path: field, schema } of fieldsOf(body)) {
        const where = `${path} ${field.join('.')}`;
        if (schema.type === 'array')
          expect({ where, maxItems: schema.maxItems }).toEqual({ where, maxItems: expect.any(Number) });
        // Every text field says, in its pattern or format, that the strings no field takes are refused.
        if (schema.type === 'string')
          for (const value of Object.values(ALWAYS_REFUSED_STRINGS))
            expect({ where, value, refused: documentRefuses(schema, value) }).toEqual({ where, value, refused: true });
      }
    }
  });

  it('answers every bad body to every POST route with a 4xx problem and writes nothing', async () => {
    const before = countEvents(server.dataDir());
    const failures: string[] = [];
    for (const operation of operations) {
      const base = baseOf(operation);
      const requests = [
        ...fieldCorpus(operation.body, base, { today: day(0), ids: {} }),
        ...bodyCorpus(operation, base),
      ].map((bad) => ({ ...bad, path: fill(operation.path) }));
      failures.push(...(await sendAll(requests, tokenOf(operation.path))));
    }
    expect(failures).toEqual([]);
    expect(countEvents(server.dataDir())).toBe(before);
    expect(server.output()).not.toMatch(/Maximum call stack|\[Problem\]/);
  });

  it('bounds a business date by the NRM’s start and a date of birth by its own, and by the identification', async () => {
    const identify = (identifiedOn: string, dateOfBirth: string) =>
      server.call('POST', '/cases', {
        token: caseworker,
        body: {
          identifiedOn,
          location: 'Synthetic location',
          encounterContext: 'community_report',
          indicators: [],
          exploitationTypes: ['labour'],
          child: false,
          personal: { name: 'Synthetic Person Y', dateOfBirth },
        },
      });
    const before = countEvents(server.dataDir());
    expect(await identify('2009-03-31', '1990-01-01')).toMatchObject({
      status: 400,
      body: { errors: [{ field: 'identifiedOn', problems: ['identifiedOn must be on or after 2009-04-01'] }] },
    });
    expect(await identify(day(-1), day(0))).toMatchObject({
      status: 400,
      body: { errors: [{ field: 'personal', problems: ['personal.dateOfBirth must not be after identifiedOn'] }] },
    });
    expect(countEvents(server.dataDir())).toBe(before);
    // Both lower bounds are included; a date of birth may be long before the NRM began.
    expect((await identify('2009-04-01', '1900-01-01')).status).toBe(201);
    expect((await identify(day(-1), '2009-03-31')).status).toBe(201);
  });

  it('answers unknown, malformed and path-traversing ids in the path with a 4xx problem and writes nothing', async () => {
    const before = countEvents(server.dataDir());
    const failures: string[] = [];
    const badIds = [
      'not-a-uuid',
      '..',
      '%2e%2e',
      '..%2F..%2Fetc%2Fpasswd',
      '../../etc/passwd',
      '%00',
      `${randomUUID()}x`,
      'a'.repeat(5_000),
    ];
    for (const operation of operations) {
      const body = JSON.stringify(baseOf(operation));
      const params = [...operation.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
      const requests = params.flatMap((param) => [
        { label: `unknown ${param}`, body, path: fill(operation.path, { ...owned, [param]: randomUUID() }) },
        ...badIds.map((id) => ({
          label: `${param} ${id.slice(0, 40)}`,
          body,
          path: fill(operation.path, { ...owned, [param]: id }),
        })),
      ]);
      // A meeting route names a case in its body: an unknown one is refused too.
      if (operation.path.startsWith('/marac/meetings/{meetingId}') && operation.body.properties?.caseId)
        requests.push({
          label: 'an unknown caseId in the body',
          body: bodyWith(baseOf(operation), ['caseId'], { value: randomUUID() }),
          path: fill(operation.path),
        });
      failures.push(...(await sendAll(requests, tokenOf(operation.path))));
    }
    expect(failures).toEqual([]);
    expect(countEvents(server.dataDir())).toBe(before);
  });
});
