import { randomUUID } from 'node:crypto';
import {
  publicKeyFromPem,
  signedTreeHeadFromJson,
  verifyConsistency,
  verifyInclusion,
  verifyTreeHead,
  type SignedTreeHead,
} from '../../libs/audit/src';
import { tokenFor, useApiServer, type ApiResponse } from '../support/api-client';
import { daysAgo } from '../support/dates';

// The worker's Merkle tree over every event, as an auditor checks it over HTTP against the built
// server: a case's events each proven in a signed head, and two heads proven consistent.

const b64 = (text: string) => Buffer.from(text, 'base64');

describe('audit tree heads and proofs', () => {
  jest.setTimeout(120_000);
  // A head at most a second after an event, so the test does not wait a minute.
  const call = useApiServer({ AUDIT_TREE_HEAD_SECONDS: '1' });
  const police = tokenFor('caseworker', 'police');
  const auditor = tokenFor('auditor', 'police');
  const caseId = randomUUID();

  const ok = async (response: Promise<ApiResponse>) => {
    const answered = await response;
    if (answered.status >= 300) throw new Error(`${answered.status} ${JSON.stringify(answered.body)}`);
    return answered;
  };
  /** The head in an answer, its signature checked with the public key that came with it. */
  const verifiedHead = (json: unknown): SignedTreeHead => {
    const head = signedTreeHeadFromJson(json);
    expect(head).toBeDefined();
    expect(verifyTreeHead(head!, publicKeyFromPem((json as { publicKey: string }).publicKey))).toBe(true);
    return head!;
  };
  /** Polls the case's proof until its latest head covers every event of the case. */
  const coveredProof = async (): Promise<ApiResponse> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const answer = await call('GET', `/cases/${caseId}/proof`, { token: auditor });
      if (answer.status === 200 && answer.body.notCovered.length === 0) return answer;
      if (Date.now() > deadline) throw new Error(`never covered: ${answer.status} ${JSON.stringify(answer.body)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  const act = (path: string, body: unknown) => ok(call('POST', `/cases/${caseId}/${path}`, { token: police, body }));

  beforeAll(async () => {
    await ok(
      call('POST', '/cases', {
        token: police,
        body: {
          caseId,
          identifiedOn: daysAgo(12),
          location: 'Synthetic location',
          encounterContext: 'police_operation',
          indicators: ['withheld_documents'],
          exploitationTypes: ['labour'],
          child: false,
          area: 'West',
          personal: { name: 'Synthetic Audit Person' },
        },
      }),
    );
    await act('consent', { givenOn: daysAgo(11), language: 'en', interpreterUsed: false });
    await act('notes', { noteId: randomUUID(), text: 'Synthetic note' });
  });

  let first: SignedTreeHead;

  it('proves each of the case’s events in a signed head', async () => {
    const answer = await coveredProof();
    first = verifiedHead(answer.body.treeHead);
    const proofs = answer.body.proofs as {
      revision: string;
      leafIndex: number;
      leafHash: string;
      inclusionPath: string[];
    }[];
    expect(proofs.map((proof) => proof.revision)).toEqual(['0', '1', '2']);
    expect(new Set(proofs.map((proof) => proof.leafIndex)).size).toBe(3);
    for (const proof of proofs) {
      const claim = {
        leafIndex: proof.leafIndex,
        treeSize: first.treeSize,
        leafHash: b64(proof.leafHash),
        inclusionPath: proof.inclusionPath.map(b64),
        rootHash: first.rootHash,
      };
      expect(verifyInclusion(claim)).toBe(true);
      // Another leaf, or another position, does not verify.
      expect(verifyInclusion({ ...claim, leafHash: b64(proofs.find((other) => other !== proof)!.leafHash) })).toBe(
        false,
      );
      expect(verifyInclusion({ ...claim, leafIndex: (claim.leafIndex + 1) % first.treeSize })).toBe(false);
    }
    // The latest head is the one /audit/tree-head shows, or a later one.
    const latest = await ok(call('GET', '/audit/tree-head', { token: auditor }));
    expect(verifiedHead(latest.body.treeHead).treeSize).toBeGreaterThanOrEqual(first.treeSize);
  });

  it('proves the first head consistent with a later one, and not with another root', async () => {
    await act('notes', { noteId: randomUUID(), text: 'Another synthetic note' });
    const later = await coveredProof();
    const second = verifiedHead(later.body.treeHead);
    expect(second.treeSize).toBeGreaterThan(first.treeSize);
    // The earlier proof still holds against its own head, asked for by size.
    const again = await ok(call('GET', `/cases/${caseId}/proof?treeSize=${first.treeSize}`, { token: auditor }));
    expect(verifiedHead(again.body.treeHead).rootHash).toEqual(first.rootHash);

    const answer = await ok(
      call('GET', `/audit/consistency?from=${first.treeSize}&to=${second.treeSize}`, { token: auditor }),
    );
    expect(verifiedHead(answer.body.first).rootHash).toEqual(first.rootHash);
    expect(verifiedHead(answer.body.second).rootHash).toEqual(second.rootHash);
    const claim = {
      first: first.treeSize,
      second: second.treeSize,
      firstHash: first.rootHash,
      secondHash: second.rootHash,
      consistencyPath: (answer.body.proof as string[]).map(b64),
    };
    expect(verifyConsistency(claim)).toBe(true);
    const rewritten = Buffer.from(first.rootHash);
    rewritten[0]! ^= 1;
    expect(verifyConsistency({ ...claim, firstHash: rewritten })).toBe(false);
  });

  it('answers bad input with 400 and unknown sizes with 404, as problem+json', async () => {
    const cases: [string, number][] = [
      ['/audit/consistency?from=abc&to=2', 400],
      ['/audit/consistency?from=0&to=2', 400],
      ['/audit/consistency?to=2', 400],
      [`/audit/consistency?from=${first.treeSize + 1}&to=${first.treeSize}`, 400],
      [`/cases/${caseId}/proof?treeSize=-1`, 400],
      [`/cases/${caseId}/proof?treeSize=1.5`, 400],
      ['/cases/not-a-uuid/proof', 400],
      [`/cases/${caseId}/proof?treeSize=999999999`, 404],
      [`/audit/consistency?from=${first.treeSize}&to=999999999`, 404],
      [`/cases/${randomUUID()}/proof`, 404],
    ];
    for (const [path, status] of cases) {
      const answer = await call('GET', path, { token: auditor });
      expect([path, answer.status]).toEqual([path, status]);
      expect(answer.headers.get('content-type')).toMatch(/problem\+json/);
    }
    expect((await call('GET', '/audit/tree-head', { token: police })).status).toBe(403);
  });
});
