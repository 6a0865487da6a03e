// X-Registry-Auth's AuthConfig as the registry client's credentials. An
// AuthConfig without any credential (the docker CLI sends "{}" for anonymous
// pulls) counts as none: the engine then uses the stored credentials.
import type { RegistryAuth } from '../../images/registry/client.js';
import type { AuthConfig } from '../api-types.js';

export function registryAuth(config: AuthConfig | undefined): RegistryAuth | undefined {
  if (!config) return undefined;
  let { username, password } = config;
  if (config.auth && !username) {
    const plain = Buffer.from(config.auth, 'base64').toString('utf8');
    const i = plain.indexOf(':');
    if (i > 0) [username, password] = [plain.slice(0, i), plain.slice(i + 1)];
  }
  const out: RegistryAuth = {};
  if (username) out.username = username;
  if (password) out.password = password;
  if (config.identitytoken) out.identityToken = config.identitytoken;
  if (config.registrytoken) out.registryToken = config.registrytoken;
  return Object.keys(out).length > 0 ? out : undefined;
}
