import type { DynamicModule } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
// Deep paths, not '@app/platform': its index must not lead back here.
import type { AppConfig } from '@app/platform/config/app-config';
import { APP_CONFIG, REDIS_URL } from '@app/platform/tokens';
import { bullConnection } from '../redis-connection';
import { bullPrefix, REMINDER_QUEUE } from '../reminder-jobs';

/**
 * The reminder queue (BullMQ, in this deployment's Redis under `<REDIS_KEY_PREFIX>:bull`), for a
 * Nest app: the worker's reminders module, and the api's queue board, which only reads it.
 */
export function reminderQueueModules(): DynamicModule[] {
  return [
    BullModule.forRootAsync({
      inject: [APP_CONFIG, REDIS_URL],
      useFactory: (config: AppConfig, url: string) => ({
        connection: bullConnection(url),
        prefix: bullPrefix(config.redisKeyPrefix),
      }),
    }),
    BullModule.registerQueue({ name: REMINDER_QUEUE }),
  ];
}
