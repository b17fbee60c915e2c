import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs a poppler-utils tool on a PDF's bytes: its standard output, or an error when it fails or complains. */
function poppler(tool: string, args: readonly string[], bytes: Uint8Array): Buffer {
  const result = spawnSync(tool, args, { input: bytes });
  if (result.error) throw result.error;
  const complaint = result.stderr.toString('utf8').trim();
  if (result.status !== 0 || complaint) throw new Error(`${tool} exited ${result.status}: ${complaint}`);
  return result.stdout;
}

/**
 * A PDF read as a person reads it, with poppler-utils (installed by `scripts/setup.mjs --for test`):
 * its text as `pdftotext` lays it out, pages separated by form feeds.
 */
export function pdfText(bytes: Uint8Array): string {
  return poppler('pdftotext', ['-layout', '-enc', 'UTF-8', '-', '-'], bytes).toString('utf8');
}

/** Page 1 rendered as a PNG by `pdftoppm`, which must draw it without a complaint: the image's bytes. */
export function renderFirstPage(bytes: Uint8Array): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'marac-pdf-'));
  try {
    poppler('pdftoppm', ['-png', '-r', '50', '-f', '1', '-l', '1', '-', join(dir, 'page')], bytes);
    const [image] = readdirSync(dir);
    if (!image) throw new Error('pdftoppm wrote no image');
    return readFileSync(join(dir, image));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The PDF's document information as `pdfinfo -isodates` prints it (`Title`, `CreationDate`, `Pages`, ...). */
export function pdfInfo(bytes: Uint8Array): Record<string, string> {
  const lines = poppler('pdfinfo', ['-isodates', '-'], bytes).toString('utf8').split('\n');
  return Object.fromEntries(
    lines
      .filter((line) => line.includes(':'))
      .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
  );
}
