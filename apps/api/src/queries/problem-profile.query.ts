import { BadRequestException, Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { APP_CONFIG, type AppConfig } from '@app/platform';
import { FOLLOW_UP_DIMENSIONS, READ_MODEL_PROJECTIONS, type ReadModels, READ_MODELS } from '@app/read-models';
import { awaitPosition } from './read-your-writes';
import { suppressCells, SUPPRESSION_RULE, type CellGroup, type Shown } from './suppression';

export class GetProblemProfile {
  constructor(
    readonly from: string,
    readonly to: string,
    readonly area?: string,
    readonly minPosition?: string,
  ) {}
}

const MAX_MONTHS = 60;

/** Every month from `from` to `to` (`YYYY-MM`), inclusive. */
export function monthsBetween(from: string, to: string): string[] {
  const months: string[] = [];
  let [year, month] = from.split('-').map(Number) as [number, number];
  for (;;) {
    const label = `${year}-${String(month).padStart(2, '0')}`;
    if (label > to) return months;
    months.push(label);
    if (months.length > MAX_MONTHS) throw new BadRequestException(`from and to may span at most ${MAX_MONTHS} months`);
    month += 1;
    if (month > 12) [year, month] = [year + 1, 1];
  }
}

type Tree = { [name: string]: Tree | Shown };

/** `decision:reasonable_grounds:positive` → `{ decision: { reasonable_grounds: { positive: n } } }`. */
function nest(counts: ReadonlyMap<string, Shown>): Tree {
  const tree: Tree = {};
  for (const [field, count] of counts) {
    const path = field.split(':');
    let node = tree;
    for (const part of path.slice(0, -1)) node = (node[part] ??= {}) as Tree;
    node[path.at(-1)!] = count;
  }
  return tree;
}

const MEDIANS = {
  referralToReasonableGrounds: { histogram: 'days_referral_to_rg', decision: 'reasonable_grounds' },
  reasonableGroundsToConclusiveGrounds: { histogram: 'days_rg_to_cg', decision: 'conclusive_grounds' },
} as const;
type MedianName = keyof typeof MEDIANS;
const HISTOGRAMS: readonly string[] = Object.values(MEDIANS).map(({ histogram }) => histogram);

/** The median of a histogram `{ days: cases }`; withheld under 5 cases. */
function medianDays(histogram: ReadonlyMap<number, number>): number | null {
  const cases = [...histogram.values()].reduce((a, b) => a + b, 0);
  if (cases < 5) return null;
  const sorted = [...histogram.entries()].sort(([a], [b]) => a - b);
  const middle = (k: number) => {
    let seen = 0;
    for (const [days, count] of sorted) {
      seen += count;
      if (seen > k) return days;
    }
    return sorted.at(-1)![0];
  };
  return cases % 2 === 1 ? middle((cases - 1) / 2) : (middle(cases / 2 - 1) + middle(cases / 2)) / 2;
}

/** Counts that break one count down, each case in exactly one of them: `total` = the sum of `prefix*`. */
const BREAKDOWNS: readonly (readonly [total: string, prefix: string])[] = [
  ['identifications', 'age_group:'],
  ['identifications', 'nationality:'],
  ['referrals', 'referring_agency:'],
];

/**
 * Every group of the report's cells that adds up (see `suppression.ts`). Cells are `<scope>/<field>`,
 * the scope a month or `total`, and `median/<name>` for the cases behind each median:
 * - each field's total is the sum of its months;
 * - in each month and the total, identifications are the sum of the age groups and of the
 *   nationalities, referrals of the referring agencies, and each follow-up stage's completed count
 *   of its outcomes and of each part of the situation;
 * - a median's cases are its decisions: first RG decisions (positive and negative), first CG decisions.
 */
export function profileGroups(fields: ReadonlySet<string>, months: readonly string[]): CellGroup[] {
  const groups: CellGroup[] = [];
  for (const field of fields) groups.push({ total: `total/${field}`, members: months.map((m) => `${m}/${field}`) });
  const stages = [...fields].flatMap((field) => /^follow_up:(\d+):completed$/.exec(field)?.[1] ?? []);
  const breakdowns = [
    ...BREAKDOWNS,
    ...stages.flatMap((stage) =>
      FOLLOW_UP_DIMENSIONS.map((part) => [`follow_up:${stage}:completed`, `follow_up:${stage}:${part}:`] as const),
    ),
  ];
  for (const scope of ['total', ...months]) {
    for (const [total, prefix] of breakdowns) {
      const members = [...fields].filter((field) => field.startsWith(prefix)).map((field) => `${scope}/${field}`);
      groups.push({ total: `${scope}/${total}`, members });
    }
  }
  for (const [name, { decision }] of Object.entries(MEDIANS)) {
    const members = ['positive', 'negative'].map((outcome) => `total/decision:${decision}:${outcome}`);
    groups.push({ total: `median/${name}`, members });
  }
  return groups;
}

/**
 * `GET /reports/problem-profile`: counts per month and in total for an area (or all), with no
 * personal data, counts from 1 to 4 shown as "<5" and others hidden where a total would give them
 * away (`suppression.ts`); medians of days from referral to reasonable grounds and from reasonable
 * grounds to conclusive grounds (withheld under 5 cases).
 */
@QueryHandler(GetProblemProfile)
export class GetProblemProfileHandler implements IQueryHandler<GetProblemProfile> {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute({ from, to, area, minPosition }: GetProblemProfile) {
    if (from > to) throw new BadRequestException('from must not be after to');
    const projections = [READ_MODEL_PROJECTIONS.problemProfile];
    await awaitPosition(this.readModels, minPosition, projections, this.config.readWaitMs);
    const months = monthsBetween(from, to);
    const stored = await this.readModels.profileCounts(area, months);
    const values = new Map<string, number>();
    const fields = new Set<string>();
    const add = (cell: string, count: number) => values.set(cell, (values.get(cell) ?? 0) + count);
    const histograms = new Map<string, Map<number, number>>(HISTOGRAMS.map((name) => [name, new Map()]));
    for (const month of months) {
      for (const [field, text] of Object.entries(stored.get(month) ?? {})) {
        const count = Number(text);
        if (count === 0) continue;
        const [name, days] = field.split(':') as [string, string];
        const histogram = histograms.get(name);
        if (histogram) {
          histogram.set(Number(days), (histogram.get(Number(days)) ?? 0) + count);
          continue;
        }
        fields.add(field);
        add(`${month}/${field}`, count);
        add(`total/${field}`, count);
      }
    }
    const medianCases = (name: MedianName) =>
      [...histograms.get(MEDIANS[name].histogram)!.values()].reduce((a, b) => a + b, 0);
    for (const name of Object.keys(MEDIANS) as MedianName[]) values.set(`median/${name}`, medianCases(name));
    const shown = suppressCells(values, profileGroups(fields, months));
    const countsOf = (scope: string) =>
      nest(
        new Map([...fields].filter((f) => values.has(`${scope}/${f}`)).map((f) => [f, shown.get(`${scope}/${f}`)!])),
      );
    const median = (name: MedianName) => ({
      cases: shown.get(`median/${name}`)!,
      medianDays: medianDays(histograms.get(MEDIANS[name].histogram)!),
    });
    return {
      area: area ?? 'all',
      from,
      to,
      suppression: `${SUPPRESSION_RULE}; medians of fewer than 5 cases are withheld`,
      totals: countsOf('total'),
      medians: {
        referralToReasonableGrounds: median('referralToReasonableGrounds'),
        reasonableGroundsToConclusiveGrounds: median('reasonableGroundsToConclusiveGrounds'),
      },
      months: months.map((month) => ({ month, counts: countsOf(month) })),
    };
  }
}
