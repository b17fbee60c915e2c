import { randomBytes, randomUUID } from 'node:crypto';
import { canonicalEventTextOf, chainHash, GENESIS_HASH } from '@app/audit/chain';
import { InvalidEventDataError, WrongExpectedVersionError } from '../errors';
import type { EventStore, Position, RecordedEvent, Subscription } from '../event-store.port';
import { openEventStore, type EventStoreConnection } from '../open-event-store';
import { comparePositions } from '../position';
import { decrypt, fieldAssociatedData, isSealedValue, parseSealedValue, type FieldSeal } from '../sealed-values';
import { killAppenderAfter } from './appender-process';

export interface ContractTarget {
  /** How to reach the store; opening it again must reach the same data (a "reopen"). */
  readonly connection: EventStoreConnection;
  readonly cleanup?: () => Promise<void>;
}

/**
 * The event store contract: one suite that every adapter must pass. Every test writes to streams
 * of its own (a fresh prefix), so the suite also runs against a long-lived server with history.
 */
export function describeEventStoreContract(adapter: string, connect: () => Promise<ContractTarget>): void {
  describe(`event store contract: ${adapter}`, () => {
    jest.setTimeout(60_000);
    let target: ContractTarget;
    let store: EventStore;
    let prefix: string;

    beforeAll(async () => {
      target = await connect();
      store = openEventStore(target.connection);
    });

    afterAll(async () => {
      await store?.close();
      await target?.cleanup?.();
    });

    beforeEach(() => {
      prefix = `contract${randomUUID().replace(/-/g, '')}`;
    });

    const streamName = (name = 'stream') => `${prefix}-${name}`;
    const event = (type: string, data: unknown = {}, metadata?: unknown) => ({
      id: randomUUID(),
      type,
      data,
      ...(metadata === undefined ? {} : { metadata }),
    });

    describe('append', () => {
      it('creates a stream with no_stream and records every field', async () => {
        const stream = streamName();
        const written = event('CaseOpened', { caseId: 'c-1', tags: ['a', 'b'] }, { actor: 'user-1' });
        const before = Date.now();
        const result = await store.append(stream, [written], { expectedRevision: 'no_stream' });

        expect(result.nextExpectedRevision).toBe(0n);
        const [recorded] = await store.readStream(stream);
        expect(recorded).toMatchObject({
          id: written.id,
          type: 'CaseOpened',
          stream,
          revision: 0n,
          data: { caseId: 'c-1', tags: ['a', 'b'] },
          metadata: { actor: 'user-1' },
        });
        expect(recorded!.position).toEqual(result.position);
        expect(recorded!.recordedAt).toBeInstanceOf(Date);
        expect(Math.abs(recorded!.recordedAt.getTime() - before)).toBeLessThan(60_000);
      });

      it('gives consecutive revisions to the events of one append and returns the last', async () => {
        const stream = streamName();
        const result = await store.append(stream, [event('A'), event('B'), event('C')], {
          expectedRevision: 'no_stream',
        });
        const events = await store.readStream(stream);

        expect(result.nextExpectedRevision).toBe(2n);
        expect(events.map((e) => [e.type, e.revision])).toEqual([
          ['A', 0n],
          ['B', 1n],
          ['C', 2n],
        ]);
        expect(result.position).toEqual(events[2]!.position);
        expect(comparePositions(events[0]!.position, events[1]!.position)).toBe(-1);
      });

      it('appends at the expected revision', async () => {
        const stream = streamName();
        await store.append(stream, [event('A')], { expectedRevision: 'no_stream' });
        const second = await store.append(stream, [event('B')], { expectedRevision: 0n });
        const third = await store.append(stream, [event('C')], { expectedRevision: 1n });
        expect([second.nextExpectedRevision, third.nextExpectedRevision]).toEqual([1n, 2n]);
      });

      it.each([
        ['no_stream on an existing stream', 'existing', 'no_stream' as const, 0n],
        ['a revision behind the stream', 'existing', 0n, 1n],
        ['a revision ahead of the stream', 'existing', 5n, 1n],
        ['a revision on a missing stream', 'missing', 0n, 'no_stream' as const],
        ['stream_exists on a missing stream', 'missing', 'stream_exists' as const, 'no_stream' as const],
      ])('rejects %s with WrongExpectedVersionError and writes nothing', async (_, state, expected, actual) => {
        const stream = streamName();
        if (state === 'existing') {
          await store.append(stream, [event('A')], { expectedRevision: 'no_stream' });
          if (actual === 1n) await store.append(stream, [event('B')], { expectedRevision: 0n });
        }
        const before = await store.readStream(stream);

        const error = await store
          .append(stream, [event('X'), event('Y')], { expectedRevision: expected })
          .catch((e: unknown) => e);

        expect(error).toBeInstanceOf(WrongExpectedVersionError);
        expect(error).toMatchObject({ stream, expected, actual });
        expect(await store.readStream(stream)).toEqual(before);
      });

      it('appends with stream_exists to an existing stream and with any to either', async () => {
        const stream = streamName();
        await store.append(stream, [event('A')], { expectedRevision: 'any' });
        await store.append(stream, [event('B')], { expectedRevision: 'stream_exists' });
        await store.append(stream, [event('C')]);
        expect((await store.readStream(stream)).map((e) => e.type)).toEqual(['A', 'B', 'C']);
      });

      it('lets exactly one of 50 concurrent appends at the same revision win', async () => {
        const stream = streamName();
        await store.append(stream, [event('Opened')], { expectedRevision: 'no_stream' });

        const outcomes = await Promise.allSettled(
          Array.from({ length: 50 }, (_, i) =>
            store.append(stream, [event('Decided', { i })], { expectedRevision: 0n }),
          ),
        );

        const winners = outcomes.filter((o) => o.status === 'fulfilled');
        const losers = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
        expect(winners).toHaveLength(1);
        expect(losers).toHaveLength(49);
        for (const loser of losers) expect(loser.reason).toBeInstanceOf(WrongExpectedVersionError);
        const events = await store.readStream(stream);
        expect(events.map((e) => e.revision)).toEqual([0n, 1n]);
      });

      it('commits concurrent appends to different streams independently of a failing one', async () => {
        const good = Array.from({ length: 20 }, (_, i) => streamName(`good${i}`));
        const bad = streamName('bad');
        await store.append(bad, [event('A')], { expectedRevision: 'no_stream' });

        const outcomes = await Promise.allSettled([
          ...good.map((stream) => store.append(stream, [event('Opened')], { expectedRevision: 'no_stream' })),
          store.append(bad, [event('B')], { expectedRevision: 7n }),
        ]);

        expect(outcomes.slice(0, 20).every((o) => o.status === 'fulfilled')).toBe(true);
        expect(outcomes[20]!.status).toBe('rejected');
        const positions = outcomes
          .slice(0, 20)
          .map((o) => (o as PromiseFulfilledResult<{ position: Position }>).value.position);
        expect(new Set(positions.map((p) => `${p.commit}/${p.prepare}`)).size).toBe(20);
        expect(await store.readStream(bad)).toHaveLength(1);
      });

      it.each([
        ['an id that is not a UUID', () => [{ id: 'not-a-uuid', type: 'A', data: {} }]],
        ['data that is not JSON', () => [{ type: 'A', data: { amount: 1n } }]],
        ['no events', () => []],
      ])('rejects %s and writes nothing', async (_, events) => {
        const stream = streamName();
        await expect(store.append(stream, events(), { expectedRevision: 'any' })).rejects.toThrow();
        expect(await store.readStream(stream)).toEqual([]);
      });
    });

    describe('readStream', () => {
      let stream: string;
      beforeEach(async () => {
        stream = streamName();
        await store.append(
          stream,
          ['E0', 'E1', 'E2', 'E3', 'E4'].map((type) => event(type)),
          { expectedRevision: 'no_stream' },
        );
      });
      const types = (events: RecordedEvent[]) => events.map((e) => e.type);

      it('reads forwards and backwards', async () => {
        expect(types(await store.readStream(stream))).toEqual(['E0', 'E1', 'E2', 'E3', 'E4']);
        expect(types(await store.readStream(stream, { direction: 'backwards' }))).toEqual([
          'E4',
          'E3',
          'E2',
          'E1',
          'E0',
        ]);
      });

      it('reads from a revision (inclusive), in both directions, up to a count', async () => {
        expect(types(await store.readStream(stream, { fromRevision: 2n }))).toEqual(['E2', 'E3', 'E4']);
        expect(types(await store.readStream(stream, { fromRevision: 1n, maxCount: 2 }))).toEqual(['E1', 'E2']);
        expect(types(await store.readStream(stream, { direction: 'backwards', fromRevision: 2n }))).toEqual([
          'E2',
          'E1',
          'E0',
        ]);
        expect(types(await store.readStream(stream, { direction: 'backwards', maxCount: 1 }))).toEqual(['E4']);
        expect(await store.readStream(stream, { fromRevision: 9n })).toEqual([]);
      });

      it('reads a stream that does not exist as empty', async () => {
        expect(await store.readStream(streamName('never-written'))).toEqual([]);
      });
    });

    describe('readAll', () => {
      it('returns events of every stream in the order they were appended, in both directions', async () => {
        const appended: string[] = [];
        let first: Position | undefined;
        for (const name of ['a', 'b', 'a', 'c', 'b', 'a']) {
          const written = event(`Seen-${name}`);
          const result = await store.append(streamName(name), [written]);
          first ??= result.position;
          appended.push(written.id);
        }

        const forwards: RecordedEvent[] = [];
        for await (const e of store.readAll({
          fromPosition: first!,
          filter: { on: 'streamName', prefixes: [prefix] },
        })) {
          forwards.push(e);
        }
        expect(forwards.map((e) => e.id)).toEqual(appended);
        for (let i = 1; i < forwards.length; i++) {
          expect(comparePositions(forwards[i - 1]!.position, forwards[i]!.position)).toBe(-1);
        }

        const backwards: string[] = [];
        const last = forwards[forwards.length - 1]!.position;
        for await (const e of store.readAll({
          direction: 'backwards',
          fromPosition: last,
          filter: { on: 'streamName', prefixes: [prefix] },
        })) {
          backwards.push(e.id);
          if (backwards.length === appended.length) break;
        }
        expect(backwards).toEqual([...appended].reverse());
      });

      it('splits streams by a class on the last character of the name, each stream to exactly one side, in order', async () => {
        // What a partitioned rebuild reads: every stream in one partition, none in two.
        const names = Array.from({ length: 30 }, (_, i) => streamName(`s${i}`));
        for (const name of names) await store.append(name, [event('Partitioned'), event('Partitioned')]);
        const first = (await store.readStream(names[0]!))[0]!.position;
        const read = async (regex: string) => {
          const seen: string[] = [];
          for await (const e of store.readAll({ fromPosition: first, filter: { on: 'streamName', regex } })) {
            if (e.stream.startsWith(prefix)) seen.push(e.stream);
          }
          return seen;
        };
        const even = await read('[02468]$');
        const odd = await read('[^02468]$');
        const endsEven = (name: string) => /[02468]$/.test(name);
        expect(even).toEqual(names.filter(endsEven).flatMap((name) => [name, name]));
        expect(odd).toEqual(names.filter((name) => !endsEven(name)).flatMap((name) => [name, name]));
      });

      it('reads up to a position grouped by stream, each stream whole and in order, in exactly one partition', async () => {
        // What a rebuild reads: interleaved appends come back one stream at a time.
        const names = Array.from({ length: 24 }, (_, i) => streamName(`g${i.toString(16)}`));
        const appended = new Map<string, string[]>();
        let upTo: Position | undefined;
        for (let round = 0; round < 3; round++) {
          for (const name of names) {
            const written = [event(`Grouped${round}`), event(`Grouped${round}b`)];
            upTo = (await store.append(name, written)).position;
            appended.set(name, [...(appended.get(name) ?? []), ...written.map((e) => e.id)]);
          }
        }
        // Appended after `upTo`: left out.
        for (const name of names.slice(0, 5)) await store.append(name, [event('TooLate')]);
        const read = async (partition?: { index: number; count: number }) => {
          const seen: RecordedEvent[] = [];
          for await (const e of store.readAllByStream({ upTo: upTo!, partition })) {
            if (e.stream.startsWith(prefix)) seen.push(e);
          }
          return seen;
        };
        const grouped = (events: RecordedEvent[]) => {
          const streams = new Map<string, string[]>();
          let previous: string | undefined;
          for (const e of events) {
            // A stream seen again after another one would mean it was not read whole.
            if (e.stream !== previous) expect(streams.has(e.stream)).toBe(false);
            previous = e.stream;
            streams.set(e.stream, [...(streams.get(e.stream) ?? []), e.id]);
            expect(e.revision).toBe(BigInt(streams.get(e.stream)!.length - 1));
          }
          return streams;
        };
        const whole = grouped(await read());
        expect(new Map([...whole].sort())).toEqual(new Map([...appended].sort()));
        const parts = await Promise.all([0, 1, 2].map((index) => read({ index, count: 3 })));
        const byPartition = parts.map(grouped);
        for (const name of names) {
          expect(byPartition.filter((streams) => streams.has(name))).toHaveLength(1);
        }
        expect(byPartition.every((streams) => streams.size >= 4)).toBe(true);
        expect(parts.flat()).toHaveLength(names.length * 6);
      });

      it('filters on event type by prefix and by regular expression, and stops at maxCount', async () => {
        const stream = streamName();
        const start = await store.append(stream, [
          event(`${prefix}Alpha`),
          event(`${prefix}Beta`),
          event(`${prefix}Alpha2`),
        ]);
        const from = (await store.readStream(stream))[0]!.position;
        const read = async (options: Parameters<EventStore['readAll']>[0]) => {
          const seen: string[] = [];
          for await (const e of store.readAll({ fromPosition: from, ...options })) seen.push(e.type);
          return seen;
        };

        expect(await read({ filter: { on: 'eventType', prefixes: [`${prefix}Alpha`] } })).toEqual([
          `${prefix}Alpha`,
          `${prefix}Alpha2`,
        ]);
        expect(await read({ filter: { on: 'eventType', regex: `^${prefix}Beta$` } })).toEqual([`${prefix}Beta`]);
        expect(await read({ filter: { on: 'streamName', prefixes: [prefix] }, maxCount: 2 })).toHaveLength(2);
        expect(start.nextExpectedRevision).toBe(2n);
      });
    });

    describe('subscribeToAll', () => {
      // A subscription that misses an event waits for it forever: fail fast instead.
      const within = 15_000;
      const filter = () => ({ on: 'streamName' as const, prefixes: [prefix] });

      async function take(subscription: Subscription, count: number): Promise<RecordedEvent[]> {
        const seen: RecordedEvent[] = [];
        if (count === 0) return seen;
        for await (const e of subscription) {
          seen.push(e);
          if (seen.length === count) break;
        }
        return seen;
      }

      it(
        'delivers history, then goes live',
        async () => {
          const stream = streamName();
          const history = [event('H1'), event('H2'), event('H3')];
          await store.append(stream, history);
          const subscription = store.subscribeToAll({ filter: filter() });
          const received = take(subscription, 5);
          await new Promise((resolve) => setTimeout(resolve, 100));
          const live = [event('L1'), event('L2')];
          await store.append(stream, [live[0]!]);
          await store.append(stream, [live[1]!]);

          expect((await received).map((e) => e.id)).toEqual([...history, ...live].map((e) => e.id));
          await subscription.unsubscribe();
        },
        within,
      );

      it(
        "starts after the given position, and from 'end' sees only what comes next",
        async () => {
          const stream = streamName();
          await store.append(stream, [event('Old1')]);
          const checkpoint = await store.append(stream, [event('Old2')]);
          await store.append(stream, [event('Next')]);

          const fromCheckpoint = store.subscribeToAll({ fromPosition: checkpoint.position, filter: filter() });
          expect((await take(fromCheckpoint, 1)).map((e) => e.type)).toEqual(['Next']);

          const fromEnd = store.subscribeToAll({ fromPosition: 'end', filter: filter() });
          const received = take(fromEnd, 1);
          await new Promise((resolve) => setTimeout(resolve, 100));
          await store.append(stream, [event('New')]);
          expect((await received).map((e) => e.type)).toEqual(['New']);
        },
        within,
      );

      it(
        'resumed from a checkpoint while appends go on, misses and repeats nothing',
        async () => {
          const total = 300;
          const appended: string[] = [];
          const writer = (async () => {
            for (let i = 0; i < total; i++) {
              const written = event('Tick', { i });
              await store.append(streamName(`s${i % 7}`), [written]);
              appended.push(written.id);
              if (i % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
            }
          })();

          const first = store.subscribeToAll({ filter: filter() });
          const firstPart = await take(first, 100);
          await first.unsubscribe();
          const checkpoint = firstPart[firstPart.length - 1]!.position;

          const second = store.subscribeToAll({ fromPosition: checkpoint, filter: filter() });
          const secondPart = await take(second, total - 100);
          await writer;

          expect([...firstPart, ...secondPart].map((e) => e.id)).toEqual(appended);
        },
        within,
      );
    });

    describe('payloads', () => {
      it('keeps unicode intact in data, metadata, types and stream names', async () => {
        const stream = streamName('ünïcødé-流-🙂');
        const data = {
          name: 'Zoë Ångström-Łukasz',
          script: '中文 · العربية · עברית · हिन्दी · Ελληνικά',
          emoji: '👩🏽‍⚕️🏳️‍🌈',
          combining: 'e\u0301',
          control: 'tab\tnewline\nnul\u0000end',
          quote: 'He said "no" \\ then left',
        };
        await store.append(stream, [event('NoteAdded·ü', data, { reason: 'prüfung ✓' })]);
        const [recorded] = await store.readStream(stream);
        expect(recorded).toMatchObject({ stream, type: 'NoteAdded·ü', data, metadata: { reason: 'prüfung ✓' } });
      });

      it('round-trips a 1 MB payload through readStream and readAll', async () => {
        const stream = streamName();
        const chunk = 'abcdefghijklmnopqrstuvwxyz0123456789é流🙂';
        const text = chunk.repeat(Math.ceil((1024 * 1024) / chunk.length)).slice(0, 1024 * 1024);
        const result = await store.append(stream, [event('LargeDocumentAttached', { text })]);

        const [viaStream] = await store.readStream(stream);
        expect((viaStream!.data as { text: string }).text).toBe(text);
        for await (const viaAll of store.readAll({
          fromPosition: result.position,
          maxCount: 1,
          filter: { on: 'streamName', prefixes: [prefix] },
        })) {
          expect((viaAll.data as { text: string }).text).toBe(text);
        }
      });
    });

    describe('hash chain', () => {
      it('chains each event to the one before it in its stream, from 32 zero bytes, over what is stored', async () => {
        const stream = streamName();
        await store.append(stream, [event('A', { b: 2, a: [1, { d: 'x', c: null }] }, { actor: 'user-1' })]);
        await store.append(stream, [event('B', { text: 'zwei ✓' }), event('C', {}, { z: 1, a: { y: 2, x: 3 } })]);
        const events = await store.readStream(stream);

        expect(events.map((e) => e.chainHash)).toEqual([expect.any(String), expect.any(String), expect.any(String)]);
        expect(brokenLink(events)).toBeUndefined();
        expect(events[0]!.chainHash).toBe(chainHash(GENESIS_HASH, canonicalEventTextOf(events[0]!)));
        // Readers see the metadata as it was written: the hash beside it, not in it.
        expect(events.map((e) => e.metadata)).toEqual([{ actor: 'user-1' }, {}, { z: 1, a: { y: 2, x: 3 } }]);
        const viaAll = [];
        for await (const e of store.readAll({ filter: { on: 'streamName', prefixes: [prefix] } })) viaAll.push(e);
        expect(viaAll.map((e) => e.chainHash)).toEqual(events.map((e) => e.chainHash));
      });

      it('keeps one chain when two connections append to a stream at once, expecting any revision', async () => {
        const stream = streamName();
        const other = openEventStore(target.connection);
        try {
          await Promise.all(
            Array.from({ length: 30 }, (_, n) => (n % 2 === 0 ? store : other).append(stream, [event('Noted', { n })])),
          );
          await other.append(stream, [event('Noted', { n: 'last' })], { expectedRevision: 'stream_exists' });
          // This connection last knew an older head: it must chain from the true one.
          await store.append(stream, [event('Noted', { n: 'after' })]);
        } finally {
          await other.close();
        }
        const events = await store.readStream(stream);
        expect(events).toHaveLength(32);
        expect(brokenLink(events)).toBeUndefined();
      });

      it('chains an append at an exact revision from the true head, and still refuses a stale one', async () => {
        const stream = streamName();
        await store.append(stream, [event('A')], { expectedRevision: 'no_stream' });
        const other = openEventStore(target.connection);
        try {
          await other.append(stream, [event('B')], { expectedRevision: 0n });
        } finally {
          await other.close();
        }
        await expect(store.append(stream, [event('C')], { expectedRevision: 0n })).rejects.toBeInstanceOf(
          WrongExpectedVersionError,
        );
        await store.append(stream, [event('C')], { expectedRevision: 1n });
        const events = await store.readStream(stream);
        expect(events.map((e) => e.type)).toEqual(['A', 'B', 'C']);
        expect(brokenLink(events)).toBeUndefined();
      });

      it('refuses metadata that brings a chain hash of its own, or is not an object', async () => {
        const stream = streamName();
        await expect(store.append(stream, [event('A', {}, { chainHash: GENESIS_HASH })])).rejects.toBeInstanceOf(
          InvalidEventDataError,
        );
        await expect(store.append(stream, [event('A', {}, ['not', 'an', 'object'])])).rejects.toBeInstanceOf(
          InvalidEventDataError,
        );
        expect(await store.readStream(stream)).toEqual([]);
      });
    });

    describe('fields sealed as they are written', () => {
      const key = randomBytes(32);
      const seal = (...path: string[]): FieldSeal => ({ path, keyId: 'key-1', key });
      /** The plain value of a stored sealed field, opened with the key and what it is bound to. */
      const opened = (recorded: RecordedEvent, path: string[]) => {
        let value: unknown = recorded.data;
        for (const step of path) value = (value as Record<string, unknown>)[step];
        if (!isSealedValue(value)) throw new Error(`${path.join('.')} is not sealed: ${JSON.stringify(value)}`);
        const parsed = parseSealedValue(value)!;
        const plain = decrypt(key, parsed.bytes, fieldAssociatedData(recorded.id, path, parsed.keyId));
        return plain && (JSON.parse(plain.toString('utf8')) as unknown);
      };

      it('stores, chains and reads back only the sealed values, bound to their event and field', async () => {
        const stream = streamName();
        const first = {
          ...event('Identified', { caseId: 'c-1', personal: { name: 'Synthetic Name', aliases: ['A. Alias'] } }),
          seal: [seal('personal', 'name'), seal('personal', 'aliases')],
        };
        const second = {
          ...event('Noted', { personal: { text: 'Synthetic note' } }),
          seal: [seal('personal', 'text')],
        };
        await store.append(stream, [first, event('Plain', { n: 1 })]);
        await store.append(stream, [second]);

        const events = await store.readStream(stream);
        expect(events.map((e) => e.type)).toEqual(['Identified', 'Plain', 'Noted']);
        expect(JSON.stringify(events.map(({ data, metadata }) => [data, metadata]))).not.toMatch(/Synthetic|Alias/);
        expect(events[0]!.data).toMatchObject({ caseId: 'c-1' });
        expect(opened(events[0]!, ['personal', 'name'])).toBe('Synthetic Name');
        expect(opened(events[0]!, ['personal', 'aliases'])).toEqual(['A. Alias']);
        expect(events[1]!.data).toEqual({ n: 1 });
        expect(opened(events[2]!, ['personal', 'text'])).toBe('Synthetic note');
        // Sealed in another event's place, the value does not open.
        expect(opened({ ...events[2]!, id: events[0]!.id }, ['personal', 'text'])).toBeUndefined();
        // The chain covers the stored (sealed) bytes.
        expect(brokenLink(events)).toBeUndefined();
        // The caller's data is left as it was.
        expect(second.data).toEqual({ personal: { text: 'Synthetic note' } });
      });

      it('refuses a seal it cannot apply, and writes nothing of that append', async () => {
        const stream = streamName();
        const refused = [
          { ...event('Noted', { personal: {} }), seal: [seal('personal', 'text')] },
          {
            ...event('Noted', { personal: { text: 'x' } }),
            seal: [{ ...seal('personal', 'text'), key: randomBytes(16) }],
          },
          { type: 'Noted', data: { personal: { text: 'x' } }, seal: [seal('personal', 'text')] },
        ];
        for (const bad of refused) {
          await expect(store.append(stream, [event('Fine'), bad])).rejects.toBeInstanceOf(InvalidEventDataError);
        }
        expect(await store.readStream(stream)).toEqual([]);
      });
    });

    describe('durability', () => {
      it('keeps every append it acknowledged when the writer is killed with SIGKILL', async () => {
        const stream = streamName('durable');
        const acknowledged = await killAppenderAfter(target.connection, stream, 200);
        expect(acknowledged.length).toBeGreaterThanOrEqual(200);

        const reopened = openEventStore(target.connection);
        try {
          const events = await reopened.readStream(stream);
          const byRevision = new Map(events.map((e) => [e.revision, e.id]));
          for (const ack of acknowledged) expect(byRevision.get(ack.revision)).toBe(ack.id);
          expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => BigInt(i)));
          // Chained by the other process, each append from the head it found there.
          expect(brokenLink(events)).toBeUndefined();
        } finally {
          await reopened.close();
        }
      });
    });
  });
}

/** The first revision of a stream's events whose chain hash does not follow from the one before. */
function brokenLink(events: readonly RecordedEvent[]): bigint | undefined {
  let previous = GENESIS_HASH;
  for (const recorded of events) {
    const expected = chainHash(previous, canonicalEventTextOf(recorded));
    if (recorded.chainHash !== expected) return recorded.revision;
    previous = expected;
  }
  return undefined;
}
