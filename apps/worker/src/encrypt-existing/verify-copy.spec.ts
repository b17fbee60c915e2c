import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertAbsent, ConversionNotVerified } from './verify-copy';

describe('looking for plain values in the bytes of the new store', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'marac-assert-absent-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const file = (name: string, content: string) => {
    writeFileSync(join(dir, name), content);
    return join(dir, name);
  };
  const samples = ['"name":"Zorblat Quendish"', '"text":"Pelliwig"'].map((text) => Buffer.from(text));

  it('counts the samples looked for when none is there', () => {
    expect(assertAbsent([file('store', '{"name":{"$sealed":"v1.k.AAAA"}}')], samples, 4)).toBe(2);
  });

  it('finds a value that a read cuts in two, and one in the WAL beside the store', () => {
    const store = file('store', `padding ${'x'.repeat(13)}"name":"Zorblat Quendish" more`);
    expect(() => assertAbsent([store], samples, 16)).toThrow(ConversionNotVerified);
    const wal = file('store-wal', 'frames "text":"Pelliwig" frames');
    expect(() => assertAbsent([file('clean', 'nothing'), wal], samples, 7)).toThrow('1 of 2 plain personal values');
  });

  it('skips the files that are not there (no WAL after a checkpoint)', () => {
    expect(assertAbsent([join(dir, 'store-wal')], samples)).toBe(2);
  });
});
