import 'reflect-metadata';
import { Queue } from 'bullmq';
import { englandAndWalesCalendar } from '@app/case-domain';
import { openEventStore } from '@app/event-store';
import { connectedOrTimedOut, createRedisClient, eventStoreConnectionFor, resolveRedis, runMain } from '@app/platform';
import {
  bullConnection,
  bullPrefix,
  checkNoEviction,
  REMINDER_QUEUE,
  remindersUnder,
  ReminderSubscription,
} from '@app/reminders';

/**
 * `npm run reminders:reconcile`: re-derives every case's reminders (and every MARAC meeting's open
 * actions') from the event store and makes
 * the BullMQ jobs match (after Redis was emptied, every reminder comes back; none twice). It takes
 * the reminders lease, from a running worker too: that worker's writes are fenced out meanwhile,
 * and it takes the lease back afterwards and reconciles again before it goes on.
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
  const subscription = new ReminderSubscription(store, redis, queue, {
    prefix: config.redisKeyPrefix,
    ...remindersUnder(config.deadlinePolicy, englandAndWalesCalendar()),
  });

  const held = (await redis.exists(subscription.keys.lease)) === 1;
  console.log(
    held
      ? 'a worker holds the reminders lease: taking it for the reconciliation (the worker takes it back afterwards)'
      : `no worker is running the reminders: reconciling them here (${store.description})`,
  );
  const result = await subscription.reconcileNow();
  console.log(
    `reminders reconciled: ${result.cases} cases (${result.openCases} with reminders), ${result.reminders} reminders scheduled; ` +
      `${result.added} jobs added, ${result.removed} removed, in ${(result.elapsedMs / 1000).toFixed(1)} s; ` +
      `${result.meetings} MARAC meetings (${result.openMeetings} with action reminders)`,
  );
  process.kill(process.pid, 'SIGTERM');
});
