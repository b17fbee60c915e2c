import type { LogLevel as NestLogLevel } from '@nestjs/common';
import { ConfigurationError, LOG_LEVELS, loadConfig, type AppConfig, type LogLevel } from './config/app-config';

type Shutdown = () => Promise<unknown>;

/**
 * Runs an app's `main`: loads the configuration (a bad value stops the app with a message naming
 * it, exit code 78, EX_CONFIG), and on SIGINT/SIGTERM runs the registered shutdown steps in
 * reverse order before exiting. A failure while starting also runs them, so a Redis started
 * by this process does not outlive it.
 */
export function runMain(main: (config: AppConfig, onShutdown: (step: Shutdown) => void) => Promise<void>): void {
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
      for (const step of steps.reverse()) {
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
  main(config, (step) => steps.push(step)).catch((error: unknown) => {
    console.error('Failed to start:', error instanceof Error ? error.message : error);
    void shutdown(1);
  });
}

/** Nest's logger levels for a `LOG_LEVEL`: that level and every more severe one. */
export function logLevelsFrom(level: LogLevel): NestLogLevel[] {
  return LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(level) + 1);
}
