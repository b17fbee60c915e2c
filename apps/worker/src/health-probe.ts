// The standalone worker's healthcheck (docker/docker-compose.yml): exit 0 when the heartbeat it
// writes to WORKER_HEALTH_FILE is recent and its event store and Redis checks were up, 1 (saying
// why) when not. The worker serves no HTTP; this reads the file and touches nothing else.
import { ConfigurationError, loadConfig } from '@app/platform/config/app-config';
import { judgeHeartbeat, readHeartbeat } from './heartbeat';

let file: string | undefined;
try {
  file = loadConfig().workerHealthFile;
} catch (error) {
  if (!(error instanceof ConfigurationError)) throw error;
  console.error(error.message);
  process.exit(78);
}
if (!file) {
  console.error('WORKER_HEALTH_FILE is not set: the worker writes no heartbeat to check');
  process.exit(1);
}
const verdict = judgeHeartbeat(readHeartbeat(file), new Date());
if (verdict.healthy) console.log(verdict.message);
else console.error(verdict.message);
process.exit(verdict.healthy ? 0 : 1);
