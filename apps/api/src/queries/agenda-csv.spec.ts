import { agendaCsv, csvCell } from './agenda-csv';
import { twoCaseAgenda as shown } from './testing/agendas';

describe('the agenda as CSV', () => {
  it('has a header and one CRLF-ended row per case listed, in the agenda’s order', () => {
    const lines = agendaCsv(shown).split('\r\n');
    expect(lines).toHaveLength(4); // header, two cases, and the empty string after the last CRLF
    expect(lines[0]).toBe(
      'caseId,stage,riskLevel,child,missing,inSafeHouse,identifyingAgency,assignee,area,identifiedOn,' +
        'discussedHereRiskLevel,discussedHereDecisions,openActions,overdueActions,changedSinceLastMeeting,' +
        'recordedLate',
    );
    expect(lines[1]!.startsWith('case-a,recovery_period,high,false,false,true,police,,West,2026-10-01,high,')).toBe(
      true,
    );
    expect(lines[2]).toBe('case-b,referred,,true,false,false,police,cw-1 (police),West,2026-10-05,,,,,,');
    expect(lines[3]).toBe('');
  });

  it('quotes what holds commas or quotes, and keeps a formula as text', () => {
    const row = agendaCsv(shown).split('\r\n')[1]!;
    expect(row).toContain('"refer to housing; review, ""urgently"""');
    expect(row).toContain(`"'=HYPERLINK(""http://x"") (owner housing, due 2026-11-27)"`);
    expect(row).toContain(',2026-11-01 ReasonableGroundsDecisionMade,2026-10-20 RiskAssessed (recorded 2026-11-03)');
  });

  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['line\nbreak', '"line\nbreak"'],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@SUM(A1)', "'@SUM(A1)"],
    [null, ''],
    [true, 'true'],
  ])('writes %j as %j', (value, cell) => expect(csvCell(value)).toBe(cell));
});
