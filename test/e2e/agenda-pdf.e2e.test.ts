import { randomUUID } from 'node:crypto';
import { tokenFor, useApiServer, type ApiResponse } from '../support/api-client';
import { enterCaseWithPersonalData, type PersonalValues } from '../support/case-fixtures';
import { daysAgo, daysAhead, today } from '../support/dates';
import { pdfInfo, renderFirstPage } from '../support/pdf';

/**
 * The MARAC agenda as the panel prints it, and "changed since the last meeting" by business date.
 * A case entered weeks after the facts is listed at the area's meeting a fortnight ago and at next
 * week's; a risk assessment dated before the last meeting but recorded now is "recorded late", one
 * dated since is new. The PDF is downloaded over HTTP and read as a person reads it (pdftotext,
 * page 1 drawn by pdftoppm). All dates are counted from the clock the server runs on.
 */
describe('the MARAC agenda as a printable PDF', () => {
  jest.setTimeout(60_000);
  const call = useApiServer();
  const police = tokenFor('caseworker', 'police');
  const coordinator = tokenFor('marac_coordinator', 'la-adult-services');
  const housingPanel = tokenFor('panel_member', 'housing');
  const healthPanel = tokenFor('panel_member', 'health');

  const tag = randomUUID().slice(0, 8);
  /** Synthetic personal values, unique to this run: none may reach the agenda. */
  const personal: PersonalValues = {
    name: `Agenda Person ${tag}`,
    dob: '1987-04-17',
    contact: `agenda-contact-${tag}@example.invalid`,
    address: `Flat ${tag}, 9 Synthetic Road`,
    note: `Agenda note ${tag}`,
  };
  const rationale = `Agenda rationale ${tag}`;
  const caseId = randomUUID();
  const lastMeetingId = randomUUID();
  const meetingId = randomUUID();
  const lastMeetsOn = daysAgo(14);
  const meetsOn = daysAhead(7);
  let position = '';

  async function ok(response: Promise<ApiResponse>): Promise<ApiResponse> {
    const answered = await response;
    if (answered.status >= 300)
      throw new Error(`fixture step failed: ${answered.status} ${JSON.stringify(answered.body)}`);
    if (typeof answered.body.position === 'string') position = answered.body.position;
    return answered;
  }
  const act = (path: string, body: unknown) => ok(call('POST', `/cases/${caseId}/${path}`, { token: police, body }));
  const meeting = (id: string, path: string, body: unknown) =>
    ok(call('POST', `/marac/meetings/${id}${path}`, { token: coordinator, body }));
  /** A meeting of area West that police and housing attend. */
  const schedule = (id: string, on: string) =>
    ok(
      call('POST', '/marac/meetings', {
        token: coordinator,
        body: { meetingId: id, area: 'West', meetsOn: on, attendingAgencies: ['police', 'housing'] },
      }),
    );

  beforeAll(async () => {
    // Entered today, dated a month back: every one of these is about something before the last meeting.
    await enterCaseWithPersonalData(call, ok, {
      token: police,
      caseId,
      values: personal,
      identifiedDaysAgo: 30,
      referToMarac: true,
    });

    await schedule(lastMeetingId, lastMeetsOn);
    await meeting(lastMeetingId, '/cases', { caseId });
    await meeting(lastMeetingId, '/discussions', { caseId, riskLevel: 'high', decisions: ['Review housing'] });
    await meeting(lastMeetingId, '/actions', {
      actionId: randomUUID(),
      caseId,
      description: 'Find move-on accommodation',
      ownerAgency: 'housing',
      dueOn: daysAgo(2),
    });
    await schedule(meetingId, meetsOn);
    await meeting(meetingId, '/cases', { caseId });
    await meeting(meetingId, '/actions', {
      actionId: randomUUID(),
      caseId,
      description: 'Arrange an interpreter',
      ownerAgency: 'police',
      dueOn: daysAhead(14),
    });

    // The back-dated entry: assessed before the last meeting, recorded only now. Then a new one.
    await act('risk-assessments', { level: 'high', assessedOn: daysAgo(20), rationale });
    await act('risk-assessments', { level: 'medium', assessedOn: daysAgo(3), rationale });
  });

  const agendaPath = (suffix = '') => `/marac/meetings/${meetingId}/agenda${suffix}?minPosition=${position}`;

  it('shows an entry dated before the last meeting but recorded since as recorded late, not as new', async () => {
    const agenda = await call('GET', agendaPath(), { token: housingPanel });
    expect(agenda.status).toBe(200);
    expect(agenda.body.previousMeeting).toEqual({ meetingId: lastMeetingId, meetsOn: lastMeetsOn });
    const [listed] = agenda.body.cases as {
      changedSinceLastMeeting: { type: string; on?: string }[];
      recordedLate: { type: string; on?: string; at: string }[];
    }[];
    // New: the risk assessed since; and the note, which has no business date, by the day it was recorded.
    expect(listed!.changedSinceLastMeeting.map((change) => [change.type, change.on])).toEqual([
      ['NoteAdded', undefined],
      ['RiskAssessed', daysAgo(3)],
    ]);
    // Everything recorded today about the month before the last meeting is late, in the order it was recorded.
    expect(listed!.recordedLate.map((change) => [change.type, change.on])).toEqual([
      ['PotentialVictimIdentified', daysAgo(30)],
      ['ConsentGiven', daysAgo(29)],
      ['NrmReferralSubmitted', daysAgo(29)],
      ['ReasonableGroundsDecisionMade', daysAgo(27)],
      ['SafeHousePlacementStarted', daysAgo(26)],
      ['ReferredToMarac', daysAgo(25)],
      ['RiskAssessed', daysAgo(20)],
    ]);
  });

  it('is a PDF of the same agenda, read as a person reads it: cases, actions and changes, no personal details', async () => {
    const before = Date.now();
    const response = await call('GET', agendaPath('.pdf'), { token: housingPanel });
    const after = Date.now();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="marac-agenda-${meetsOn}-${meetingId}.pdf"`,
    );
    const text = (response.body.text as string).replace(/[ ]+/g, ' ');
    expect(text).toContain(`Area West, meeting on ${meetsOn}`);
    expect(text).toContain('Attending agencies: police, housing');
    expect(text).toContain(`Previous meeting in this area: ${lastMeetsOn}`);
    expect(text).toContain(`Case 1 of 1: ${caseId}`);
    expect(text).toContain('Stage: recovery period Risk: medium Child: no Missing: no In a safe house: yes');
    expect(text).toContain(`Find move-on accommodation (owner housing, due ${daysAgo(2)}, OVERDUE)`);
    expect(text).toContain(`Arrange an interpreter (owner police, due ${daysAhead(14)}, open)`);
    expect(text).toMatch(new RegExp(`Changed since the last meeting\\n(.*\\n)*?.*${daysAgo(3)} Risk assessed\\n`));
    expect(text).toContain(`${daysAgo(20)} Risk assessed (recorded ${today()})`);
    expect(text).toContain(`${daysAgo(30)} Potential victim identified (recorded ${today()})`);
    for (const value of [...Object.values(personal), rationale]) expect(text).not.toContain(value);
    expect(response.bytes!.toString('latin1')).not.toContain(personal.address);

    // Generated at the server clock's time, which is also the document's CreationDate.
    const created = Date.parse(pdfInfo(response.bytes!).CreationDate!);
    expect(created).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(created).toBeLessThanOrEqual(after);
    expect(renderFirstPage(response.bytes!).subarray(1, 4).toString('latin1')).toBe('PNG');
  });

  it('is refused, as the agenda is, to a panel member of an agency not attending', async () => {
    const refused = await call('GET', agendaPath('.pdf'), { token: healthPanel });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toMatch(/problem\+json/);
  });
});
