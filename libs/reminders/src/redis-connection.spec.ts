import { bullConnection, checkNoEviction } from './redis-connection';

describe('Redis for reminders', () => {
  const redisWith = (policy: string) => ({ config: async () => ['maxmemory-policy', policy] });

  it('accepts noeviction', async () => {
    await expect(checkNoEviction(redisWith('noeviction'), () => undefined)).resolves.toBeUndefined();
  });

  it('refuses to start on an evicting policy, naming it and the fix', async () => {
    await expect(checkNoEviction(redisWith('allkeys-lru'), () => undefined)).rejects.toThrow(
      /maxmemory-policy is "allkeys-lru": reminders need "noeviction".*CONFIG SET maxmemory-policy noeviction/,
    );
  });

  it('says so when the policy cannot be read (CONFIG forbidden), and goes on', async () => {
    const warnings: string[] = [];
    const forbidden = {
      config: async () => {
        throw new Error("ERR unknown command 'CONFIG'");
      },
    };
    await checkNoEviction(forbidden, (message) => warnings.push(message));
    expect(warnings).toEqual([expect.stringMatching(/cannot read Redis maxmemory-policy .* check it/)]);
  });

  it('gives BullMQ the URL parts, with no retry limit (its workers block)', () =>
    expect(bullConnection('rediss://user:p%40ss@cache.example:6380/2')).toEqual({
      host: 'cache.example',
      port: 6380,
      username: 'user',
      password: 'p@ss',
      db: 2,
      tls: {},
      maxRetriesPerRequest: null,
    }));
});
