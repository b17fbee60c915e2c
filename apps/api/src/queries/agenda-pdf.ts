import { DateTime } from 'luxon';
import PDFDocument from 'pdfkit';
import { changeText, type CaseChange } from './agenda-changes';
import { listText } from './agenda-csv';
import type { caseSummary } from './case-view';
import type { agenda } from './marac.queries';

type Agenda = ReturnType<typeof agenda>;
type ListedCase = Agenda['cases'][number];

const MARGIN = 56; // 2 cm
const FOOTER_GAP = 24; // the footer sits this far below the text block
/** Room a case's heading and first lines need: less left on a page and the case starts on the next. */
const CASE_START_ROOM = 110;

/**
 * The characters the standard PDF fonts can show (WinAnsiEncoding): Latin-1 and the few extra
 * punctuation marks. Anything else would print as a wrong glyph, so it prints as `?`; line breaks
 * and tabs in free text print as spaces.
 */
const WIN_ANSI_EXTRAS = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
function printable(text: string): string {
  return Array.from(text.normalize('NFC').replace(/[\r\n\t]+/g, ' '))
    .map((char) => {
      const code = char.codePointAt(0)!;
      return (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRAS.has(char) ? char : '?';
    })
    .join('');
}

/** An event type as words for a reader: `ReferredToMarac` as "Referred to MARAC". */
export function eventLabel(type: string): string {
  const words = type.split(/(?<=[a-z])(?=[A-Z])/).map((word, index) => {
    const upper = word.toUpperCase();
    if (upper === 'NRM' || upper === 'MARAC' || upper === 'RG' || upper === 'CG') return upper;
    return index === 0 ? word : word.toLowerCase();
  });
  return words.join(' ');
}

const yesNo = (value: boolean | undefined) => (value === undefined ? '-' : value ? 'yes' : 'no');

/**
 * The agenda as a printable PDF for the panel (`GET /marac/meetings/:id/agenda.pdf`): exactly what
 * the JSON agenda shows this reader (pathway facts, no personal details, never a placement
 * address: the agenda has none), on A4 pages: the meeting (area, date, agencies attending, the
 * previous meeting), then per case listed its summary, risk, what was discussed here, its open
 * actions (owner, due date, open or overdue), what changed since the last meeting and what was
 * recorded late; a case that no longer fits at the foot of a page starts the next one. Every page
 * is footed with the meeting and "page n of m". The same agenda and `generatedAt` (the app's
 * clock: the generation time printed and the PDF's CreationDate) give the same bytes.
 */
export function agendaPdf(shown: Agenda, generatedAt: Date): Promise<Buffer> {
  const title = `MARAC agenda: ${shown.area}, ${shown.meetsOn}`;
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN },
    bufferPages: true,
    info: { Title: printable(title), Creator: 'MARAC case management', CreationDate: generatedAt },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const width = doc.page.width - 2 * MARGIN;
  const write = (text: string, options: { bold?: boolean; size?: number; indent?: number; gap?: number } = {}) => {
    const indent = options.indent ?? 0;
    doc
      .font(options.bold ? 'Helvetica-Bold' : 'Helvetica')
      .fontSize(options.size ?? 10)
      .text(printable(text), MARGIN + indent, undefined, { width: width - indent });
    if (options.gap) doc.moveDown(options.gap);
  };
  const list = (heading: string, items: readonly string[], empty: string) => {
    write(heading, { bold: true, gap: 0.1 });
    if (items.length === 0) write(empty, { indent: 12 });
    for (const item of items) write(`•  ${item}`, { indent: 12 });
    doc.moveDown(0.4);
  };

  write('MARAC agenda', { bold: true, size: 18, gap: 0.2 });
  write(`Area ${shown.area}, meeting on ${shown.meetsOn}`, { bold: true, size: 13, gap: 0.5 });
  write(`Meeting: ${shown.meetingId}`);
  write(`Attending agencies: ${shown.attendingAgencies.join(', ') || 'none'}`);
  write(
    shown.previousMeeting
      ? `Previous meeting in this area: ${shown.previousMeeting.meetsOn}`
      : 'Previous meeting in this area: none (every entry on each case is shown as changed)',
  );
  if (shown.closedOn) write(`Closed on: ${shown.closedOn}`);
  write(
    `Generated: ${DateTime.fromJSDate(generatedAt, { zone: 'Europe/London' }).setLocale('en-GB').toFormat('yyyy-MM-dd HH:mm:ss ZZZZ')}`,
  );
  write(`Cases listed: ${shown.cases.length}`, { gap: 0.3 });
  write('Pathway facts only: no personal details, and no safe-house address, are printed on this agenda.', {
    size: 8,
    gap: 1,
  });

  shown.cases.forEach((listed, index) => {
    if (doc.y + CASE_START_ROOM > doc.page.height - MARGIN) doc.addPage();
    writeCase(listed, index, shown.cases.length, write, list);
    doc
      .moveTo(MARGIN, doc.y)
      .lineTo(MARGIN + width, doc.y)
      .lineWidth(0.5)
      .strokeColor('#999999')
      .stroke();
    doc.moveDown(0.8);
  });

  // Footers, written once the page count is known; below the text block, where nothing would start a new page.
  const pages = doc.bufferedPageRange();
  for (let page = pages.start; page < pages.start + pages.count; page++) {
    doc.switchToPage(page);
    doc
      .font('Helvetica')
      .fontSize(8)
      .text(
        printable(`${title} - page ${page - pages.start + 1} of ${pages.count}`),
        MARGIN,
        doc.page.height - MARGIN + FOOTER_GAP,
        { lineBreak: false },
      );
  }
  doc.end();
  return ended;
}

type Write = (text: string, options?: { bold?: boolean; size?: number; indent?: number; gap?: number }) => void;
type List = (heading: string, items: readonly string[], empty: string) => void;

/** One case of the agenda: its summary (when its view is there), discussion, actions and changes. */
function writeCase(listed: ListedCase, index: number, count: number, write: Write, list: List): void {
  write(`Case ${index + 1} of ${count}: ${listed.caseId}`, { bold: true, size: 12, gap: 0.2 });
  // A case whose view is not there (yet) is listed by its id alone, as the JSON agenda lists it.
  if ('stage' in listed) {
    const summary: ReturnType<typeof caseSummary> = listed;
    write(
      `Stage: ${summary.stage.replace(/_/g, ' ')}    Risk: ${summary.riskLevel ?? 'not assessed'}    ` +
        `Child: ${yesNo(summary.child)}    Missing: ${yesNo(summary.missing)}    In a safe house: ${yesNo(summary.inSafeHouse)}`,
    );
    write(
      `Identified on ${summary.identifiedOn ?? '-'} by ${summary.identifyingAgency ?? '-'}; area ${summary.area ?? '-'}; ` +
        (summary.assignee ? `assigned to ${summary.assignee.caseworkerId} (${summary.assignee.agency})` : 'unassigned'),
    );
  } else {
    write('Not yet in the read models: listed by its id alone.');
  }
  write(
    listed.discussedHere
      ? `Discussed here: risk ${listed.discussedHere.riskLevel}; decisions: ${
          listText(listed.discussedHere.decisions) || 'none'
        }`
      : 'Not yet discussed at this meeting.',
    { gap: 0.4 },
  );
  list(
    'Actions',
    listed.openActions.map(
      (action) =>
        `${listText(action.description)} (owner ${action.ownerAgency}, due ${action.dueOn}, ` +
        `${action.overdue ? 'OVERDUE' : 'open'})`,
    ),
    'No open actions.',
  );
  const label = (change: CaseChange, late = false) => changeText({ ...change, type: eventLabel(change.type) }, late);
  list(
    'Changed since the last meeting',
    listed.changedSinceLastMeeting.map((change) => label(change)),
    'Nothing.',
  );
  if (listed.recordedLate.length > 0)
    list(
      'Recorded late (dated before the last meeting, recorded since)',
      listed.recordedLate.map((change) => label(change, true)),
      '',
    );
}
