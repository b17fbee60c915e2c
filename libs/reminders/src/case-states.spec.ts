import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caseStream } from '@app/case-domain';
import { SqliteEventStore, type EventData, type RecordedEvent, type ReadStreamOptions } from '@app/event-store';
import { CaseStates } from './case-states';

const assessed = (level: string): EventData => ({
  type: 'RiskAssessed',
  data: { level, assessedOn: '2026-01-05', rationale: 'Synthetic' },
});
const note: EventData = { type: 'NoteAdded', data: { noteId: 'n1', personal: { text: 'Synthetic' } } };

describe('the case states the reminder subscription folds batches onto', () => {
  let dir: string;
  let store: SqliteEventStore;
  let reads: [string, ReadStreamOptions | undefined][];
  let logs: string[];
  const states = (limit = 100) =>
    new CaseStates(
      {
        readStream: (stream, options) => {
          reads.push([stream, options]);
          return store.readStream(stream, options);
        },
      },
      limit,
      (line) => logs.push(line),
    );
  /** Appends to a case and returns what was recorded. */
  const append = async (caseId: string, ...events: EventData[]): Promise<RecordedEvent[]> => {
    const { nextExpectedRevision } = await store.append(caseStream(caseId), events);
    return (await store.readStream(caseStream(caseId))).filter(
      (event) => event.revision > nextExpectedRevision - BigInt(events.length),
    );
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'marac-case-states-'));
    store = new SqliteEventStore(join(dir, 'events.sqlite'));
    reads = [];
    logs = [];
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('folds a case it holds without reading it; a case it does not hold is read only up to the batch', async () => {
    const held = states();
    const first = await append('a', assessed('standard'));
    expect((await held.fold(first)).get('a')?.riskLevel).toBe('standard');
    expect(reads).toEqual([]); // revision 0: nothing before it
    const next = await append('a', assessed('high'));
    expect((await held.fold(next)).get('a')?.riskLevel).toBe('high');
    expect(reads).toEqual([]);

    // A fresh process (nothing held): the two events before the batch are read, never the batch.
    const fresh = states();
    const third = await append('a', assessed('medium'));
    expect((await fresh.fold(third)).get('a')?.riskLevel).toBe('medium');
    expect(reads).toEqual([[caseStream('a'), { maxCount: 2 }]]);
  });

  it('an evicted case is read again; an event folded already (by the reconciliation) is not folded twice', async () => {
    const held = states(1);
    const a = await append('a', assessed('standard'));
    await held.fold(a);
    await held.fold(await append('b', assessed('high')));
    const more = await append('a', assessed('medium'));
    expect((await held.fold(more)).get('a')?.riskLevel).toBe('medium');
    expect(reads).toEqual([[caseStream('a'), { maxCount: 1 }]]);
    // The same batch again: nothing new, nothing to derive.
    expect((await held.fold([...a, ...more])).size).toBe(0);
  });

  it('a case touched only by a note is neither read nor derived', async () => {
    const held = states();
    await append('a', assessed('standard'));
    expect((await held.fold(await append('a', note))).size).toBe(0);
    expect(reads).toEqual([]);
  });

  it('an event this code cannot read: the case is left out and logged without its data', async () => {
    const held = states();
    const events = await append('a', { ...assessed('Synthetic level'), metadata: { schemaVersion: 99 } });
    expect((await held.fold(events)).size).toBe(0);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/cannot fold case-a, its jobs left as they are: RiskAssessed version 99/);
    expect(logs[0]).not.toContain('Synthetic');
  });
});
