// The two ways the app is deployed, as `bench:commands` starts them from the built server: the
// all-in-one process of `npm start` (projections and reminders in the api process) and the
// scale-out profile (the api alone, WORKER_IN_PROCESS=false, and a worker process beside it on
// the same store and Redis). Each gets a data directory of its own under the benchmark's.
import { join } from 'node:path';
import { E2E_SECRET } from '../../test/support/api-client';
import {
  API_ENTRY,
  startScaleOut,
  startServer,
  stopServer,
  type ServerProcess,
} from '../../test/support/server-process';

export const PROFILES = ['all-in-one', 'scale-out'] as const;
export type Profile = (typeof PROFILES)[number];

export interface RunningProfile {
  readonly profile: Profile;
  /** Where requests go (the api process). */
  readonly url: string;
  readonly api: ServerProcess;
  readonly worker?: ServerProcess;
  stop(): Promise<void>;
}

/** Starts a profile; `nodeArgs(process)` go to node (`--cpu-prof ...` for `BENCH_ONLY=cpu-profile`). */
export async function startProfile(
  profile: Profile,
  dir: string,
  redisUrl: string,
  nodeArgs: (process: 'api' | 'worker') => readonly string[] = () => [],
): Promise<RunningProfile> {
  const env = {
    DATA_DIR: join(dir, profile),
    REDIS_URL: redisUrl,
    JWT_SECRET: E2E_SECRET,
    LOG_LEVEL: 'warn',
    // The worker's nice value (the default, 5, unless this run sets another).
    ...(process.env.WORKER_NICE ? { WORKER_NICE: process.env.WORKER_NICE } : {}),
  };
  if (profile === 'all-in-one') {
    const api = await startServer(env, API_ENTRY, 'is listening on', nodeArgs('api'));
    if (!api.output().includes('is listening on')) throw new Error(`server did not start:\n${api.output()}`);
    return { profile, url: api.url, api, stop: () => stopServer(api) };
  }
  const scaleOut = await startScaleOut(env, { nodeArgs });
  return { profile, url: scaleOut.api.url, api: scaleOut.api, worker: scaleOut.worker, stop: () => scaleOut.stop() };
}
