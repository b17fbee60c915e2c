#!/usr/bin/env node
// Builds dist/ (npm run build) only when its sources changed since the last build here, so the
// commands that serve or operate (npm start, projections:rebuild, reminders:reconcile, audit:verify,
// ...) and npm test do not rewrite dist/ underneath a server or a test run that is using it, and
// start in a second rather than after a 20 s compile. What is hashed: every file under apps/ and
// libs/ (path and content), the tsconfig files and package-lock.json; the hash of the last build
// is kept in dist/.build-hash, written only after a build that succeeded. `npm run build` always
// builds. Only Node's standard library: it runs before anything else.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', '.build-hash');

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (entry.isFile()) yield path;
  }
}

function sourceHash() {
  const hash = createHash('sha256');
  const inputs = [
    ...files(join(root, 'apps')),
    ...files(join(root, 'libs')),
    ...['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'].map((name) => join(root, name)),
  ];
  for (const file of inputs) {
    if (!existsSync(file)) continue;
    hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

const wanted = sourceHash();
if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === wanted) {
  console.error('[build] dist/ is up to date with the sources: not rebuilt');
} else {
  // `--check-config` (the commands that serve or operate): a bad setting is told before the build,
  // not after it; when dist/ is up to date the built command tells it at once anyway.
  if (process.argv.includes('--check-config')) {
    const checked = spawnSync(process.execPath, ['-r', '@swc-node/register', 'apps/api/src/check-config.ts'], {
      cwd: root,
      stdio: 'inherit',
    });
    if (checked.status !== 0) process.exit(checked.status ?? 1);
  }
  console.error('[build] compiling the TypeScript sources into dist/ (about 20 s)');
  const result = spawnSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
  writeFileSync(stamp, `${wanted}\n`);
}
