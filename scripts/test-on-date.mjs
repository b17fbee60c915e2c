// npm run test:on-date -- 2031-02-28T23:35:00Z [jest arguments]
//
// The whole suite (or the jest arguments given) with the clock of every process it starts moved to
// that instant: jest, its workers and the servers the e2e tests spawn, through libfaketime with a
// relative offset (FAKETIME=+<seconds>s), so all of them agree and time runs on from there. Fixture
// dates come from the clock (test/support/dates.ts), so a test that depends on the real date, or
// a rule that goes wrong on a month's end, a leap day or the night the clocks change in London,
// fails here. Try instants either side of midnight in Europe/London, e.g. 2027-10-30T23:20:00Z
// (00:20 BST on the 31st, the night the clocks go back).
//
// redis-server cannot run under libfaketime (its allocator recurses into the clock), so it is run
// on the real clock through a shim first on PATH: it only keeps data and TTLs, which it measures
// itself; every date the app reasons about is the app's.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [instant, ...jestArgs] = process.argv.slice(2);
const at = instant && /(Z|[+-]\d\d:\d\d)$/.test(instant) ? Date.parse(instant) : Number.NaN;
if (Number.isNaN(at)) {
  console.error(
    'usage: npm run test:on-date -- <ISO instant with Z or an offset, e.g. 2031-02-28T23:35:00Z> [jest args]',
  );
  process.exit(64);
}

const run = (command, args, env = process.env) => {
  const result = spawnSync(command, args, { stdio: 'inherit', env });
  if (result.error) throw result.error;
  return result.status ?? 1;
};

for (const step of [['scripts/setup.mjs', '--for', 'test'], ['scripts/build-if-stale.mjs']]) {
  const status = run(process.execPath, step);
  if (status !== 0) process.exit(status);
}

const redisServer = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();
if (!redisServer) {
  console.error('redis-server is not on PATH');
  process.exit(1);
}
const shim = mkdtempSync(join(tmpdir(), 'marac-test-on-date-'));
writeFileSync(
  join(shim, 'redis-server'),
  `#!/bin/sh\nunset LD_PRELOAD FAKETIME\nexec '${redisServer.replace(/'/g, `'\\''`)}' "$@"\n`,
);
chmodSync(join(shim, 'redis-server'), 0o755);

const offset = Math.round((at - Date.now()) / 1000);
const shift = `${offset >= 0 ? '+' : ''}${offset}s`;
console.log(`[test:on-date] every clock moved ${shift}, to ${new Date(at).toISOString()}`);
let status = 1;
try {
  status = run('faketime', ['-f', shift, process.execPath, 'node_modules/.bin/jest', '--maxWorkers=2', ...jestArgs], {
    ...process.env,
    PATH: `${shim}:${process.env.PATH ?? ''}`,
  });
} finally {
  rmSync(shim, { recursive: true, force: true });
}
process.exit(status);
