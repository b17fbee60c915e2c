import { daysAgo } from './dates';

/** `POST /cases` for a synthetic adult identified by police, `identifiedDaysAgo` days ago (from the test's clock). */
export function identifyCaseBody(caseId: string, name: string, identifiedDaysAgo = 2) {
  return {
    caseId,
    identifiedOn: daysAgo(identifiedDaysAgo),
    location: 'Synthetic location',
    encounterContext: 'police_operation',
    indicators: ['withheld_documents'],
    exploitationTypes: ['labour'],
    child: false,
    area: 'West',
    personal: { name },
  };
}

/** `POST /cases/:caseId/consent`: consent given `givenDaysAgo` days ago, in English, no interpreter. */
export const consentBody = (givenDaysAgo = 1) => ({
  givenOn: daysAgo(givenDaysAgo),
  language: 'en',
  interpreterUsed: false,
});
