import type { Actor } from '../shared/actor';
import { NotPermitted } from './case-access';

/**
 * Who may read the children's register of an area (aggregates, no personal data): the caseworkers
 * of a local authority children's services agency that serves the area (its configured `areas`),
 * because children's services lead for children in the NRM; the MARAC coordinator and auditors
 * for any area. Nobody else: the police, health, housing and charities have the problem profile.
 */
export function ensureMayReadChildrenRegister(actor: Actor, area: string): void {
  switch (actor.role) {
    case 'marac_coordinator':
    case 'auditor':
      return;
    case 'caseworker':
      if (actor.agency.type !== 'local_authority_childrens_services')
        throw new NotPermitted("the children's register is for local authority children's services");
      if (!(actor.agency.areas ?? []).includes(area))
        throw new NotPermitted(`your agency does not serve the area ${area}`);
      return;
    default:
      throw new NotPermitted(`the ${actor.role} role does not read the children's register`);
  }
}
