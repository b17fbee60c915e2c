import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { ensureMayReadChildrenRegister, type Actor } from '@app/case-domain';
import { APP_CONFIG, type AppConfig } from '@app/platform';
import { CHILD_STAGES, EXIT_OUTCOMES, READ_MODEL_PROJECTIONS, READ_MODELS, type ReadModels } from '@app/read-models';
import { CLOCK, type Clock } from '../commands/command-context';
import { awaitPosition } from './read-your-writes';
import { suppressCells, SUPPRESSION_RULE, type CellGroup } from './suppression';

export class GetChildrenRegister {
  constructor(
    readonly actor: Actor,
    readonly area: string,
    readonly minPosition?: string,
  ) {}
}

const stageCells = CHILD_STAGES.map((stage) => `stage:${stage}`);
const exitedCells = EXIT_OUTCOMES.map((outcome) => `exited:${outcome}`);
/** The register adds up twice: every child is at one stage, every child who left with one outcome. */
const REGISTER_GROUPS: readonly CellGroup[] = [
  { total: 'total', members: stageCells },
  { total: 'stage:exited', members: exitedCells },
];

/**
 * `GET /reports/children?area=`: for local authority children's services, at this moment, the
 * open cases of children in the area by stage (the stage says the decision so far), those who
 * have left the NRM by the decision in force when they left, and how many are missing now.
 * Aggregates only, suppressed as the problem profile is. Who may read it: the domain's rule.
 */
@QueryHandler(GetChildrenRegister)
export class GetChildrenRegisterHandler implements IQueryHandler<GetChildrenRegister> {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ actor, area, minPosition }: GetChildrenRegister) {
    ensureMayReadChildrenRegister(actor, area);
    const projections = [READ_MODEL_PROJECTIONS.childrenRegister];
    await awaitPosition(this.readModels, minPosition, projections, this.config.readWaitMs);
    const cells = ['total', ...stageCells, ...exitedCells, 'missing'];
    const values = await this.readModels.childrenRegisterCounts(area, cells);
    const shown = suppressCells(values, REGISTER_GROUPS);
    const show = (cell: string) => shown.get(cell)!;
    return {
      area,
      asOf: this.clock().toISOString(),
      suppression: SUPPRESSION_RULE,
      children: show('total'),
      byStage: Object.fromEntries(CHILD_STAGES.map((stage) => [stage, show(`stage:${stage}`)])),
      exitedByOutcome: Object.fromEntries(EXIT_OUTCOMES.map((outcome) => [outcome, show(`exited:${outcome}`)])),
      missing: show('missing'),
    };
  }
}
