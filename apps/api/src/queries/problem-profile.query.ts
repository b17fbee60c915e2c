import { BadRequestException, Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { APP_CONFIG, type AppConfig } from '@app/platform';
import { READ_MODEL_PROJECTIONS, type ReadModels, READ_MODELS } from '@app/read-models';
import { awaitPosition } from './read-your-writes';

export class GetProblemProfile {
  constructor(
    readonly from: string,
    readonly to: string,
    readonly area?: string,
    readonly minPosition?: string,
  ) {}
}

/** Counts from 1 to 4 could single a person out: shown as "<5". */
export const suppress = (count: number): number | '<5' => (count > 0 && count < 5 ? '<5' : count);

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

type Tree = { [name: string]: Tree | number };

/** `decision:reasonable_grounds:positive` → `{ decision: { reasonable_grounds: { positive: n } } }`. */
function nest(counts: Record<string, number>): Tree {
  const tree: Tree = {};
  for (const [field, count] of Object.entries(counts)) {
    const path = field.split(':');
    let node = tree;
    for (const part of path.slice(0, -1)) node = (node[part] ??= {}) as Tree;
    node[path.at(-1)!] = count;
  }
  return tree;
}

function suppressTree(tree: Tree): unknown {
  return Object.fromEntries(
    Object.entries(tree).map(([name, value]) => [
      name,
      typeof value === 'number' ? suppress(value) : suppressTree(value),
    ]),
  );
}

/** The median of a histogram `{ days: cases }`; suppressed when fewer than 5 cases. */
function median(histogram: Map<number, number>) {
  const cases = [...histogram.values()].reduce((a, b) => a + b, 0);
  if (cases < 5) return { cases: suppress(cases), medianDays: null };
  const sorted = [...histogram.entries()].sort(([a], [b]) => a - b);
  const middle = (k: number) => {
    let seen = 0;
    for (const [days, count] of sorted) {
      seen += count;
      if (seen > k) return days;
    }
    return sorted.at(-1)![0];
  };
  const medianDays = cases % 2 === 1 ? middle((cases - 1) / 2) : (middle(cases / 2 - 1) + middle(cases / 2)) / 2;
  return { cases, medianDays };
}

/**
 * `GET /reports/problem-profile`: counts per month and in total for an area (or all), with no
 * personal data and every count under 5 shown as "<5"; medians of days from referral to
 * reasonable grounds and from reasonable grounds to conclusive grounds (withheld under 5 cases).
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
    const totals: Record<string, number> = {};
    const histograms = { days_referral_to_rg: new Map<number, number>(), days_rg_to_cg: new Map<number, number>() };
    const perMonth = months.map((month) => {
      const counts: Record<string, number> = {};
      for (const [field, text] of Object.entries(stored.get(month) ?? {})) {
        const count = Number(text);
        if (count === 0) continue;
        const [name, days] = field.split(':');
        if (name === 'days_referral_to_rg' || name === 'days_rg_to_cg') {
          const histogram = histograms[name];
          histogram.set(Number(days), (histogram.get(Number(days)) ?? 0) + count);
          continue;
        }
        counts[field] = count;
        totals[field] = (totals[field] ?? 0) + count;
      }
      return { month, counts: suppressTree(nest(counts)) };
    });
    return {
      area: area ?? 'all',
      from,
      to,
      suppression: 'counts from 1 to 4 are shown as "<5"; medians of fewer than 5 cases are withheld',
      totals: suppressTree(nest(totals)),
      medians: {
        referralToReasonableGrounds: median(histograms.days_referral_to_rg),
        reasonableGroundsToConclusiveGrounds: median(histograms.days_rg_to_cg),
      },
      months: perMonth,
    };
  }
}
