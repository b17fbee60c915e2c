import { pdfInfo, pdfText, renderFirstPage } from '../../../../test/support/pdf';
import { agendaPdf, eventLabel } from './agenda-pdf';
import { longAgenda, twoCaseAgenda } from './testing/agendas';

/** The app's clock at generation: a fixed instant, so the bytes can be compared. */
const GENERATED_AT = new Date('2026-11-19T08:15:00.000Z');
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** pdftotext lays lines out with runs of spaces; a reader sees single spaces. */
const read = (bytes: Buffer) => pdfText(bytes).replace(/[ ]+/g, ' ');

describe('the agenda as a printable PDF', () => {
  it('prints the meeting, and per case its pathway facts, risk, actions and changes', async () => {
    const text = read(await agendaPdf(twoCaseAgenda, GENERATED_AT));
    expect(text).toContain('MARAC agenda');
    expect(text).toContain('Area West, meeting on 2026-11-20');
    expect(text).toContain('Attending agencies: housing');
    expect(text).toContain('Previous meeting in this area: none');
    expect(text).toContain('Generated: 2026-11-19 08:15:00 GMT');
    // In summer London's clock is an hour ahead, and says so.
    expect(read(await agendaPdf(twoCaseAgenda, new Date('2026-07-01T08:15:00.000Z')))).toContain(
      'Generated: 2026-07-01 09:15:00 BST',
    );
    expect(text).toContain('Case 1 of 2: case-a');
    expect(text).toContain('Stage: recovery period Risk: high Child: no Missing: no In a safe house: yes');
    expect(text).toContain('Discussed here: risk high; decisions: refer to housing; review, "urgently"');
    expect(text).toContain('=HYPERLINK("http://x") (owner housing, due 2026-11-27, open)');
    expect(text).toContain('2026-11-01 Reasonable grounds decision made');
    expect(text).toContain('2026-10-20 Risk assessed (recorded 2026-11-03)');
    expect(text).toContain('Case 2 of 2: case-b');
    expect(text).toContain('Identified on 2026-10-05 by police; area West; assigned to cw-1 (police)');
    expect(text).toContain('No open actions.');
  });

  it('starts new pages for a long agenda, every case printed and every page footed', async () => {
    const bytes = await agendaPdf(longAgenda(40), GENERATED_AT);
    const pages = pdfText(bytes)
      .split('\f')
      .filter((page) => page.trim() !== '');
    expect(pages.length).toBeGreaterThan(3);
    pages.forEach((page, index) =>
      expect(page.replace(/[ ]+/g, ' ')).toContain(
        `MARAC agenda: West, 2026-11-20 - page ${index + 1} of ${pages.length}`,
      ),
    );
    const text = read(bytes);
    for (let n = 1; n <= 40; n++) expect(text).toContain(`Case ${n} of 40: case-${String(n).padStart(3, '0')}`);
    // A case's heading never sits alone at the foot of a page: its facts follow it on the same page.
    for (const page of pages) {
      const lines = page.split('\n').filter((line) => line.trim() !== '');
      const lastHeading = lines.map((line) => /Case \d+ of 40/.test(line)).lastIndexOf(true);
      if (lastHeading >= 0) expect(lines[lastHeading + 1]).toMatch(/Stage:/);
    }
  });

  it('gives the same bytes for the same agenda and clock, its CreationDate the clock’s', async () => {
    const first = await agendaPdf(longAgenda(5), GENERATED_AT);
    const second = await agendaPdf(longAgenda(5), GENERATED_AT);
    expect(second.equals(first)).toBe(true);
    expect(pdfInfo(first)).toMatchObject({
      CreationDate: '2026-11-19T08:15:00Z',
      Title: 'MARAC agenda: West, 2026-11-20',
    });
    const later = await agendaPdf(longAgenda(5), new Date(GENERATED_AT.getTime() + 60_000));
    expect(later.equals(first)).toBe(false);
  });

  it('renders page 1 as an image', async () => {
    const image = renderFirstPage(await agendaPdf(twoCaseAgenda, GENERATED_AT));
    expect(image.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  });

  it('prints what the standard fonts cannot show as "?", and line breaks as spaces', async () => {
    const agenda = {
      ...twoCaseAgenda,
      cases: [
        { ...twoCaseAgenda.cases[1]!, discussedHere: { riskLevel: 'medium', decisions: ['Café\nrésumé 東京 – ok'] } },
      ],
    } as typeof twoCaseAgenda;
    expect(read(await agendaPdf(agenda, GENERATED_AT))).toContain('decisions: Café résumé ?? – ok');
  });

  it.each([
    ['ReferredToMarac', 'Referred to MARAC'],
    ['ExitedNrm', 'Exited NRM'],
    ['PotentialVictimIdentified', 'Potential victim identified'],
  ])('labels %s as "%s"', (type, label) => expect(eventLabel(type)).toBe(label));
});
