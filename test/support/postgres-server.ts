import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

/**
 * A throwaway PostgreSQL cluster for one test file: initdb'd into a temp directory, listening only
 * on a unix socket inside it (no TCP, so nothing else on the machine can reach it or collide with
 * it), stopped and deleted by `stop()`. Never a mock: the key store's deletion is a property of
 * the real server's files. The database belongs to an ordinary role (`url`), as an operator would
 * set it up for the app; `adminUrl` is the superuser's, for what only tests do. PostgreSQL refuses to run as root, so as root the server runs as the
 * `postgres` user the Debian package creates (`scripts/setup.mjs --for test` installs it).
 */
export class PostgresServer {
  private stopped = false;

  private constructor(
    /** The cluster's directory, as PGDATA. */
    readonly dataDir: string,
    private readonly root: string,
    private readonly bin: string,
    private readonly runAs: string | undefined,
    /** `postgres://…` for the test database as its owner, an ordinary role, through the unix socket. */
    readonly url: string,
    /** The same database as the cluster's superuser. */
    readonly adminUrl: string,
  ) {}

  static async start(): Promise<PostgresServer> {
    const database = 'marac_test';
    const bin = findPostgresBin();
    const runAs = process.getuid?.() === 0 ? 'postgres' : undefined;
    const root = mkdtempSync(join(tmpdir(), 'marac-test-pg-'));
    if (runAs) chownSync(root, ...ownerIds(runAs));
    const dataDir = join(root, 'data');
    const port = 5432; // Only names the socket file; the socket lives in this cluster's own directory.
    const at = (user: string, db: string) => `postgres://${user}@/${db}?host=${encodeURIComponent(root)}&port=${port}`;
    const server = new PostgresServer(
      dataDir,
      root,
      bin,
      runAs,
      at('marac_app', database),
      at('marac_admin', database),
    );
    try {
      server.run('initdb', [
        '--pgdata', dataDir, '--username', 'marac_admin', '--auth', 'trust', '--no-sync', '--no-instructions',
      ]); // prettier-ignore
      server.run('pg_ctl', [
        'start', '--wait', '--pgdata', dataDir, '--log', join(root, 'postgres.log'),
        '--options', `-c listen_addresses='' -k ${root} -p ${port}`,
      ]); // prettier-ignore
      const admin = new Client({ connectionString: at('marac_admin', 'postgres') });
      await admin.connect();
      try {
        await admin.query('CREATE ROLE marac_app LOGIN');
        await admin.query(`CREATE DATABASE ${database} OWNER marac_app`);
      } finally {
        await admin.end();
      }
      process.once('exit', () => server.stopNow());
      return server;
    } catch (error) {
      server.stopNow();
      throw error;
    }
  }

  /** Stops the server and deletes the cluster. */
  async stop(): Promise<void> {
    this.stopNow();
  }

  private stopNow(): void {
    if (this.stopped) return;
    this.stopped = true;
    try {
      if (existsSync(join(this.dataDir, 'postmaster.pid'))) {
        this.run('pg_ctl', ['stop', '--wait', '--pgdata', this.dataDir, '--mode', 'fast']);
      }
    } finally {
      rmSync(this.root, { recursive: true, force: true });
    }
  }

  private run(tool: string, args: string[]): void {
    const [command, commandArgs] = this.runAs
      ? ['runuser', ['-u', this.runAs, '--', join(this.bin, tool), ...args]]
      : [join(this.bin, tool), args];
    try {
      execFileSync(command, commandArgs, { stdio: 'pipe', cwd: this.root });
    } catch (error) {
      const { stderr, stdout } = error as { stderr?: Buffer; stdout?: Buffer };
      throw new Error(`${tool} ${args[0] ?? ''} failed: ${String(stderr ?? '')}${String(stdout ?? '')}`.trim());
    }
  }
}

/**
 * The PostgreSQL server binaries: `PG_BIN`, else the newest /usr/lib/postgresql/<version>/bin
 * (Debian's layout), else wherever `initdb` is on the PATH. Missing binaries fail the tests with a
 * message saying how to get them: the Postgres tests are never skipped.
 */
export function findPostgresBin(): string {
  const candidates: string[] = [];
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((version) => join(debian, version, 'bin')));
  }
  candidates.push(...(process.env.PATH ?? '').split(':').filter(Boolean));
  const found = candidates.find((dir) => ['initdb', 'pg_ctl', 'postgres'].every((t) => existsSync(join(dir, t))));
  if (found) return found;
  throw new Error(
    'PostgreSQL server binaries (initdb, pg_ctl, postgres) not found: run `node scripts/setup.mjs --for test` ' +
      '(installs the postgresql package as root), or set PG_BIN to their directory.',
  );
}

/** PostgreSQL will not run as root: the user it runs as instead, made by the Debian package. */
function ownerIds(name: string): [number, number] {
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, name], { stdio: 'pipe' }).toString().trim());
    return [id('-u'), id('-g')];
  } catch {
    throw new Error(
      `PostgreSQL refuses to run as root and there is no \`${name}\` user to run it as: ` +
        'install the postgresql package (`node scripts/setup.mjs --for test`), or run the tests as another user.',
    );
  }
}
