import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caseDecider, caseStream, type CaseCommand, type CaseState } from '../../../libs/case-domain/src';
import { context, policeCaseworker } from '../../../libs/case-domain/src/testing/case-fixtures';
import { handleCommand, StreamQueue, StreamStateCache, type CommandEnvelope } from '../../../libs/command-handling/src';
import { SqliteEventStore } from '../../../libs/event-store/src';

// 16 writers adding notes to one case, as in the issue (there 717 of 20,000 notes got 409): notes
// never conflict with each other, so none may be refused and, within one process, none decided twice.
const WRITERS = 16;
const NOTES_EACH = 25;

describe('16 writers adding notes to one case', () => {
  let dir: string;
  let file: string;
  let caseId: string;
  const stores: SqliteEventStore[] = [];
  const envelope: CommandEnvelope = { actor: policeCaseworker, correlationId: 'corr-1', now: () => context.now };
  const note = (writer: number, n: number): CaseCommand => ({
    type: 'AddNote',
    noteId: `note-${writer}-${n}`,
    text: `note ${n} of writer ${writer}`,
  });

  /** A process of the api: its own connection to the store, its own cache and queue. */
  const process = () => {
    const store = new SqliteEventStore(file);
    stores.push(store);
    return { store, cache: new StreamStateCache<CaseState>(), queue: new StreamQueue() };
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'marac-writers-'));
    file = join(dir, 'events.sqlite');
    caseId = randomUUID();
    const { store } = process();
    await handleCommand(
      store,
      caseDecider,
      caseStream(caseId),
      {
        type: 'IdentifyPotentialVictim',
        caseId,
        identifiedOn: '2026-03-01',
        location: 'Test location',
        encounterContext: 'police_operation',
        indicators: [],
        exploitationTypes: ['labour'],
        child: false,
        personal: { name: 'Test Person W' },
      },
      envelope,
    );
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  /** Each writer adds its notes one after another, all writers at once; every writer's outcomes. */
  const write = (
    processOf: (writer: number) => ReturnType<typeof process>,
    decider = caseDecider,
    maxAttempts?: number,
  ): Promise<PromiseSettledResult<unknown>[]> =>
    Promise.allSettled(
      Array.from({ length: WRITERS }, async (_, writer) => {
        const { store, cache, queue } = processOf(writer);
        for (let n = 0; n < NOTES_EACH; n++) {
          await handleCommand(store, decider, caseStream(caseId), note(writer, n), envelope, {
            cache,
            queue,
            ...(maxAttempts ? { maxAttempts } : {}),
          });
        }
      }),
    );

  const notesWritten = async () =>
    (await stores[0]!.readStream(caseStream(caseId))).filter((event) => event.type === 'NoteAdded').length;

  it('in one process, take turns: every note written, none refused, none decided twice', async () => {
    let decisions = 0;
    const counting = {
      ...caseDecider,
      decide: (...args: Parameters<typeof caseDecider.decide>) => {
        decisions++;
        return caseDecider.decide(...args);
      },
    };
    const api = process();

    const outcomes = await write(() => api, counting);

    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
    expect(await notesWritten()).toBe(WRITERS * NOTES_EACH);
    expect(decisions).toBe(WRITERS * NOTES_EACH);
  });

  it('in two processes, a note that lost only to notes retries without using up its attempts', async () => {
    const apis = [process(), process()];

    // One attempt each: any conflict counted against it would be a 409.
    const outcomes = await write((writer) => apis[writer % 2]!, caseDecider, 1);

    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
    expect(await notesWritten()).toBe(WRITERS * NOTES_EACH);
  });
});
