// npm run token -- --role caseworker --agency police [--sub user-1] [--expires 8h]
// Prints a development bearer token signed with the key the server verifies with (JWT_SECRET, or
// the development secret under DATA_DIR), naming JWT_ISSUER and JWT_AUDIENCE when they are set.
// --expires defaults to 8h (or JWT_MAX_LIFETIME if shorter) and may not exceed JWT_MAX_LIFETIME:
// the server would refuse the token. With JWT_PUBLIC_KEY, tokens come from your identity
// provider, not from here.
import { parseArgs } from 'node:util';
import { JwtService } from '@nestjs/jwt';
import { ROLES, type Role } from '@app/case-domain';
import { ConfigurationError, loadConfig, type AppConfig } from '@app/platform';
import { loadAgencies } from './agencies';
import { resolveTokenKey } from './token-key';
import { tokenLifetimeProblem } from './token-lifetime';

const DEFAULT_LIFETIME_SECONDS = 8 * 3600;

const { values } = parseArgs({
  options: {
    role: { type: 'string' },
    agency: { type: 'string' },
    sub: { type: 'string' },
    expires: { type: 'string' },
  },
});
const fail = (message: string, exitCode = 2): never => {
  console.error(message);
  process.exit(exitCode);
};
const config = loadOrExit();
const agencies = loadAgencies(config.agenciesFile);
if (!values.role || !ROLES.includes(values.role as Role)) fail(`--role must be one of ${ROLES.join(', ')}`);
if (!values.agency || !agencies.has(values.agency)) fail(`--agency must be one of ${[...agencies.keys()].join(', ')}`);
const key = resolveTokenKey(config);
if (!key.signWith) fail('JWT_PUBLIC_KEY is set: tokens are issued by your identity provider, not by this script.');
const { issuer, audience, maxLifetimeSeconds } = config.tokenClaims;
const jwt = new JwtService();
let token = '';
try {
  token = jwt.sign(
    { role: values.role, agency: values.agency },
    {
      secret: key.signWith!,
      algorithm: 'HS256',
      subject: values.sub ?? `dev-${values.role}-${values.agency}`,
      // A duration as jsonwebtoken reads it ("8h", "90m", "2 days"); seconds when none is given.
      expiresIn: (values.expires as '8h' | undefined) ?? Math.min(DEFAULT_LIFETIME_SECONDS, maxLifetimeSeconds),
      ...(issuer ? { issuer } : {}),
      ...(audience ? { audience } : {}),
    },
  );
} catch (error) {
  fail(`--expires ${values.expires}: ${(error as Error).message}`);
}
// The server's own rule, on the token as signed, so both read --expires the same way.
const problem = tokenLifetimeProblem(
  jwt.decode<{ exp?: number; iat?: number }>(token),
  Math.floor(Date.now() / 1000),
  maxLifetimeSeconds,
);
if (problem) fail(`--expires ${values.expires}: ${problem} (JWT_MAX_LIFETIME)`);
// On stderr, so `TOKEN=$(npm run -s token ...)` takes the token alone: which key signed it, so a
// 401 "invalid signature" can be traced to a server started with another DATA_DIR or secret.
console.error(`[token] signed with the ${key.description}; a server verifies it when it uses the same`);
console.log(token);

/** Bad configuration stops this script as it stops the server: its message, exit code 78. */
function loadOrExit(): AppConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigurationError) return fail(error.message, 78);
    throw error;
  }
}
