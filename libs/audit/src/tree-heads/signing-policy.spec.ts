/** When to sign a tree head: every N events or T seconds (our rule; RFC 9162 section 4.10 leaves it to the log). */
import { TreeShrank, shouldSign, type TreeHeadSigningPolicy } from './signing-policy';

const policy: TreeHeadSigningPolicy = { maxUnsignedEvents: 100, maxUnsignedSeconds: 30 };
const signedAt = Date.UTC(2026, 2, 3, 9, 0, 0);
const last = { treeSize: 500, timestamp: signedAt };
const after = (seconds: number) => new Date(signedAt + seconds * 1000);

describe('shouldSign: at least every N events or T seconds', () => {
  it('signs the first head, even of an empty tree', () => {
    expect(shouldSign(undefined, 0, after(0), policy)).toBe(true);
  });

  it('signs once N events wait, however soon', () => {
    expect(shouldSign(last, 599, after(1), policy)).toBe(false);
    expect(shouldSign(last, 600, after(1), policy)).toBe(true);
  });

  it('signs once T seconds have passed with any event waiting', () => {
    expect(shouldSign(last, 501, after(29.999), policy)).toBe(false);
    expect(shouldSign(last, 501, after(30), policy)).toBe(true);
  });

  it('keeps the head of a tree that has not grown, however old', () => {
    expect(shouldSign(last, 500, after(86_400), policy)).toBe(false);
  });

  it('with the clock set back, still signs on the event count', () => {
    expect(shouldSign(last, 550, after(-3600), policy)).toBe(false);
    expect(shouldSign(last, 600, after(-3600), policy)).toBe(true);
  });

  it('refuses to go on when the tree has fewer events than a signed head', () => {
    expect(() => shouldSign(last, 499, after(60), policy)).toThrow(TreeShrank);
  });
});
