import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from './schema';
import { batchCommitter, openDatabase } from './commit-batch';
import { encodeSeals } from '../sealed-values';

describe('the group commit, sealing what its appends ask to have sealed', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'commit-batch-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('fails the batch without quoting the data when a field cannot be sealed, and writes none of it', () => {
    const db = openDatabase(join(dir, 'events.sqlite'), 1000);
    migrate(db);
    const commit = batchCommitter(db);
    const seal = encodeSeals([{ path: ['personal', 'text'], keyId: 'k', key: randomBytes(32) }]);
    const fine = { id: randomUUID(), type: 'Noted', data: '{"n":1}', metadata: '{}', seal: '' };
    // Never built by serializeEvents (it checks seals when an append is queued): text cut short.
    const broken = {
      id: randomUUID(),
      type: 'NoteAdded',
      data: '{"personal":{"text":"Synthetic secret',
      metadata: '{}',
      seal,
    };

    expect(() =>
      commit([
        { stream: 'case-a', expected: 'any', events: [fine] },
        { stream: 'case-b', expected: 'any', events: [broken] },
      ]),
    ).toThrow(new Error(`the NoteAdded event ${broken.id} could not be sealed: nothing of its batch was written`));
    expect(db.prepare('SELECT COUNT(*) FROM events').pluck().get()).toBe(0);
    db.close();
  });
});
