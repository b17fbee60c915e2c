// Checks the configuration before anything is built: `npm start` and the operating commands run
// it from source (through @swc-node/register, a second) ahead of the 20 s build, so a bad value
// (PORT=abc) is told at once, with the server's own message and exit code (78, EX_CONFIG).
import { ConfigurationError, loadConfig } from '@app/platform';

try {
  loadConfig();
} catch (error) {
  if (!(error instanceof ConfigurationError)) throw error;
  console.error(error.message);
  process.exit(78);
}
