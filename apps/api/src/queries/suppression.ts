/**
 * Small-number suppression for the aggregate reports (problem profile, children's register).
 *
 * Primary: a count from 1 to 4 could single a person out, so it is shown as "<5".
 * Secondary (complementary): a report also publishes totals, and a total minus its other cells
 * would give a suppressed cell back. So, in every group of cells that add up to a total in the
 * report, no suppressed cell may be worked out from the published ones: not by subtraction (one
 * suppressed cell in a group is never left alone) nor by the bounds the markers give away (a
 * "<5" is 1 to 4, a complementary "suppressed" cell 5 or more). While a group lets one be worked
 * out, its smallest published non-zero cell is suppressed too, or its total when no such cell is
 * left; repeated until every group holds, since a cell suppressed for one group can open another.
 */

/** How a count is shown: itself, "<5" (1 to 4), or "suppressed" (5 or more, hidden to protect a "<5"). */
export type Shown = number | '<5' | 'suppressed';

/** Cells of a report that add up: `total` is the sum of `members` (each a cell id). */
export interface CellGroup {
  readonly total: string;
  readonly members: readonly string[];
}

export const SUPPRESSION_RULE =
  'counts from 1 to 4 are shown as "<5"; so that no "<5" can be worked out from the totals, in every group of ' +
  'counts that add up to a total in this report (a total across months, a breakdown of one count) further cells ' +
  'are shown as "suppressed" (each 5 or more): the smallest other count of the group, or the total when no other ' +
  'count is left, until no suppressed count of any group can be calculated from its published counts';

const SMALL = { low: 1, high: 4 } as const;
const COMPLEMENT = { low: 5, high: Number.POSITIVE_INFINITY } as const;

/** What a reader knows of a cell: its value, or the range its marker gives away. */
function boundsOf(value: number, shown: Shown): { low: number; high: number } {
  if (shown === '<5') return SMALL;
  if (shown === 'suppressed') return COMPLEMENT;
  return { low: value, high: value };
}

/**
 * The cells of a group a reader can work out exactly, though they are suppressed: each one's range
 * given the group's equation and the other cells' bounds, narrowed by its own marker's.
 */
export function exposedCells(group: CellGroup, value: (cell: string) => number, shown: (cell: string) => Shown) {
  const bounds = (cell: string) => boundsOf(value(cell), shown(cell));
  const sum = (cells: readonly string[], side: 'low' | 'high') =>
    cells.reduce((total, c) => total + bounds(c)[side], 0);
  const exposed: string[] = [];
  const members = [...new Set(group.members)].filter((cell) => cell !== group.total);
  for (const cell of [group.total, ...members]) {
    if (typeof shown(cell) === 'number') continue;
    let low: number;
    let high: number;
    if (cell === group.total) {
      [low, high] = [sum(members, 'low'), sum(members, 'high')];
    } else {
      const others = members.filter((member) => member !== cell);
      const total = bounds(group.total);
      [low, high] = [total.low - sum(others, 'high'), total.high - sum(others, 'low')];
    }
    const own = bounds(cell);
    if (Math.max(low, own.low) === Math.min(high, own.high)) exposed.push(cell);
  }
  return exposed;
}

/**
 * Every cell's shown value: primary suppression of counts from 1 to 4, then complementary
 * suppression until no group exposes a suppressed cell. Cells a group names without a value are 0.
 */
export function suppressCells(values: ReadonlyMap<string, number>, groups: readonly CellGroup[]): Map<string, Shown> {
  const value = (cell: string) => values.get(cell) ?? 0;
  const shown = new Map<string, Shown>();
  for (const [cell, count] of values) shown.set(cell, count > 0 && count < 5 ? '<5' : count);
  const shownOf = (cell: string): Shown => shown.get(cell) ?? value(cell);
  for (let changed = true; changed;) {
    changed = false;
    for (const group of groups) {
      if (exposedCells(group, value, shownOf).length === 0) continue;
      const complement = complementOf(group, value, shownOf);
      if (complement === undefined) continue;
      shown.set(complement, 'suppressed');
      changed = true;
    }
  }
  return shown;
}

/** The group's smallest published non-zero member (the first named, among equals), else its total. */
function complementOf(
  group: CellGroup,
  value: (cell: string) => number,
  shown: (cell: string) => Shown,
): string | undefined {
  const published = (cell: string) => typeof shown(cell) === 'number' && value(cell) > 0;
  let smallest: string | undefined;
  for (const member of group.members) {
    if (member !== group.total && published(member) && (smallest === undefined || value(member) < value(smallest)))
      smallest = member;
  }
  return smallest ?? (published(group.total) ? group.total : undefined);
}
