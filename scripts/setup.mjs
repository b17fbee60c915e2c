#!/usr/bin/env node
// The install step in front of `npm start`, `npm test` and the benchmarks: it installs what is
// missing and nothing else, so both README commands work on a fresh Debian machine.
//
//   node scripts/setup.mjs --for start|test|bench
//
// - npm packages: installed when node_modules is absent or was installed from another lock file
//   (a hash of package-lock.json is kept in node_modules/.setup-lock-hash). `npm install`, not
//   `npm ci`: the registries we reach serve only this platform's optional packages (no darwin or
//   win32 builds of @swc/core), so a lock file written here never lists them and `npm ci` refuses
//   it as out of sync. `npm install` installs the locked versions all the same;
// - redis-server: needed by tests and benchmarks always, by `start` unless REDIS_URL is set;
//   installed with apt-get when missing and we are root, otherwise a message says how.
// - PostgreSQL server binaries (initdb, pg_ctl, postgres): needed by tests, which start a throwaway
//   cluster to test the PostgreSQL key store against (test/support/postgres-server.ts); installed
//   the same way (the `postgresql` package), so those tests always run and are never skipped.
// - libfaketime (the `faketime` package): needed by tests, which start a server with its clock
//   moved on (a share's expiry, test/e2e/sharing.e2e.test.ts); installed the same way.
// - pdftotext, pdftoppm and pdfinfo (poppler-utils): needed by tests, which read the printable MARAC
//   agenda as a person would (its text, page 1 drawn); installed the same way. The server never needs them.
// Only Node's standard library is used here: it runs before anything is installed.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const purpose = process.argv[process.argv.indexOf('--for') + 1] ?? 'start';

function say(message) {
  console.error(`[setup] ${message}`);
}

function fail(message) {
  console.error(`\n[setup] ${message}\n`);
  process.exit(1);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.error) fail(`${command} could not run: ${result.error.message}`);
  if (result.status !== 0) fail(`${command} ${args.join(' ')} failed with exit code ${result.status}`);
}

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) fail(`Node.js 20.19 or newer is needed; this is ${process.version}.`);
}

function ensureNpmPackages() {
  const lock = join(root, 'package-lock.json');
  const stamp = join(root, 'node_modules', '.setup-lock-hash');
  const hash = () => createHash('sha256').update(readFileSync(lock)).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === hash()) return;
  say(
    existsSync(join(root, 'node_modules')) ? 'package-lock.json changed: npm install' : 'no node_modules: npm install',
  );
  say(
    'this can take several minutes with little output: better-sqlite3 compiles SQLite from source when no ' +
      'prebuilt binary matches this Node (about 3-5 minutes on 2 cores)',
  );
  const started = Date.now();
  run('npm', ['install', '--no-audit', '--no-fund']);
  writeFileSync(stamp, `${hash()}\n`);
  say(`npm packages installed in ${Math.round((Date.now() - started) / 1000)} s`);
}

function findOnPath(name) {
  const dirs = (process.env.PATH ?? '').split(delimiter).concat(['/usr/bin', '/usr/sbin', '/usr/local/bin']);
  return dirs.map((dir) => join(dir, name)).find((file) => existsSync(file));
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Installs a Debian package, or stops with `howTo` when this is not root on a machine with apt-get. */
function aptInstall(what, debianPackage, howTo) {
  const hasApt = Boolean(findOnPath('apt-get'));
  if (!isRoot || !hasApt) {
    fail(
      `${what} is not installed, and ${isRoot ? 'apt-get is not available' : 'this is not root'} to install it.\n  ${howTo}`,
    );
  }
  say(`${what} is missing: installing the ${debianPackage} package with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  aptGet(['update', '-q'], env);
  aptGet(['install', '-y', '-q', '--no-install-recommends', debianPackage], env);
}

/** How long apt-get waits for a lock another install holds (unattended upgrades, a second setup). */
const APT_LOCK_WAIT_SECONDS = 300;

/**
 * apt-get, waiting for the apt and dpkg locks when another process holds them instead of failing
 * at once: apt's own wait (`DPkg::Lock::Timeout`) where it applies, and a bounded retry, saying so,
 * for the locks it does not cover (older apt, the lists lock of `update`).
 */
function aptGet(args, env) {
  const options = ['-o', `DPkg::Lock::Timeout=${APT_LOCK_WAIT_SECONDS}`];
  const deadline = Date.now() + APT_LOCK_WAIT_SECONDS * 1000;
  for (;;) {
    const result = spawnSync('apt-get', [...options, ...args], {
      cwd: root,
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    if (result.error) fail(`apt-get could not run: ${result.error.message}`);
    process.stderr.write(result.stderr ?? '');
    if (result.status === 0) return;
    const locked = /Could not get lock|Unable to (acquire|lock)|is another process using it/i.test(result.stderr ?? '');
    if (!locked || Date.now() > deadline) fail(`apt-get ${args.join(' ')} failed with exit code ${result.status}`);
    say(
      `another process holds the apt/dpkg lock: waiting for it (up to ${APT_LOCK_WAIT_SECONDS} s in all), then trying again`,
    );
    spawnSync('sleep', ['10']);
  }
}

function ensureRedisServer() {
  const binary = process.env.REDIS_SERVER_BIN || 'redis-server';
  if (binary.includes('/') ? existsSync(binary) : findOnPath(binary)) return;
  aptInstall(
    'redis-server',
    'redis-server',
    'Install it (Debian/Ubuntu: sudo apt-get install redis-server), or set REDIS_SERVER_BIN to its path' +
      (purpose === 'start' ? ',\n  or set REDIS_URL to a Redis you run yourself.' : '.'),
  );
  if (!findOnPath('redis-server')) fail('apt-get finished but redis-server is still not on the PATH.');
  say(`installed ${execFileSync('redis-server', ['--version']).toString().trim()}`);
}

/** Where test/support/postgres-server.ts will find them: PG_BIN, Debian's layout (newest first), the PATH. */
function findPostgresBin() {
  const debian = '/usr/lib/postgresql';
  const versions = existsSync(debian) ? readdirSync(debian).filter((name) => /^\d+$/.test(name)) : [];
  const candidates = [
    process.env.PG_BIN,
    ...versions.sort((a, b) => b - a).map((version) => join(debian, version, 'bin')),
    ...(process.env.PATH ?? '').split(delimiter),
  ];
  return candidates.find((dir) => dir && ['initdb', 'pg_ctl', 'postgres'].every((tool) => existsSync(join(dir, tool))));
}

function ensurePostgresServer() {
  if (findPostgresBin()) return;
  aptInstall(
    'PostgreSQL (initdb, pg_ctl, postgres; for the PostgreSQL key store tests)',
    'postgresql',
    'Install it (Debian/Ubuntu: sudo apt-get install postgresql), or set PG_BIN to the directory holding them.',
  );
  const bin = findPostgresBin();
  if (!bin) fail('apt-get finished but the PostgreSQL server binaries are still not found under /usr/lib/postgresql.');
  say(`installed ${execFileSync(join(bin, 'postgres'), ['--version']).toString().trim()} (${bin})`);
}

/** libfaketime's preload library, where Debian puts it (any architecture); test/support/server-process.ts looks alike. */
function findLibfaketime() {
  const lib = '/usr/lib';
  const dirs = existsSync(lib) ? readdirSync(lib).map((name) => join(lib, name, 'faketime')) : [];
  return [process.env.LIBFAKETIME, ...dirs.map((dir) => join(dir, 'libfaketime.so.1'))].find(
    (path) => path && existsSync(path),
  );
}

function ensureLibfaketime() {
  if (findLibfaketime()) return;
  aptInstall(
    'libfaketime (to run a test server with its clock moved on)',
    'faketime',
    'Install it (Debian/Ubuntu: sudo apt-get install faketime), or set LIBFAKETIME to libfaketime.so.1.',
  );
  if (!findLibfaketime()) fail('apt-get finished but libfaketime.so.1 is still not found under /usr/lib/*/faketime.');
  say(`installed libfaketime (${findLibfaketime()})`);
}

/** The poppler-utils tools the tests read the printable agenda with (test/support/pdf.ts). */
const PDF_TOOLS = ['pdftotext', 'pdftoppm', 'pdfinfo'];

function ensurePdfTools() {
  if (PDF_TOOLS.every((tool) => findOnPath(tool))) return;
  aptInstall(
    `poppler-utils (${PDF_TOOLS.join(', ')}: the tests read the printable agenda with them)`,
    'poppler-utils',
    'Install it (Debian/Ubuntu: sudo apt-get install poppler-utils).',
  );
  const missing = PDF_TOOLS.filter((tool) => !findOnPath(tool));
  if (missing.length > 0) fail(`apt-get finished but ${missing.join(', ')} still not on the PATH.`);
  say(`installed poppler-utils (${findOnPath('pdftotext')})`);
}

checkNode();
ensureNpmPackages();
if (purpose === 'test' || purpose === 'bench' || (purpose === 'start' && !process.env.REDIS_URL)) ensureRedisServer();
if (purpose === 'test') ensurePostgresServer();
if (purpose === 'test') ensureLibfaketime();
if (purpose === 'test') ensurePdfTools();
