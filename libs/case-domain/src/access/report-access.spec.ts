import type { Actor, Agency, Role } from '../shared/actor';
import { NotPermitted } from './case-access';
import { ensureMayReadChildrenRegister } from './report-access';

describe("who may read the children's register of an area", () => {
  const childrensServices: Agency = {
    id: 'la-childrens-services',
    type: 'local_authority_childrens_services',
    firstResponder: true,
    dutyToNotify: true,
    areas: ['West'],
  };
  const police: Agency = { id: 'police', type: 'police', firstResponder: true, dutyToNotify: true };
  const as = (role: Role, agency: Agency): Actor => ({ userId: 'u', role, agency });
  const mayRead = (actor: Actor, area: string) => {
    try {
      ensureMayReadChildrenRegister(actor, area);
      return true;
    } catch (error) {
      if (error instanceof NotPermitted) return false;
      throw error;
    }
  };

  it("given a children's services caseworker, when they ask for an area their agency serves, then they may", () =>
    expect(mayRead(as('caseworker', childrensServices), 'West')).toBe(true));
  it("given a children's services caseworker, when they ask for another area, then they may not", () =>
    expect(mayRead(as('caseworker', childrensServices), 'East')).toBe(false));
  it("given a children's services agency configured with no areas, then its caseworkers read no area", () =>
    expect(mayRead(as('caseworker', { ...childrensServices, areas: undefined }), 'West')).toBe(false));
  it('given a caseworker of any other agency, even one naming the area, then they may not', () => {
    expect(mayRead(as('caseworker', police), 'West')).toBe(false);
    const adultServices: Agency = { ...childrensServices, type: 'local_authority_adult_services' };
    expect(mayRead(as('caseworker', adultServices), 'West')).toBe(false);
  });
  it('given the MARAC coordinator or an auditor, then they may read any area', () => {
    for (const role of ['marac_coordinator', 'auditor'] as const)
      for (const area of ['West', 'East']) expect(mayRead(as(role, police), area)).toBe(true);
  });
  it("given a panel member, an admin or data protection, even of children's services, then they may not", () => {
    for (const role of ['panel_member', 'admin', 'data_protection'] as const)
      expect(mayRead(as(role, childrensServices), 'West')).toBe(false);
  });
});
