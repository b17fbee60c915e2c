import type { TimelineStep } from '../queries/case-timeline';

/** What the page says about the export besides the timeline. */
export interface DisclosurePage {
  readonly caseId: string;
  readonly exportedAt: string;
  readonly exportedBy: { readonly userId: string; readonly role: string; readonly agency: string };
  readonly reason: string | null;
  readonly treeHead: {
    readonly treeSize: number;
    readonly rootHash: string;
    readonly signedAt: string;
    readonly keyId: string;
  };
  readonly notYetCovered: number;
  readonly steps: readonly TimelineStep[];
}

const ESCAPED: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text as HTML: every character markup could take for its own escaped. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (character) => ESCAPED[character]!);

/** A value of the view as a reader reads it: text as it is, anything else as compact JSON; absent as a dash. */
function shown(value: unknown): string {
  if (value === undefined || value === null) return '—';
  return escapeHtml(typeof value === 'string' ? value : JSON.stringify(value));
}

function actorText(actor: unknown): string {
  if (actor === null || typeof actor !== 'object') return '—';
  const part = (value: unknown) => (typeof value === 'string' ? value : '?');
  const { userId, role, agency } = actor as { userId?: unknown; role?: unknown; agency?: unknown };
  return escapeHtml(`${part(userId)} (${part(role)}, ${part(agency)})`);
}

function stepRow(step: TimelineStep): string {
  const changes =
    step.changes.length === 0
      ? '<span class="quiet">no field of the view changed</span>'
      : `<ul>${step.changes
          .map(
            (change) =>
              `<li><code>${escapeHtml(change.path)}</code>: ${shown(change.before)} → <strong>${shown(change.after)}</strong></li>`,
          )
          .join('')}</ul>`;
  return (
    `<tr><td>${escapeHtml(step.revision)}</td><td>${escapeHtml(step.recordedAt)}</td>` +
    `<td>${shown(step.businessDate)}</td><td>${escapeHtml(step.type)}</td><td>${actorText(step.actor)}</td>` +
    `<td>${changes}</td></tr>`
  );
}

/**
 * The human-readable part of a disclosure bundle: one self-contained HTML page (no script, no
 * outside resource) with who exported it, when and why, the signed tree head the events are
 * proven in, and the case's timeline as the reader was allowed to see it. Every value is escaped:
 * notes and names are typed by people and may hold markup.
 */
export function disclosureHtml(page: DisclosurePage): string {
  const head = page.treeHead;
  const pending =
    page.notYetCovered > 0
      ? `<p class="warning">${page.notYetCovered} later event(s) of this case were recorded after the tree head ` +
        'was signed and are not in this bundle: export again once a later head covers them.</p>'
      : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Disclosure bundle: case ${escapeHtml(page.caseId)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #111; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { border: 1px solid #999; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #eee; }
ul { margin: 0; padding-left: 1.1rem; }
.quiet { color: #666; }
.warning { border-left: 4px solid #b00; padding-left: 0.6rem; }
dt { font-weight: bold; }
</style>
</head>
<body>
<h1>Disclosure bundle: case ${escapeHtml(page.caseId)}</h1>
<dl>
<dt>Exported</dt><dd>${escapeHtml(page.exportedAt)} by ${actorText(page.exportedBy)}</dd>
<dt>Reason</dt><dd>${shown(page.reason)}</dd>
<dt>Signed tree head</dt><dd>${head.treeSize} events, root ${escapeHtml(head.rootHash)}, signed ${escapeHtml(head.signedAt)} by key ${escapeHtml(head.keyId)}</dd>
</dl>
<p>This page shows the case's events as its reader was allowed to see them. What is proven is the
events as stored, in the same file: check them with <code>node verify-bundle.mjs &lt;this file&gt;</code>
(shipped in libs/audit), which needs nothing but Node.</p>
${pending}
<table>
<thead><tr><th>Revision</th><th>Recorded</th><th>Business date</th><th>Event</th><th>By</th><th>What changed</th></tr></thead>
<tbody>
${page.steps.map(stepRow).join('\n')}
</tbody>
</table>
</body>
</html>
`;
}
