import { changeText } from './agenda-changes';
import type { caseSummary } from './case-view';
import type { agenda } from './marac.queries';

type Agenda = ReturnType<typeof agenda>;

/** The columns of the agenda's CSV, one row per case listed, in the order the agenda lists them. */
const COLUMNS = [
  'caseId',
  'stage',
  'riskLevel',
  'child',
  'missing',
  'inSafeHouse',
  'identifyingAgency',
  'assignee',
  'area',
  'identifiedOn',
  'discussedHereRiskLevel',
  'discussedHereDecisions',
  'openActions',
  'overdueActions',
  'changedSinceLastMeeting',
  'recordedLate',
] as const;

/**
 * One cell of RFC 4180 CSV: quoted when it holds a comma, quote or line break (quotes doubled);
 * and a cell a spreadsheet would take for a formula (starting `=`, `+`, `-`, `@`, a tab or a
 * carriage return) is prefixed with `'`, so an action typed as `=HYPERLINK(...)` stays text.
 */
export function csvCell(value: string | number | boolean | null | undefined): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A list the agenda shows (decisions: opened text, or what stands for it once erased) as one cell's text. */
export function listText(value: unknown): string {
  if (Array.isArray(value))
    return value.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join('; ');
  return value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The agenda as CSV for the panel (`GET /marac/meetings/:id/agenda.csv`): exactly what the JSON
 * agenda shows this reader (no personal details, no placement address: the agenda has none), a
 * row per case listed; lists (actions, decisions, changes, entries recorded late) in one cell each,
 * separated by `; `.
 * A header row names the columns; CRLF line ends, as RFC 4180 has them.
 */
export function agendaCsv(shown: Agenda): string {
  const rows = shown.cases.map((listed) => {
    // A case whose view is not there (yet) is listed by its id alone.
    const summary: Partial<ReturnType<typeof caseSummary>> = 'stage' in listed ? listed : {};
    const actions = (list: typeof listed.openActions) =>
      list
        .map((action) => `${listText(action.description)} (owner ${action.ownerAgency}, due ${action.dueOn})`)
        .join('; ');
    const cells: Record<(typeof COLUMNS)[number], string | number | boolean | null | undefined> = {
      caseId: listed.caseId,
      stage: summary.stage,
      riskLevel: summary.riskLevel,
      child: summary.child,
      missing: summary.missing,
      inSafeHouse: summary.inSafeHouse,
      identifyingAgency: summary.identifyingAgency,
      assignee: summary.assignee ? `${summary.assignee.caseworkerId} (${summary.assignee.agency})` : null,
      area: summary.area,
      identifiedOn: summary.identifiedOn,
      discussedHereRiskLevel: listed.discussedHere?.riskLevel,
      discussedHereDecisions: listText(listed.discussedHere?.decisions),
      openActions: actions(listed.openActions),
      overdueActions: actions(listed.overdueActions),
      changedSinceLastMeeting: listed.changedSinceLastMeeting.map((change) => changeText(change)).join('; '),
      recordedLate: listed.recordedLate.map((change) => changeText(change, true)).join('; '),
    };
    return COLUMNS.map((column) => csvCell(cells[column])).join(',');
  });
  return [COLUMNS.join(','), ...rows].map((row) => `${row}\r\n`).join('');
}
