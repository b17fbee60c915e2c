// Reads over HTTP with every read of a case recorded (the app as it is) beside the same server with
// the read log left out (bench/commands/server.ts, BENCH_READ_LOG=off), for `npm run bench:read-audit`.
// Both servers seal personal data and run their worker thread, as `npm start` does. They take short
// turns, which goes first alternating, each turn starting once both are idle (as bench:commands'
// sealing comparison does): five-second measures one after the other vary too much here.
import { join } from 'node:path';
import { E2E_SECRET, tokenFor } from '../../test/support/api-client';
import { startServer, type ServerProcess } from '../../test/support/server-process';
import { jsonWithToken, measure, openCases, settle, type Figures } from '../commands/requests';

const TURNS = Number(process.env.BENCH_READ_TURNS ?? 8);
const TURN_S = Number(process.env.BENCH_READ_TURN_S ?? 2);
const LEVELS = [16, 64] as const;
const READY = 'is listening on';

type ReadLog = 'on' | 'off';

async function startVariant(dir: string, redisUrl: string, readLog: ReadLog): Promise<ServerProcess> {
  const server = await startServer(
    {
      DATA_DIR: join(dir, `data-read-log-${readLog}`),
      REDIS_URL: redisUrl,
      JWT_SECRET: E2E_SECRET,
      LOG_LEVEL: 'warn',
      BENCH_READ_LOG: readLog,
      NODE_OPTIONS: '--require @swc-node/register',
    },
    'bench/commands/server.ts',
    READY,
  );
  if (!server.output().includes(READY)) throw new Error(`benchmark server did not start:\n${server.output()}`);
  return server;
}

/** Runs the comparison and prints it; true when every level met the target with no errors. */
export async function compareReadsOverHttp(dir: string, redisUrl: string): Promise<boolean> {
  const servers: Partial<Record<ReadLog, ServerProcess>> = {};
  try {
    servers.off = await startVariant(dir, redisUrl, 'off');
    servers.on = await startVariant(dir, redisUrl, 'on');
    const token = tokenFor('caseworker', 'police');
    const cases: Record<ReadLog, string[]> = {
      off: await openCases(servers.off.url, token, 200),
      on: await openCases(servers.on.url, token, 200),
    };
    await settle([servers.off, servers.on]);
    const read = (readLog: ReadLog) => {
      let next = 0;
      return {
        method: 'GET' as const,
        headers: jsonWithToken(token),
        setupRequest: (request: object) => ({ ...request, path: `/cases/${cases[readLog][next++ % 200]}` }),
      };
    };
    console.log(
      `\nGET /cases/:id over HTTP, read log on vs off (bench/commands/server.ts): ${TURNS} turns of ${TURN_S} s on each server per row, which goes first alternating:`,
    );
    console.log('clients  unrecorded/s  recorded/s  recorded/unrecorded  p99 ms unrecorded  p99 ms recorded  errors');
    let met = true;
    for (const clients of LEVELS) {
      const figures: Record<ReadLog, Figures[]> = { off: [], on: [] };
      for (let turn = 0; turn < TURNS; turn++) {
        for (const readLog of turn % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
          await settle([servers.off, servers.on]);
          figures[readLog].push(await measure('GET /cases/:id', servers[readLog]!.url, clients, read(readLog), TURN_S));
        }
      }
      const rate = (list: Figures[]) =>
        list.reduce((sum, f) => sum + f.requests, 0) / list.reduce((sum, f) => sum + f.seconds, 0);
      const p99 = (list: Figures[]) => Math.max(...list.map((f) => f.p99));
      const errors = [...figures.off, ...figures.on].reduce((sum, f) => sum + f.errors, 0);
      const ratio = rate(figures.on) / rate(figures.off);
      met &&= ratio >= 0.9 && errors === 0;
      console.log(
        `${String(clients).padStart(7)} ${Math.round(rate(figures.off)).toString().padStart(13)} ${Math.round(rate(figures.on)).toString().padStart(11)} ` +
          `${`${(ratio * 100).toFixed(0)}%`.padStart(20)} ${String(p99(figures.off)).padStart(18)} ${String(p99(figures.on)).padStart(16)} ${String(errors).padStart(7)}`,
      );
    }
    console.log(`${met ? 'MET ' : 'MISSED'} reads recorded / unrecorded over HTTP >= 90% at every level, no errors`);
    return met;
  } finally {
    for (const server of [servers.off, servers.on]) {
      server?.child.kill('SIGTERM');
      await server?.exited;
    }
  }
}
