import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, E2E_SECRET, tokenFor } from '../support/api-client';
import { today } from '../support/dates';
import { startServer } from '../support/server-process';

/** A 2xx means the events are on disk: kill the server mid-load and every acknowledged command is there. */
describe('acknowledged commands survive a crash', () => {
  jest.setTimeout(90_000);
  let dataDir: string;
  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'marac-durability-'))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps every note acknowledged before SIGKILL, none of them twice', async () => {
    const env = { DATA_DIR: dataDir, REDIS_URL: process.env.TEST_REDIS_URL!, JWT_SECRET: E2E_SECRET };
    const caseworker = tokenFor('caseworker', 'police');
    const first = await startServer(env);
    const caseId = randomUUID();
    const created = await call(first.url, 'POST', '/cases', {
      token: caseworker,
      body: {
        caseId,
        // Today: no overdue reminder is raised into the case while the notes race in.
        identifiedOn: today(),
        location: 'Test location',
        encounterContext: 'other',
        indicators: [],
        exploitationTypes: ['unknown'],
        child: false,
        personal: { name: 'Test Person G' },
      },
    });
    expect(created.status).toBe(201);

    // Eight clients add notes concurrently until the server is killed under them.
    const acknowledged = new Set<string>();
    let killed = false;
    const client = async () => {
      while (!killed) {
        const noteId = randomUUID();
        try {
          const response = await call(first.url, 'POST', `/cases/${caseId}/notes`, {
            token: caseworker,
            body: { noteId, text: 'n' },
          });
          if (response.status === 200 && !killed) acknowledged.add(noteId);
        } catch {
          return; // the connection died with the server
        }
      }
    };
    const clients = Array.from({ length: 8 }, client);
    while (acknowledged.size < 150) await new Promise((resolve) => setTimeout(resolve, 10));
    first.child.kill('SIGKILL');
    killed = true;
    await first.exited;
    await Promise.all(clients);

    const second = await startServer(env);
    try {
      // The whole history, page by page (a page holds 100 events unless asked for more).
      const events: { type: string; data: { noteId?: string } }[] = [];
      let after: string | null = null;
      do {
        const page = await call(
          second.url,
          'GET',
          `/cases/${caseId}/history?limit=1000${after === null ? '' : `&after=${after}`}`,
          { token: caseworker },
        );
        expect(page.status).toBe(200);
        events.push(...(page.body.events as typeof events));
        after = page.body.next as string | null;
      } while (after !== null);
      const notes = events.filter((e) => e.type === 'NoteAdded');
      const stored = new Set(notes.map((e) => e.data.noteId));
      for (const noteId of acknowledged) expect(stored.has(noteId)).toBe(true);
      expect(stored.size).toBe(notes.length); // no note written twice
      expect(acknowledged.size).toBeGreaterThanOrEqual(150);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });
});
