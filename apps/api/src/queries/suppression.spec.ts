import { exposedCells, suppressCells, type CellGroup, type Shown } from './suppression';

const cells = (values: Record<string, number>) => new Map(Object.entries(values));
const shownOf = (values: Record<string, number>, groups: CellGroup[]) =>
  Object.fromEntries(suppressCells(cells(values), groups));

/**
 * What a reader can recover from a report: for each group whose total is published, the total
 * minus its published members, when exactly one member is suppressed (and the total itself, when
 * every member is published). Returns the cells so recovered that were suppressed.
 */
function recoverableBySubtraction(shown: ReadonlyMap<string, Shown>, groups: readonly CellGroup[]): string[] {
  const isNumber = (cell: string) => typeof (shown.get(cell) ?? 0) === 'number';
  const recovered: string[] = [];
  for (const group of groups) {
    const hidden = [group.total, ...group.members].filter((cell) => !isNumber(cell));
    if (hidden.length === 1) recovered.push(hidden[0]!);
  }
  return recovered;
}

describe('small-number suppression: given counts and the groups that add up, then what is shown', () => {
  it('shows counts from 1 to 4 as "<5", and 0 and 5 or more as they are, where no total gives them away', () =>
    expect(shownOf({ a: 0, b: 1, c: 4, d: 5, e: 70 }, [])).toEqual({ a: 0, b: '<5', c: '<5', d: 5, e: 70 }));

  it('suppresses the next smallest cell of a group with one "<5", so the total minus the others gives nothing', () => {
    const group = { total: 'all', members: ['child', 'adult', 'unknown'] };
    expect(shownOf({ all: 29, child: 3, adult: 20, unknown: 6 }, [group])).toEqual({
      all: 29,
      child: '<5',
      adult: 20,
      unknown: 'suppressed',
    });
  });

  it('suppresses the total when the group has no other count to hide', () =>
    expect(shownOf({ all: 3, child: 3, adult: 0 }, [{ total: 'all', members: ['child', 'adult'] }])).toEqual({
      all: '<5',
      child: '<5',
      adult: 0,
    }));

  it('suppresses the other count of a pair, whose range then leaves the "<5" open', () =>
    expect(shownOf({ all: 9, child: 3, adult: 6 }, [{ total: 'all', members: ['child', 'adult'] }])).toEqual({
      all: 9,
      child: '<5',
      adult: 'suppressed',
    }));

  it('goes on while the bounds give a cell away: a "<5" and a "suppressed" making 6 can only be 1 and 5', () =>
    // "<5" is 1 to 4 and "suppressed" 5 or more: with the total at 6 both would be known.
    expect(shownOf({ all: 6, a: 1, b: 5 }, [{ total: 'all', members: ['a', 'b'] }])).toEqual({
      all: 'suppressed',
      a: '<5',
      b: 'suppressed',
    }));

  it('leaves two "<5" alone when the total leaves each of them open', () =>
    expect(shownOf({ all: 6, child: 2, adult: 4 }, [{ total: 'all', members: ['child', 'adult'] }])).toEqual({
      all: 6,
      child: '<5',
      adult: '<5',
    }));

  it('follows a suppressed cell into the other groups it belongs to (a month’s count in its row and its column)', () => {
    // March: identifications 12 = 3 children + 9 adults; April: 10 = 6 + 4. Totals across months.
    const values = {
      'total/identifications': 22,
      'total/child': 9,
      'total/adult': 13,
      'march/identifications': 12,
      'march/child': 3,
      'march/adult': 9,
      'april/identifications': 10,
      'april/child': 6,
      'april/adult': 4,
    };
    const groups: CellGroup[] = [
      ...['identifications', 'child', 'adult'].map((f) => ({
        total: `total/${f}`,
        members: [`march/${f}`, `april/${f}`],
      })),
      ...['total', 'march', 'april'].map((s) => ({
        total: `${s}/identifications`,
        members: [`${s}/child`, `${s}/adult`],
      })),
    ];
    const shown = suppressCells(cells(values), groups);
    expect(recoverableBySubtraction(shown, groups)).toEqual([]);
    for (const group of groups)
      expect(
        exposedCells(
          group,
          (cell) => values[cell as keyof typeof values],
          (cell) => shown.get(cell)!,
        ),
      ).toEqual([]);
    expect(shown.get('march/child')).toBe('<5');
    expect(shown.get('april/adult')).toBe('<5');
  });

  it('leaves no suppressed count recoverable from any group, over many random tables', () => {
    let seed = 17;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let table = 0; table < 200; table++) {
      // A months × categories table with its row, column and grand totals, counts often small.
      const rows = 1 + Math.floor(random() * 4);
      const columns = 2 + Math.floor(random() * 4);
      const values = new Map<string, number>();
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < columns; c++) values.set(`${r}/${c}`, Math.floor(random() ** 2 * 12));
      const sumOf = (cellIds: string[]) => cellIds.reduce((total, cell) => total + (values.get(cell) ?? 0), 0);
      const groups: CellGroup[] = [];
      const row = (r: number) => Array.from({ length: columns }, (_, c) => `${r}/${c}`);
      const column = (c: number) => Array.from({ length: rows }, (_, r) => `${r}/${c}`);
      for (let r = 0; r < rows; r++) {
        values.set(`${r}/total`, sumOf(row(r)));
        groups.push({ total: `${r}/total`, members: row(r) });
      }
      for (let c = 0; c < columns; c++) {
        values.set(`total/${c}`, sumOf(column(c)));
        groups.push({ total: `total/${c}`, members: column(c) });
      }
      values.set('total/total', sumOf(Array.from({ length: columns }, (_, c) => `total/${c}`)));
      groups.push({ total: 'total/total', members: Array.from({ length: columns }, (_, c) => `total/${c}`) });
      groups.push({ total: 'total/total', members: Array.from({ length: rows }, (_, r) => `${r}/total`) });

      const shown = suppressCells(values, groups);
      expect({ table, recovered: recoverableBySubtraction(shown, groups) }).toEqual({ table, recovered: [] });
      for (const group of groups) {
        const exposed = exposedCells(
          group,
          (cell) => values.get(cell) ?? 0,
          (cell) => shown.get(cell) ?? 0,
        );
        expect({ table, group, exposed }).toEqual({ table, group, exposed: [] });
      }
      // Every count from 1 to 4 is hidden, and nothing else is shown as "<5".
      for (const [cell, count] of values)
        expect({ cell, small: shown.get(cell) === '<5' }).toEqual({ cell, small: count > 0 && count < 5 });
    }
  });
});
