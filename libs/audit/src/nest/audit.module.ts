import { join } from 'node:path';
import {
  Inject,
  Injectable,
  Logger,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type Redis from 'ioredis';
import type { EventStore } from '@app/event-store';
// Deep paths, not '@app/platform': its index imports '@app/audit', which must not lead back here.
import type { AppConfig } from '@app/platform/config/app-config';
import { settledWithin } from '@app/platform/settled-within';
import { APP_CONFIG, EVENT_STORE, REDIS } from '@app/platform/tokens';
import { AUDIT_STORE_FILE } from '../merkle/audit-database';
import { SqliteMerkleTreeStore } from '../merkle/sqlite-merkle-tree-store';
import { loadTreeHeadSigningKey } from '../tree-heads/development-signing-key';
import { SqliteTreeHeadStore } from '../tree-heads/sqlite-tree-head-store';
import { AuditTreeBuilder } from '../tree-builder';
import { ReadLogIndex } from '../read-log/read-log-index';

/**
 * Builds the global Merkle tree over `$all` in `DATA_DIR/audit.sqlite` and signs its heads, here
 * while this process holds the audit lease (it tries for it from start): `AuditTreeBuilder`.
 */
@Injectable()
export class AuditTreeBuilderHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly builder: AuditTreeBuilder;
  private readonly tree: SqliteMerkleTreeStore;
  private readonly heads: SqliteTreeHeadStore;
  private readonly logger = new Logger('AuditTree');

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(REDIS) redis: Redis,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    const file = join(config.dataDir, AUDIT_STORE_FILE);
    const signingKey = loadTreeHeadSigningKey(config.auditSigningKey, config.dataDir);
    this.tree = new SqliteMerkleTreeStore(file);
    this.heads = new SqliteTreeHeadStore(file);
    this.builder = new AuditTreeBuilder(store, redis, this.tree, this.heads, {
      prefix: config.redisKeyPrefix,
      signingKey,
      policy: config.auditTreeHeadPolicy,
      log: (message) => this.logger.log(message),
      alarm: (message) => this.logger.error(message),
    });
  }

  onApplicationBootstrap(): void {
    this.builder.start();
  }

  /** Before the event store and Redis close, and bounded. */
  async beforeApplicationShutdown(): Promise<void> {
    if (!(await settledWithin(this.builder.stop(), 5_000))) {
      // Its lease runs out by itself; a batch not committed is appended again from the tree's checkpoint.
      this.logger.warn('the audit tree builder did not stop within 5 s: leaving it');
      return;
    }
    await this.tree.close();
    await this.heads.close();
  }
}

/**
 * Keeps the access log's index (`ReadLogIndex`) up with the read log: it catches up at start and
 * then every few seconds, so an auditor's page has only the last seconds' reads left to index.
 * No lease: catching up is idempotent, and a second worker only repeats the same writes.
 */
@Injectable()
export class ReadLogIndexer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly index: ReadLogIndex;
  private timer: NodeJS.Timeout | undefined;
  private failing = false;
  private readonly logger = new Logger('ReadLogIndex');

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(REDIS) redis: Redis,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.index = new ReadLogIndex(store, redis, config.redisKeyPrefix);
  }

  onApplicationBootstrap(): void {
    const tick = () => {
      void this.index.catchUp().then(
        () => (this.failing = false),
        (error: Error) => {
          if (!this.failing) this.logger.warn(`could not index the read log (${error.message}); trying again`);
          this.failing = true;
        },
      );
    };
    tick();
    this.timer = setInterval(tick, READ_LOG_INDEX_EVERY_MS);
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    // Before the store and Redis close; what is not indexed yet is indexed at the next start.
    await settledWithin(this.index.idle(), 5_000);
  }
}

const READ_LOG_INDEX_EVERY_MS = 5_000;

/** The audit tree builder and the access log's indexer, for the worker (and `npm start`'s worker thread). */
@Module({})
export class AuditModule {
  static forRoot(): DynamicModule {
    return {
      module: AuditModule,
      providers: [AuditTreeBuilderHost, ReadLogIndexer],
      exports: [AuditTreeBuilderHost, ReadLogIndexer],
    };
  }
}
