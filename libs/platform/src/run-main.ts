import type { LogLevel as NestLogLevel } from '@nestjs/common';
import { ConfigurationError, LOG_LEVELS, loadConfig, type AppConfig, type LogLevel } from './config/app-config';

type Shutdown = () => Promise<unknown>;

/**
 * Runs an app's `main`: loads the configuration (a bad value stops the app with a message naming
 * it, exit code 78, EX_CONFIG), and on SIGINT/SIGTERM runs the registered shutdown steps in
 * reverse order before exiting. A failure while starting also runs them, so a Redis started
 * by this process does not outlive it; so does `exit`, for a part that fails later.
 */
/** How long stopping may take before the process exits regardless. */
const SHUTDOWN_LIMIT_MS = 15_000;

export function runMain(
  main: (config: AppConfig, onShutdown: (step: Shutdown) => void, exit: (exitCode: number) => void) => Promise<void>,
): void {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigurationError) {
      console.error(error.message);
      process.exit(78);
    }
    throw error;
  }
  const steps: Shutdown[] = [];
  let stopping: Promise<void> | undefined;
  const shutdown = (exitCode: number) => {
    stopping ??= (async () => {
      // Bounded: every acknowledged command is already durable, so a step that hangs (a peer not
      // answering) must not keep the process from ending. Say which one it was.
      let current = 'starting to stop';
      const hard = setTimeout(() => {
        console.error(
          `Shutdown did not finish within ${SHUTDOWN_LIMIT_MS / 1000} s (stuck ${current}); exiting anyway`,
        );
        process.exit(exitCode);
      }, SHUTDOWN_LIMIT_MS);
      hard.unref();
      for (const [index, step] of steps.reverse().entries()) {
        current = `in shutdown step ${index + 1} of ${steps.length}`;
        try {
          await step();
        } catch (error) {
          console.error('Error while shutting down:', error);
        }
      }
      process.exit(exitCode);
    })();
    return stopping;
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));
  main(
    config,
    (step) => steps.push(step),
    (exitCode) => void shutdown(exitCode),
  ).catch((error: unknown) => {
    console.error('Failed to start:', error instanceof Error ? error.message : error);
    // A configuration found wrong only when used (a key-encryption key that opens nothing) is still EX_CONFIG.
    void shutdown(error instanceof ConfigurationError ? 78 : 1);
  });
}

/** Nest's logger levels for a `LOG_LEVEL`: that level and every more severe one. */
export function logLevelsFrom(level: LogLevel): NestLogLevel[] {
  return LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(level) + 1);
}
