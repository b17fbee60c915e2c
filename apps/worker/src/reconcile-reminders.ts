import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { englandAndWalesCalendar, pendingReminders } from '@app/case-domain';
import { openEventStore } from '@app/event-store';
import { connectedOrTimedOut, createRedisClient, eventStoreConnectionFor, resolveRedis, runMain } from '@app/platform';
import { LeaseLock } from '@app/platform/redis/lease-lock';
import { ReadModelKeys, readModelRoot } from '@app/read-models';
import {
  bullConnection,
  bullPrefix,
  checkNoEviction,
  REMINDER_QUEUE,
  ReminderScheduler,
  reminderKeys,
  type ReconcileResult,
} from '@app/reminders';

/** How long to wait for a running worker to answer. */
const ANSWER_WITHIN_S = 600;

/**
 * `npm run reminders:reconcile`: re-derives every open case's reminders from the event store and
 * makes the BullMQ jobs match (after Redis was emptied, every reminder comes back; none twice).
 * If a worker runs the projections, it is asked to do it (between its own scheduling, never beside
 * it); otherwise this process does it, holding the projections lock so no worker starts meanwhile.
 */
runMain(async (config, onShutdown) => {
  const redisServer = await resolveRedis(config, { reuseRunning: true });
  onShutdown(() => redisServer.stop());
  const store = openEventStore(eventStoreConnectionFor(config));
  onShutdown(() => store.close());
  const redis = await connectedOrTimedOut(createRedisClient(redisServer.url));
  onShutdown(async () => redis.disconnect());
  await checkNoEviction(redis, (message) => console.warn(message));
  const keys = reminderKeys(config.redisKeyPrefix);
  const lock = new LeaseLock(redis, new ReadModelKeys(readModelRoot(config)).lock, 10_000);

  let result: ReconcileResult;
  if (await lock.tryAcquire()) {
    console.log(`no worker is running the projections: reconciling reminders here (${store.description})`);
    const renewal = setInterval(() => void lock.renew().catch(() => undefined), 2_000);
    const queue = new Queue(REMINDER_QUEUE, {
      connection: bullConnection(redisServer.url),
      prefix: bullPrefix(config.redisKeyPrefix),
    });
    try {
      const calendar = englandAndWalesCalendar();
      const scheduler = new ReminderScheduler(store, redis, queue, {
        prefix: config.redisKeyPrefix,
        pendingOf: (state, now) => pendingReminders(state, config.deadlinePolicy, calendar, now),
      });
      result = await scheduler.reconcile();
    } finally {
      clearInterval(renewal);
      await queue.close();
      await lock.release();
    }
  } else {
    const requestId = randomUUID();
    console.log('a worker is running the projections: asking it to reconcile the reminders');
    const waiting = await connectedOrTimedOut(redis.duplicate());
    onShutdown(async () => waiting.disconnect());
    await redis.rpush(keys.reconcileRequests, requestId);
    const reply = await waiting.blpop(keys.reconcileReply(requestId), ANSWER_WITHIN_S);
    if (!reply) throw new Error(`no worker answered within ${ANSWER_WITHIN_S} s`);
    result = JSON.parse(reply[1]) as ReconcileResult;
  }
  console.log(
    `reminders reconciled: ${result.cases} cases (${result.openCases} with reminders), ${result.reminders} reminders scheduled; ` +
      `${result.added} jobs added, ${result.removed} removed, in ${(result.elapsedMs / 1000).toFixed(1)} s`,
  );
  process.kill(process.pid, 'SIGTERM');
});
