// Where a server's CPU went, from the .cpuprofile that `node --cpu-prof` writes at exit, over a
// window of the monotonic clock (V8's profile timestamps and process.hrtime share it on Linux, so
// the benchmark can say exactly when its load ran). For `BENCH_ONLY=cpu-profile`; also runnable on
// its own: node -r @swc-node/register bench/commands/cpu-profile.ts <file.cpuprofile> [fromUs toUs]
import { readFileSync } from 'node:fs';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Areas of the command path, by where the code lives; the first that matches names a frame. */
const AREAS: readonly (readonly [area: string, pattern: RegExp])[] = [
  ['auth (JWT)', /node_modules\/(jsonwebtoken|jws|jwa|safe-buffer|lodash\.)|apps\/api\/src\/auth\//],
  [
    'validation (class-validator/transformer)',
    /node_modules\/(class-validator|class-transformer|validator|libphonenumber)|apps\/api\/src\/http\/validation/,
  ],
  ['Nest pipeline', /node_modules\/(@nestjs|rxjs|reflect-metadata|tslib)\//],
  [
    'express & body parsing',
    /node_modules\/(express|body-parser|router|raw-body|finalhandler|on-finished|path-to-regexp|qs|type-is|content-type|iconv-lite|send|http-errors|depd|parseurl|statuses|media-typer|mime|encodeurl|etag|fresh|cookie|accepts|negotiator|vary|proxy-addr|forwarded|ipaddr\.js|unpipe|destroy|merge-descriptors|utils-merge|array-flatten|setprototypeof|side-channel|object-inspect|call-bind|get-intrinsic|function-bind|has-symbols|es-|dunder-proto|gopd|hasown|math-intrinsics)/,
  ],
  ['sealing (personal data)', /libs\/personal-data\//],
  ['event store (SQLite, group commit)', /libs\/event-store\/|node_modules\/better-sqlite3\//],
  ['command handling (cache, fold, idempotency)', /libs\/command-handling\//],
  ['domain (evolve, decide, access)', /libs\/case-domain\//],
  ['projections (read-model engine)', /libs\/read-models\//],
  ['reminders', /libs\/reminders\/|libs\/platform\/src\/reminders|node_modules\/(bullmq|cron-parser|msgpackr|luxon)/],
  [
    'Redis client',
    /node_modules\/(ioredis|@ioredis|redis-parser|redis-errors|cluster-key-slot|standard-as-callback|denque|lodash)/,
  ],
  ['api glue (controllers, handlers, filters)', /apps\/api\/src\//],
  ['platform', /libs\/platform\//],
];

function areaOfUrl(url: string): string | undefined {
  if (url === '') return undefined;
  for (const [area, pattern] of AREAS) if (pattern.test(url)) return area;
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (dependency) return `other dependency: ${dependency}`;
  if (url.startsWith('node:')) return undefined; // judged by who called it, below
  return `other: ${url.replace(/^.*\/(dist|src)\//, '')}`;
}

/** Node's own code no caller of ours is on the stack of: the HTTP server, sockets, timers. */
function areaOfNodeInternals(url: string): string {
  if (/node:(_http|http|net|internal\/(http|streams|stream_base|net|child_process|js_stream))|node:stream/.test(url))
    return 'Node HTTP, sockets, streams';
  if (/timers|process\/task_queues|async_hooks|promise/.test(url)) return 'Node event loop (timers, microtasks)';
  return 'Node internals (other)';
}

const SPECIAL: Record<string, string> = {
  '(garbage collector)': 'garbage collection',
  '(program)': '(program: V8/native, no JS on the stack)',
  '(idle)': '(idle)',
  '(root)': '(idle)',
};

export interface Breakdown {
  /** Sampled wall time in the window, in ms (idle included). */
  readonly windowMs: number;
  readonly busyMs: number;
  readonly areas: readonly { readonly area: string; readonly ms: number }[];
  readonly selfTop: readonly { readonly fn: string; readonly ms: number }[];
  /** Time with the function on the stack, for our own code (apps/, libs/). */
  readonly inclusiveTop: readonly { readonly fn: string; readonly ms: number }[];
}

export function summarise(file: string, fromUs = -Infinity, toUs = Infinity, top = 25): Breakdown {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const label = ({ functionName, url, lineNumber }: CallFrame) =>
    `${functionName || '(anonymous)'} ${url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${lineNumber + 1}`;

  const areaOfNode = new Map<number, string>();
  const ownCodeOnStack = new Map<number, string[]>();
  const areaOf = (id: number): string => {
    const known = areaOfNode.get(id);
    if (known) return known;
    const leaf = byId.get(id)!.callFrame;
    let area = SPECIAL[leaf.functionName];
    let firstNodeUrl: string | undefined;
    for (let at: number | undefined = id; !area && at !== undefined; at = parent.get(at)) {
      const { url } = byId.get(at)!.callFrame;
      area = areaOfUrl(url);
      if (!firstNodeUrl && url.startsWith('node:')) firstNodeUrl = url;
    }
    area ??= firstNodeUrl ? areaOfNodeInternals(firstNodeUrl) : `native: ${leaf.functionName}`;
    areaOfNode.set(id, area);
    return area;
  };
  const ownFrames = (id: number): string[] => {
    let frames = ownCodeOnStack.get(id);
    if (!frames) {
      const seen = new Set<string>();
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const frame = byId.get(at)!.callFrame;
        if (/\/(apps|libs)\//.test(frame.url) && !frame.url.includes('node_modules')) seen.add(label(frame));
      }
      frames = [...seen];
      ownCodeOnStack.set(id, frames);
    }
    return frames;
  };

  const areas = new Map<string, number>();
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let time = profile.startTime;
  let windowUs = 0;
  let idleUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    // A sample stands for the time since the one before: a thread blocked in a system call (the
    // fsync of a commit) or waiting for a core is sampled only once it runs again, in the same place.
    const weight = profile.timeDeltas[i]!;
    time += weight;
    if (time < fromUs || time > toUs) continue;
    const id = profile.samples[i]!;
    windowUs += weight;
    const area = areaOf(id);
    if (area === '(idle)') {
      idleUs += weight;
      continue;
    }
    areas.set(area, (areas.get(area) ?? 0) + weight);
    const fn = label(byId.get(id)!.callFrame);
    self.set(fn, (self.get(fn) ?? 0) + weight);
    for (const frame of ownFrames(id)) inclusive.set(frame, (inclusive.get(frame) ?? 0) + weight);
  }
  const sorted = (map: Map<string, number>) =>
    [...map].sort((a, b) => b[1] - a[1]).map(([key, us]) => [key, us / 1000] as const);
  return {
    windowMs: windowUs / 1000,
    busyMs: (windowUs - idleUs) / 1000,
    areas: sorted(areas).map(([area, ms]) => ({ area, ms })),
    selfTop: sorted(self)
      .slice(0, top)
      .map(([fn, ms]) => ({ fn, ms })),
    inclusiveTop: sorted(inclusive)
      .slice(0, top)
      .map(([fn, ms]) => ({ fn, ms })),
  };
}

/** Prints a breakdown; `per` (requests answered in the window) adds µs per request. */
export function printBreakdown(title: string, breakdown: Breakdown, per?: number, what = 'commands'): void {
  const { windowMs, busyMs } = breakdown;
  const share = (ms: number) => `${((ms / busyMs) * 100).toFixed(1).padStart(5)}%`;
  const perCommand = (ms: number) => (per ? `${((ms * 1000) / per).toFixed(0).padStart(6)} µs each` : '');
  console.log(
    `\n${title}: busy ${busyMs.toFixed(0)} of ${windowMs.toFixed(0)} ms (${((busyMs / windowMs) * 100).toFixed(0)}%: running, in a system call or waiting for a core)` +
      (per ? `, ${per} ${what}, ${((busyMs * 1000) / per).toFixed(0)} µs each` : ''),
  );
  console.log('  by area (self time; native and Node frames count for the nearest caller that is not):');
  for (const { area, ms } of breakdown.areas) console.log(`  ${share(ms)} ${perCommand(ms)}  ${area}`);
  console.log('  top functions by self time:');
  for (const { fn, ms } of breakdown.selfTop) console.log(`  ${share(ms)} ${perCommand(ms)}  ${fn}`);
  console.log('  our code by inclusive time:');
  for (const { fn, ms } of breakdown.inclusiveTop) console.log(`  ${share(ms)} ${perCommand(ms)}  ${fn}`);
}

if (require.main === module) {
  const [file, from, to] = process.argv.slice(2);
  if (!file) throw new Error('usage: cpu-profile.ts <file.cpuprofile> [fromUs toUs]');
  printBreakdown(file, summarise(file, from ? Number(from) : undefined, to ? Number(to) : undefined));
}
