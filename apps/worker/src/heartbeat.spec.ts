import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { judgeHeartbeat, readHeartbeat, startHeartbeat, writeHeartbeat } from './heartbeat';

const AT = new Date('2030-03-04T10:00:00.000Z');
const later = (seconds: number) => new Date(AT.getTime() + seconds * 1000);
const up = { eventStore: { status: 'up' }, redis: { status: 'up' } };

describe('the worker heartbeat', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'marac-heartbeat-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is healthy while recent with every check up, and says what it saw', () => {
    const file = join(dir, 'worker-health.json');
    writeHeartbeat(file, { at: AT.toISOString(), pid: 41, checks: up });
    expect(judgeHeartbeat(readHeartbeat(file), later(29))).toEqual({
      healthy: true,
      message: 'worker pid 41 is up (eventStore, redis up, 29 s ago)',
    });
    expect(readdirSync(dir)).toEqual(['worker-health.json']);
  });

  it('is unhealthy once three beats are missed: the worker stopped or hung', () => {
    const text = JSON.stringify({ at: AT.toISOString(), pid: 41, checks: up });
    expect(judgeHeartbeat(text, later(30)).healthy).toBe(true);
    expect(judgeHeartbeat(text, later(31))).toEqual({
      healthy: false,
      message: 'the last heartbeat (worker pid 41) is 31 s old, over 30 s: stopped or hung',
    });
  });

  it('is unhealthy when a dependency was down, naming it and why', () => {
    const text = JSON.stringify({
      at: AT.toISOString(),
      pid: 41,
      checks: { eventStore: { status: 'up' }, redis: { status: 'down', message: 'no answer within 2000 ms' } },
    });
    expect(judgeHeartbeat(text, later(1))).toEqual({
      healthy: false,
      message: 'worker pid 41 cannot reach redis (no answer within 2000 ms)',
    });
  });

  it('is unhealthy without a file, or with one it cannot read', () => {
    expect(judgeHeartbeat(readHeartbeat(join(dir, 'absent.json')), AT)).toEqual({
      healthy: false,
      message: 'no heartbeat: the worker is not running, or not yet',
    });
    expect(judgeHeartbeat('{"at', AT).healthy).toBe(false);
    expect(judgeHeartbeat('{"pid": 3, "checks": {}}', AT)).toEqual({
      healthy: false,
      message: 'the heartbeat has no time',
    });
  });

  it('beats at once and on every interval with what the checks found, and removes the file when stopped', async () => {
    const file = join(dir, 'run', 'worker-health.json');
    let calls = 0;
    let clock = AT;
    const heartbeat = startHeartbeat(
      file,
      async () => {
        calls += 1;
        return calls === 1 ? up : { eventStore: { status: 'up' }, redis: { status: 'down', message: 'refused' } };
      },
      { intervalMs: 20, now: () => clock },
    );
    await waitFor(() => readHeartbeat(file) !== undefined);
    expect(judgeHeartbeat(readHeartbeat(file), AT).healthy).toBe(true);
    clock = later(5);
    await waitFor(() => calls >= 2 && readHeartbeat(file)?.includes('refused') === true);
    expect(judgeHeartbeat(readHeartbeat(file), later(5))).toEqual({
      healthy: false,
      message: `worker pid ${process.pid} cannot reach redis (refused)`,
    });
    await heartbeat.stop();
    expect(readHeartbeat(file)).toBeUndefined();
    const after = calls;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(calls).toBe(after);
    expect(readHeartbeat(file)).toBeUndefined();
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
