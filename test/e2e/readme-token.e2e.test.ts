import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { useApiServerProcess } from '../support/api-client';

const ROOT = join(__dirname, '..', '..');

/** The README's development-token line, exactly as a newcomer copies it. */
function readmeTokenCommand(): string {
  const line = readFileSync(join(ROOT, 'README.md'), 'utf8')
    .split('\n')
    .find((text) => text.startsWith('TOKEN=$(npm run -s token'));
  if (!line) throw new Error('the README no longer shows how to get a development token');
  return line;
}

/**
 * The README's example, verbatim: a server started with its development defaults (no JWT_SECRET)
 * accepts the token the README's command mints, run from the repository as a person would, and
 * the command says which key it signed with. Only DATA_DIR is the test's own (for both), so the
 * developer's ./data is left alone.
 */
describe('the README’s development token', () => {
  jest.setTimeout(120_000);
  const server = useApiServerProcess({ JWT_SECRET: '' });

  it('is accepted by the server as the README says, and names the key it was signed with', async () => {
    const { stdout, stderr } = await promisify(execFile)(
      'bash',
      ['-c', `set -e\n${readmeTokenCommand()}\nprintf '%s' "$TOKEN"`],
      { cwd: ROOT, env: { ...process.env, DATA_DIR: server.dataDir() }, maxBuffer: 10 * 1024 * 1024 },
    );
    expect(stderr).toContain(`development secret in ${join(server.dataDir(), 'dev-token-secret')}`);
    const token = stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    const answer = await server.call('GET', '/cases', { token });
    expect(answer.status).toBe(200);
    // And a token signed with another development secret is refused, naming why.
    const forged = `${token.slice(0, token.lastIndexOf('.') + 1)}${'A'.repeat(43)}`;
    const refused = await server.call('GET', '/cases', { token: forged });
    expect(refused.status).toBe(401);
    expect(refused.body.detail).toMatch(/invalid signature/);
  });
});
