import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { disclosureBundle, type DisclosureBundle } from './bundle';
import { auditLeafBytes, canonicalEventTextOf, chainHash, GENESIS_HASH } from './chain';
import { inclusionPath, leafHash, merkleTreeHash } from './merkle';
import { TreeHeadSigningKey } from './tree-heads';

/** The standalone verifier shipped beside the lib: run as a reader of a bundle would, with node alone. */
const VERIFIER = join(__dirname, '..', 'verify-bundle.mjs');

/**
 * A log of three streams, interleaved as `$all` orders them: the case's stream and a meeting's go
 * in the bundle (made by `disclosureBundle`, as the export route makes it), another case's
 * (between them in the log) does not. Synthetic data.
 */
function makeBundle(key: TreeHeadSigningKey, publicKey = key, options: { unchainedFirst?: boolean } = {}) {
  const order = ['case-a', 'case-b', 'case-a', 'marac-meeting-m', 'case-a', 'case-b', 'marac-meeting-m', 'case-a'];
  const revisions = new Map<string, bigint>();
  const heads = new Map<string, string>();
  const log = order.map((stream, position) => {
    const revision = revisions.get(stream) ?? 0n;
    revisions.set(stream, revision + 1n);
    const content = {
      stream,
      revision,
      type: stream.startsWith('case') ? 'NoteAdded' : 'MaracCaseDiscussed',
      data: { noteId: `n-${position}`, personal: { text: { $sealed: `c2VhbGVk${position}` } } },
      metadata: { schemaVersion: 1, actor: { userId: 'synthetic', role: 'caseworker', agency: 'police' } },
    };
    if (options.unchainedFirst && position === 0) {
      // Written before the store chained events: no hash, and the next event chains from genesis.
      return { ...content, chainHash: undefined, leafIndex: position };
    }
    const hash = chainHash(heads.get(stream) ?? GENESIS_HASH, canonicalEventTextOf(content));
    heads.set(stream, hash);
    return { ...content, chainHash: hash, leafIndex: position };
  });
  const leaves = log.map((event) => leafHash(auditLeafBytes(event)));
  const head = key.sign(
    { treeSize: leaves.length, rootHash: merkleTreeHash(leaves) },
    new Date('2026-11-30T12:00:00Z'),
  );
  return disclosureBundle({
    caseId: 'a',
    exportedAt: new Date('2026-11-30T12:05:00Z'),
    exportedBy: { userId: 'synthetic-auditor', role: 'auditor', agency: 'home-office' },
    reason: 'Synthetic disclosure request',
    treeHead: head,
    publicKeyPem: publicKey.publicKeyPem(),
    events: log
      .filter((event) => event.stream !== 'case-b')
      .map((event) => ({ ...event, inclusionProof: inclusionPath(event.leafIndex, leaves) })),
    notYetCovered: 0,
    timeline: [],
    html: '<p>synthetic</p>',
  });
}

/** The bundle as JSON, to change as a tamperer would. */
const mutable = (bundle: DisclosureBundle) =>
  JSON.parse(JSON.stringify(bundle)) as Omit<DisclosureBundle, 'events'> & {
    events: { dataJson: string; chainHash: string | null; inclusionProof: string[] }[];
    treeHead: { signature: string; rootHash: string };
  };

describe('verify-bundle.mjs, the standalone verifier', () => {
  let dir: string;
  const key = TreeHeadSigningKey.parse(TreeHeadSigningKey.generateText());
  const other = TreeHeadSigningKey.parse(TreeHeadSigningKey.generateText());

  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'marac-bundle-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function verify(bundle: unknown, ...args: string[]): Promise<{ code: number; out: string }> {
    const file = join(dir, `bundle-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(bundle));
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [VERIFIER, file, ...args]);
      return { code: 0, out: stdout };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, out: failed.stdout + failed.stderr };
    }
  }

  const keyFile = (signing: TreeHeadSigningKey) => {
    const file = join(dir, `key-${signing.keyId.toString('hex').slice(0, 8)}.pem`);
    writeFileSync(file, signing.publicKeyPem());
    return file;
  };

  it('verifies a bundle: every stream chained from its first event, every event in the signed tree', async () => {
    const result = await verify(makeBundle(key));
    expect(result).toMatchObject({ code: 0 });
    expect(result.out).toContain('bundle verifies: 6 events in 2 streams of case a');
    expect(result.out).toContain(`by key ${key.keyId.toString('base64')}`);
    expect((await verify(makeBundle(key), '--key', keyFile(key))).code).toBe(0);
  });

  it('fails on one changed byte of one event, naming it', async () => {
    const bundle = mutable(makeBundle(key));
    bundle.events[2]!.dataJson = bundle.events[2]!.dataJson.replace('n-4', 'n-5');
    const result = await verify(bundle);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/does NOT verify: case-a revision 2: .*altered/);
  });

  it('verifies events written before the store chained events by their leaf, and fails a changed byte in one', async () => {
    const result = await verify(makeBundle(key, key, { unchainedFirst: true }));
    expect(result).toMatchObject({ code: 0 });
    expect(result.out).toContain('1 of them were written before the store chained events');
    const changed = mutable(makeBundle(key, key, { unchainedFirst: true }));
    changed.events[0]!.dataJson = changed.events[0]!.dataJson.replace('n-0', 'n-9');
    expect(await verify(changed)).toMatchObject({
      code: 1,
      out: expect.stringMatching(/case-a revision 0: not proven/),
    });
    // A chained event passed off as unchained: its leaf is no longer the tree's, and its successor's chain breaks.
    const downgraded = mutable(makeBundle(key));
    downgraded.events[0]!.chainHash = null;
    expect(await verify(downgraded)).toMatchObject({
      code: 1,
      out: expect.stringMatching(/case-a revision 1: .*altered/),
    });
  });

  it('fails on a removed event, and on two events swapped', async () => {
    const removed = mutable(makeBundle(key));
    removed.events.splice(1, 1);
    expect(await verify(removed)).toMatchObject({ code: 1, out: expect.stringMatching(/case-a: revision 1 expected/) });
    const swapped = mutable(makeBundle(key));
    [swapped.events[1], swapped.events[2]] = [swapped.events[2]!, swapped.events[1]!];
    expect((await verify(swapped)).code).toBe(1);
  });

  it('fails on a tree head from another key: named in the head, or with the published key given', async () => {
    const signedByOther = { ...makeBundle(key), treeHead: makeBundle(other).treeHead };
    expect(await verify(signedByOther)).toMatchObject({ code: 1, out: expect.stringMatching(/names key/) });
    // Wholly made with another key (head and key in the bundle agree): only the published key tells.
    const forged = makeBundle(other);
    expect((await verify(forged)).code).toBe(0);
    expect(await verify(forged, '--key', keyFile(key))).toMatchObject({
      code: 1,
      out: expect.stringMatching(/names key/),
    });
  });

  it('fails on a changed proof, a changed root or a changed signature', async () => {
    const proof = mutable(makeBundle(key));
    const hash = Buffer.from(proof.events[0]!.inclusionProof[0]!, 'base64');
    hash[0]! ^= 1;
    proof.events[0]!.inclusionProof[0] = hash.toString('base64');
    expect(await verify(proof)).toMatchObject({ code: 1, out: expect.stringMatching(/not proven to be leaf 0/) });
    const signature = makeBundle(key);
    const bytes = Buffer.from(signature.treeHead.signature, 'base64');
    bytes[10]! ^= 1;
    expect(
      (await verify({ ...signature, treeHead: { ...signature.treeHead, signature: bytes.toString('base64') } })).out,
    ).toMatch(/signature does not verify/);
    const root = makeBundle(key);
    const rootHash = Buffer.from(root.treeHead.rootHash, 'base64');
    rootHash[31]! ^= 1;
    const changedRoot = { ...root.treeHead, rootHash: rootHash.toString('base64') };
    // Signed over the root: a changed root fails the signature before any proof is checked.
    expect(await verify({ ...root, treeHead: changedRoot })).toMatchObject({
      code: 1,
      out: expect.stringMatching(/signature does not verify/),
    });
  });

  it('refuses what is not a bundle (1) and a file it cannot read (2)', async () => {
    expect((await verify({ format: 'something else' })).code).toBe(1);
    const unreadable = await promisify(execFile)(process.execPath, [VERIFIER, join(dir, 'missing.json')]).catch(
      (error: { code: number }) => error,
    );
    expect((unreadable as { code: number }).code).toBe(2);
  });
});
