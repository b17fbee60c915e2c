import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** How often the worker on its own writes its heartbeat. */
export const HEARTBEAT_INTERVAL_MS = 10_000;
/** A heartbeat older than this (three missed) says the worker stopped, hung, or cannot write. */
export const HEARTBEAT_MAX_AGE_MS = 3 * HEARTBEAT_INTERVAL_MS;

/** What one dependency check said (Terminus' shape: `status`, and why when down). */
type CheckResult = Record<string, { readonly status: string; readonly message?: string }>;

/** The worker's last word on its health: when, which process, and its dependency checks. */
export interface Heartbeat {
  readonly at: string;
  readonly pid: number;
  readonly checks: CheckResult;
}

/** Replaces the file in one step (rename), so a reader never sees half of it. */
export function writeHeartbeat(file: string, heartbeat: Heartbeat): void {
  mkdirSync(dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, `${JSON.stringify(heartbeat)}\n`);
  renameSync(partial, file);
}

/**
 * Writes a heartbeat now and every `intervalMs` with what `check` found (the event store and
 * Redis, each bounded by its own timeout), until `stop`, which removes the file: a worker that
 * stopped is not healthy. A heartbeat that cannot be written is skipped, and goes stale.
 */
export function startHeartbeat(
  file: string,
  check: () => Promise<CheckResult>,
  options: { intervalMs?: number; now?: () => Date } = {},
): { stop(): Promise<void> } {
  const now = options.now ?? (() => new Date());
  let stopped = false;
  const beat = async () => {
    const checks = await check();
    if (!stopped) writeHeartbeat(file, { at: now().toISOString(), pid: process.pid, checks });
  };
  let inFlight = beat().catch(() => undefined);
  const timer = setInterval(() => {
    inFlight = inFlight.then(beat).catch(() => undefined);
  }, options.intervalMs ?? HEARTBEAT_INTERVAL_MS);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await inFlight;
      rmSync(file, { force: true });
    },
  };
}

/** The healthcheck's verdict on a heartbeat file's text (`undefined`: no file). */
export function judgeHeartbeat(
  text: string | undefined,
  now: Date,
  maxAgeMs = HEARTBEAT_MAX_AGE_MS,
): { healthy: boolean; message: string } {
  if (text === undefined) return { healthy: false, message: 'no heartbeat: the worker is not running, or not yet' };
  let heartbeat: Heartbeat;
  try {
    heartbeat = JSON.parse(text) as Heartbeat;
  } catch {
    return { healthy: false, message: 'the heartbeat file is not JSON' };
  }
  const at = Date.parse(heartbeat.at);
  if (Number.isNaN(at)) return { healthy: false, message: 'the heartbeat has no time' };
  const ageSeconds = Math.round((now.getTime() - at) / 1000);
  if (now.getTime() - at > maxAgeMs) {
    return {
      healthy: false,
      message: `the last heartbeat (worker pid ${heartbeat.pid}) is ${ageSeconds} s old, over ${maxAgeMs / 1000} s: stopped or hung`,
    };
  }
  const down = Object.entries(heartbeat.checks ?? {}).filter(([, result]) => result.status !== 'up');
  if (down.length > 0) {
    const named = down.map(([name, result]) => `${name}${result.message ? ` (${result.message})` : ''}`);
    return { healthy: false, message: `worker pid ${heartbeat.pid} cannot reach ${named.join(', ')}` };
  }
  const names = Object.keys(heartbeat.checks ?? {});
  return {
    healthy: true,
    message: `worker pid ${heartbeat.pid} is up (${names.join(', ')} up, ${ageSeconds} s ago)`,
  };
}

/** Reads the heartbeat file, `undefined` when there is none. */
export function readHeartbeat(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
