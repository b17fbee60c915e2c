import 'reflect-metadata';
import { Queue } from 'bullmq';
import { englandAndWalesCalendar, pendingReminders } from '@app/case-domain';
import { openEventStore } from '@app/event-store';
import { connectedOrTimedOut, createRedisClient, eventStoreConnectionFor, resolveRedis, runMain } from '@app/platform';
import {
  bullConnection,
  bullPrefix,
  checkNoEviction,
  REMINDER_QUEUE,
  ReminderSubscription,
  requestReconcile,
} from '@app/reminders';

/**
 * `npm run reminders:reconcile`: re-derives every case's reminders from the event store and makes
 * the BullMQ jobs match (after Redis was emptied, every reminder comes back; none twice). If no
 * process holds the reminders lease, this one takes it and reconciles; otherwise it asks the
 * holder, which reconciles between its batches (never beside them).
 */
runMain(async (config, onShutdown) => {
  const redisServer = await resolveRedis(config, { reuseRunning: true });
  onShutdown(() => redisServer.stop());
  const store = openEventStore(eventStoreConnectionFor(config));
  onShutdown(() => store.close());
  const redis = await connectedOrTimedOut(createRedisClient(redisServer.url));
  onShutdown(async () => redis.disconnect());
  await checkNoEviction(redis, (message) => console.warn(message));
  const queue = new Queue(REMINDER_QUEUE, {
    connection: bullConnection(redisServer.url),
    prefix: bullPrefix(config.redisKeyPrefix),
  });
  onShutdown(() => queue.close());
  const calendar = englandAndWalesCalendar();
  const subscription = new ReminderSubscription(store, redis, queue, {
    prefix: config.redisKeyPrefix,
    pendingOf: (state, now) => pendingReminders(state, config.deadlinePolicy, calendar, now),
  });

  let result = await subscription.reconcileIfFree();
  if (result) {
    console.log(`no worker is running the reminders: reconciled them here (${store.description})`);
  } else {
    console.log('a worker is running the reminders: asking it to reconcile them');
    const waiting = await connectedOrTimedOut(redis.duplicate());
    onShutdown(async () => waiting.disconnect());
    result = await requestReconcile(redis, waiting, subscription.keys);
  }
  console.log(
    `reminders reconciled: ${result.cases} cases (${result.openCases} with reminders), ${result.reminders} reminders scheduled; ` +
      `${result.added} jobs added, ${result.removed} removed, in ${(result.elapsedMs / 1000).toFixed(1)} s`,
  );
  process.kill(process.pid, 'SIGTERM');
});
