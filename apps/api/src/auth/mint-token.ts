// npm run token -- --role caseworker --agency police [--sub user-1] [--expires 8h]
// Prints a development bearer token signed with the key the server verifies with (JWT_SECRET, or
// the development secret under DATA_DIR). With JWT_PUBLIC_KEY, tokens come from your identity
// provider, not from here.
import { parseArgs } from 'node:util';
import { JwtService } from '@nestjs/jwt';
import { ROLES, type Role } from '@app/case-domain';
import { loadConfig } from '@app/platform';
import { loadAgencies } from './agencies';
import { resolveTokenKey } from './token-key';

const { values } = parseArgs({
  options: {
    role: { type: 'string' },
    agency: { type: 'string' },
    sub: { type: 'string' },
    expires: { type: 'string', default: '8h' },
  },
});
const config = loadConfig();
const agencies = loadAgencies(config.agenciesFile);
const fail = (message: string) => {
  console.error(message);
  process.exit(2);
};
if (!values.role || !ROLES.includes(values.role as Role)) fail(`--role must be one of ${ROLES.join(', ')}`);
if (!values.agency || !agencies.has(values.agency)) fail(`--agency must be one of ${[...agencies.keys()].join(', ')}`);
const key = resolveTokenKey(config);
if (!key.signWith) fail('JWT_PUBLIC_KEY is set: tokens are issued by your identity provider, not by this script.');
const token = new JwtService().sign(
  { role: values.role, agency: values.agency },
  {
    secret: key.signWith!,
    algorithm: 'HS256',
    subject: values.sub ?? `dev-${values.role}-${values.agency}`,
    expiresIn: values.expires as '8h',
  },
);
console.log(token);
