import { request, type Agent } from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export interface RawAnswer {
  readonly status: number;
  readonly contentType: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a test reads problem fields by path
  readonly body: any;
}

export interface RawPost {
  readonly agent: Agent;
  readonly token: string;
  readonly body?: string;
  /** `null` sends no Content-Type at all. */
  readonly contentType?: string | null;
}

/**
 * One POST over a raw socket: the path is sent as written (fetch would fold `..` and `%2e%2e`),
 * with any content type or none, and the answer's body parsed when it is JSON.
 */
export function rawPost(baseUrl: string, path: string, options: RawPost): Promise<RawAnswer> {
  const url = new URL(baseUrl);
  const payload = Buffer.from(options.body ?? '', 'utf8');
  const contentType = options.contentType === undefined ? 'application/json' : options.contentType;
  return new Promise<RawAnswer>((resolve, reject) => {
    const outgoing = request(
      {
        agent: options.agent,
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path,
        headers: {
          authorization: `Bearer ${options.token}`,
          ...(contentType === null ? {} : { 'content-type': contentType }),
          'content-length': String(payload.length),
        },
      },
      (incoming) => {
        let text = '';
        incoming.setEncoding('utf8');
        incoming.on('data', (chunk: string) => (text += chunk));
        incoming.on('end', () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON: judged on its content type
          }
          resolve({ status: incoming.statusCode ?? 0, contentType: incoming.headers['content-type'] ?? '', body });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

/**
 * The events requests wrote to the embedded store in `dataDir`, read from the file (read-only).
 * The service's own events (actor role `system`, e.g. reminders raised as a fixture's deadline
 * falls due) are left out: no request wrote them.
 */
export function countEvents(dataDir: string): number {
  const db = new Database(join(dataDir, 'events.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const sql = "SELECT COUNT(*) AS n FROM events WHERE json_extract(metadata, '$.actor.role') IS NOT 'system'";
    return (db.prepare(sql).get() as { n: number }).n;
  } finally {
    db.close();
  }
}
