import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caseStream, maracMeetingStream } from '@app/case-domain';
import { SqliteEventStore, type EventData, type RecordedEvent } from '@app/event-store';
import { touchedMeetings } from './meeting-states';

const scheduled: EventData = {
  type: 'MaracMeetingScheduled',
  data: { meetingId: 'm', area: 'West', meetsOn: '2026-06-10', attendingAgencies: ['housing'] },
};
const listed: EventData = { type: 'CaseListedAtMarac', data: { caseId: 'c' } };
const agreed: EventData = {
  type: 'MaracActionAgreed',
  data: { actionId: 'a', caseId: 'c', description: 'Synthetic', ownerAgency: 'housing', dueOn: '2026-06-20' },
};

describe('the MARAC meetings a reminder batch touched', () => {
  let dir: string;
  let store: SqliteEventStore;
  let logs: string[];
  const batch = async (stream: string, ...events: EventData[]): Promise<RecordedEvent[]> => {
    const { nextExpectedRevision } = await store.append(stream, events);
    return (await store.readStream(stream)).filter(
      (event) => event.revision > nextExpectedRevision - BigInt(events.length),
    );
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'marac-meeting-states-'));
    store = new SqliteEventStore(join(dir, 'events.sqlite'));
    logs = [];
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('folds each touched meeting from its whole stream, not only the batch; case events touch none', async () => {
    await batch(maracMeetingStream('m'), scheduled, listed);
    const events = [
      ...(await batch(maracMeetingStream('m'), agreed)),
      ...(await batch(caseStream('c'), { type: 'RiskAssessed', data: { level: 'high', assessedOn: '2026-06-10' } })),
    ];
    const meetings = await touchedMeetings(store, events, (line) => logs.push(line));
    expect([...meetings.keys()]).toEqual(['m']);
    expect(meetings.get('m')).toMatchObject({
      scheduled: true,
      listedCases: ['c'],
      actions: { a: { caseId: 'c', dueOn: '2026-06-20', completed: false } },
    });
  });

  it('a meeting with an event this code cannot read is left out and logged without its data', async () => {
    const events = await batch(maracMeetingStream('m'), { ...scheduled, metadata: { schemaVersion: 99 } });
    expect((await touchedMeetings(store, events, (line) => logs.push(line))).size).toBe(0);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/cannot fold marac-meeting-m, its jobs left as they are: MaracMeetingScheduled version 99/);
    expect(logs[0]).not.toContain('West');
  });
});
