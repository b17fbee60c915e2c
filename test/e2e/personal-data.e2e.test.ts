import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import Redis from 'ioredis';
import { call as callAt, E2E_SECRET, tokenFor, type CallOptions } from '../support/api-client';
import { daysAgo, daysAhead, today } from '../support/dates';
import { startServer, type ServerProcess } from '../support/server-process';

const ROOT = join(__dirname, '..', '..');

/** Every file under `dir` (the event store and its WAL, the key store, Redis's append-only files). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/**
 * Which of `needles` occur in the bytes of the files under `dir` (as UTF-8, and as UTF-16 for good
 * measure). Redis may replace its append-only files while they are read: then the listing is taken
 * again, so no file is skipped.
 */
function foundUnder(dir: string, needles: readonly string[]): string[] {
  for (let attempt = 1; ; attempt++) {
    try {
      return foundIn(filesUnder(dir), needles);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt === 5) throw error;
    }
  }
}

function foundIn(files: readonly string[], needles: readonly string[]): string[] {
  const found = new Set<string>();
  for (const file of files) {
    const bytes = readFileSync(file);
    for (const needle of needles) {
      if (bytes.includes(Buffer.from(needle, 'utf8')) || bytes.includes(Buffer.from(needle, 'utf16le'))) {
        found.add(`${needle} in ${file}`);
      }
    }
  }
  return [...found];
}

/** Every value of every key in a Redis, read by type (no compression in the way). */
async function everyRedisValue(redis: Redis): Promise<string> {
  const parts: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      parts.push(key);
      if (type === 'string') parts.push((await redis.get(key)) ?? '');
      else if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === 'zset') parts.push(JSON.stringify(await redis.zrange(key, '0', '-1', 'WITHSCORES')));
      else if (type === 'set') parts.push(JSON.stringify(await redis.smembers(key)));
      else if (type === 'list') parts.push(JSON.stringify(await redis.lrange(key, '0', '-1')));
      else if (type === 'stream') parts.push(JSON.stringify(await redis.xrange(key, '-', '+')));
    }
  } while (cursor !== '0');
  return parts.join('\n');
}

/**
 * Personal data never rests in clear, and erasure destroys it for good: the whole server as `npm
 * start` runs it (embedded store, its own managed Redis with an append-only file), cases with
 * distinctive synthetic names, and the bytes of every file it keeps, its Redis and its log.
 */
describe('personal data at rest and its erasure', () => {
  jest.setTimeout(180_000);
  const tag = randomBytes(4).toString('hex');
  // Distinctive synthetic values: none can occur by chance in any file.
  const secret = {
    name: `Zephyrine Quillfeather ${tag}`,
    alias: `Zeph-${tag}-alias`,
    contact: `07700 9${tag.slice(0, 5)}`,
    address: `17 Marrowbone Lane ${tag}`,
    note: `Disclosed a fear of the Oakhollow network ${tag}`,
    rationale: `Threats from the Sable brothers ${tag}`,
    maracReason: `Seen near the Larkspur depot ${tag}`,
    reference: `NRM-${tag}-REF`,
    action: `Escort to the Wrenfield clinic ${tag}`,
    decision: `Share plan with Hollins ward ${tag}`,
  };
  const secrets = Object.values(secret);
  const caseId = randomUUID();
  const meetingId = randomUUID();
  const caseworker = tokenFor('caseworker', 'police');
  const auditor = tokenFor('auditor', 'home-office');
  const coordinator = tokenFor('marac_coordinator', 'police');
  const dpo = tokenFor('data_protection', 'la-adult-services');
  let dataDir: string;
  let server: ServerProcess;
  const env = () => ({ DATA_DIR: dataDir, JWT_SECRET: E2E_SECRET, REDIS_KEY_PREFIX: `pd-${tag}` });
  const call = (method: string, path: string, options: CallOptions = {}) => callAt(server.url, method, path, options);
  const ok = async (method: string, path: string, options: CallOptions) => {
    const answer = await call(method, path, options);
    if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer;
  };
  const profile = () => `/reports/problem-profile?from=${daysAgo(120).slice(0, 7)}&to=${today().slice(0, 7)}`;
  const managedRedis = () => new Redis(readFileSync(join(dataDir, 'redis', 'redis.url'), 'utf8').trim());

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'marac-personal-e2e-'));
    // No REDIS_URL: the server runs its own redis-server, with its append-only file in DATA_DIR/redis.
    server = await startServer(env());
    const on = (n: number) => daysAgo(60 - n);
    await ok('POST', '/cases', {
      token: caseworker,
      body: {
        caseId,
        identifiedOn: on(0),
        location: 'Synthetic car wash',
        encounterContext: 'police_operation',
        indicators: ['debt_bondage'],
        exploitationTypes: ['labour'],
        child: false,
        area: 'West',
        personal: { name: secret.name, aliases: [secret.alias], dateOfBirth: '1990-01-01', contact: secret.contact },
      },
    });
    const steps: [string, unknown][] = [
      ['consent', { givenOn: on(1), language: 'en', interpreterUsed: false }],
      [
        'nrm-referral',
        { submittedOn: on(2), competentAuthority: 'single_competent_authority', reference: secret.reference },
      ],
      ['reasonable-grounds-decision', { outcome: 'positive', decidedOn: on(3) }],
      [
        'placement',
        {
          placementId: randomUUID(),
          startedOn: on(4),
          provider: 'Safe House Org',
          address: secret.address,
          emergencyOutsideNrm: false,
        },
      ],
      ['risk-assessments', { level: 'high', assessedOn: on(5), rationale: secret.rationale }],
      ['marac-referrals', { referredOn: on(6), reason: secret.maracReason }],
      ['notes', { noteId: randomUUID(), text: secret.note }],
    ];
    for (const [path, body] of steps) await ok('POST', `/cases/${caseId}/${path}`, { token: caseworker, body });
    const meeting = (path: string) => `/marac/meetings/${meetingId}${path}`;
    await ok('POST', '/marac/meetings', {
      token: coordinator,
      body: { meetingId, area: 'West', meetsOn: today(), attendingAgencies: ['police', 'housing'] },
    });
    await ok('POST', meeting('/cases'), { token: coordinator, body: { caseId } });
    await ok('POST', meeting('/discussions'), {
      token: coordinator,
      body: { caseId, riskLevel: 'high', decisions: [secret.decision] },
    });
    const last = await ok('POST', meeting('/actions'), {
      token: coordinator,
      body: { actionId: randomUUID(), caseId, description: secret.action, ownerAgency: 'housing', dueOn: daysAhead(7) },
    });
    // Read models caught up with everything written.
    await ok('GET', `/cases/${caseId}?minPosition=${last.body.position as string}`, { token: caseworker });
  });

  afterAll(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows the case’s own agency every personal field, opened', async () => {
    const view = await ok('GET', `/cases/${caseId}?include=personal`, { token: caseworker });
    expect(view.body.personal).toMatchObject({ name: secret.name, aliases: [secret.alias], contact: secret.contact });
    expect(view.body.placement.address).toBe(secret.address);
    expect(view.body.referral.reference).toBe(secret.reference);
    expect(view.body.openMaracActions[0].description).toBe(secret.action);
    const history = await ok('GET', `/cases/${caseId}/history`, { token: caseworker });
    expect(JSON.stringify(history.body)).toContain(secret.note);
    expect(JSON.stringify(history.body)).toContain(secret.rationale);
    const agenda = await ok('GET', `/marac/meetings/${meetingId}/agenda`, { token: coordinator });
    expect(agenda.body.cases[0].discussedHere.decisions).toEqual([secret.decision]);
  });

  it('keeps none of them in clear: not in the event store or its WAL, the key store, Redis, its files, or the log', async () => {
    const redis = managedRedis();
    try {
      // Rewrite the append-only file (its base is an RDB snapshot of every key), and wait for it.
      await redis.bgrewriteaof();
      for (;;) {
        const info = await redis.info('persistence');
        if (/aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info)) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const values = await everyRedisValue(redis);
      expect(secrets.filter((value) => values.includes(value))).toEqual([]);
    } finally {
      redis.disconnect();
    }
    expect(existsSync(join(dataDir, 'events.sqlite-wal'))).toBe(true);
    expect(filesUnder(join(dataDir, 'redis')).length).toBeGreaterThan(0);
    expect(foundUnder(dataDir, secrets)).toEqual([]);
    expect(secrets.filter((value) => server.output().includes(value))).toEqual([]);
  });

  it('erases: the key is destroyed, every read path shows the fields as erased, and the pathway stands', async () => {
    const before = {
      view: (await ok('GET', `/cases/${caseId}`, { token: caseworker })).body,
      profile: (await ok('GET', profile(), { token: auditor })).body,
    };
    const keys = new Database(join(dataDir, 'keys.sqlite'), { readonly: true });
    const { key_id: keyId, wrapped } = keys
      .prepare("SELECT key_id, wrapped FROM data_keys WHERE subject = 'victim-' || ?")
      .get(caseId) as { key_id: string; wrapped: Buffer };
    keys.close();
    const eventsBefore = ((await ok('GET', `/cases/${caseId}/history`, { token: auditor })).body.events as unknown[])
      .length;

    const refusedToCaseworker = await call('POST', `/cases/${caseId}/erasure`, {
      token: caseworker,
      body: { reason: 'data_subject_request', legalBasis: 'art17_1a_no_longer_necessary' },
    });
    expect(refusedToCaseworker.status).toBe(403);

    const erased = await ok('POST', `/cases/${caseId}/erasure`, {
      token: dpo,
      body: { reason: 'data_subject_request', legalBasis: 'art17_1a_no_longer_necessary' },
    });
    // Name, aliases, date of birth, contact, location, reference, address, rationale, reason, note, action, decisions.
    expect(erased.body.erasure).toMatchObject({
      keyId,
      sealedFields: 12,
      digest: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const again = await ok('POST', `/cases/${caseId}/erasure`, {
      token: dpo,
      body: { reason: 'data_subject_request', legalBasis: 'art17_1a_no_longer_necessary' },
    });
    expect(again.body).toMatchObject({ events: [], erasure: erased.body.erasure });

    const key = readFileSync(join(dataDir, 'keys.sqlite'));
    expect(key.includes(wrapped)).toBe(false);
    expect(
      existsSync(join(dataDir, 'keys.sqlite-wal'))
        ? readFileSync(join(dataDir, 'keys.sqlite-wal')).includes(wrapped)
        : false,
    ).toBe(false);

    const position = erased.body.position as string;
    const view = await ok('GET', `/cases/${caseId}?include=personal&minPosition=${position}`, { token: caseworker });
    expect(view.body.personal).toEqual({ name: null, aliases: null, dateOfBirth: null, contact: null });
    expect(view.body.placement.address).toBeNull();
    expect(view.body.referral.reference).toBeNull();
    expect(view.body.erasedFields).toEqual(
      expect.arrayContaining(['details.personal.name', 'placementAddress.personal.address', 'referral.reference']),
    );
    expect(view.body.personalDataErased).toEqual({ erasedOn: today() });
    expect(view.body.openMaracActions[0].description).toBeNull();
    // The pathway as it was: stage, dates, decisions, deadlines.
    for (const field of ['stage', 'keyDates', 'decisions', 'deadlines', 'nextDeadline', 'exploitationTypes']) {
      expect(view.body[field]).toEqual(before.view[field]);
    }
    const history = await ok('GET', `/cases/${caseId}/history?reason=erasure check by the audit team`, {
      token: auditor,
    });
    expect(history.body.events).toHaveLength(eventsBefore + 1);
    expect((history.body.events as unknown[]).at(-1)).toMatchObject({
      type: 'PersonalDataErased',
      data: { keyId, reason: 'data_subject_request', legalBasis: 'art17_1a_no_longer_necessary', sealedFields: 12 },
      actor: { role: 'data_protection' },
    });
    expect(history.body.events[0].erasedFields).toEqual(expect.arrayContaining(['personal.name', 'location']));
    const agenda = await ok('GET', `/marac/meetings/${meetingId}/agenda`, { token: coordinator });
    expect(agenda.body.cases[0].discussedHere.decisions).toBeNull();
    expect(JSON.stringify([history.body, agenda.body, view.body])).not.toMatch(new RegExp(tag));
    expect((await ok('GET', profile(), { token: auditor })).body).toEqual(before.profile);

    const refusedNote = await call('POST', `/cases/${caseId}/notes`, {
      token: caseworker,
      body: { noteId: randomUUID(), text: 'Synthetic note after erasure' },
    });
    expect(refusedNote).toMatchObject({ status: 422, body: { rule: 'personal-data-erased' } });
  });

  it('rebuilds every read model from zero after the erasure, with the pathway and the profile unchanged', async () => {
    const before = {
      view: (await ok('GET', `/cases/${caseId}`, { token: caseworker })).body,
      profile: (await ok('GET', profile(), { token: auditor })).body,
    };
    const { stdout } = await promisify(execFile)(process.execPath, ['dist/apps/worker/src/rebuild.js'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env() },
    });
    expect(stdout).toMatch(/rebuilt in/);
    const after = (await ok('GET', `/cases/${caseId}`, { token: caseworker })).body;
    expect(after).toEqual(before.view);
    expect((await ok('GET', profile(), { token: auditor })).body).toEqual(before.profile);
    expect(foundUnder(dataDir, secrets)).toEqual([]);
  });
});
