// COPY/ADD --chown: "uid[:gid]" or names looked up in the image's own
// /etc/passwd and /etc/group (read through a created container, not the
// host's). Without a group, the user's spec is looked up as the group too, as docker does.
import { invalidArgument } from '../errdefs/index.js';
import type { Engine } from '../engine/api.js';
import type { CopyOwnership } from './copy-sources.js';

async function readImageFile(engine: Engine, imageId: string | undefined, path: string): Promise<string> {
  if (!imageId) return '';
  const { Id: cid } = await engine.containers.create({ Image: imageId, Cmd: ['/bin/sh'], Entrypoint: [''], Labels: {} });
  try {
    const { tar } = await engine.containers.archiveGet(cid, path);
    const { extract } = await import('tar-stream');
    const ex = extract();
    tar.pipe(ex);
    let text = '';
    for await (const entry of ex) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      if (entry.header.type === 'file') text = Buffer.concat(chunks).toString('utf8');
    }
    return text;
  } catch {
    return '';
  } finally {
    await engine.containers.remove(cid, { force: true }).catch(() => undefined);
  }
}

function lookupId(db: string, name: string): number | undefined {
  for (const line of db.split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f[2] !== undefined && /^\d+$/.test(f[2])) return Number(f[2]);
  }
  return undefined;
}

export async function resolveOwnership(engine: Engine, imageId: string | undefined, chown: string | undefined): Promise<CopyOwnership> {
  if (!chown) return { uid: 0, gid: 0 };
  const [user, given] = chown.split(':') as [string, string | undefined];
  // docker: without a group, the user's spec names the group too ("app" → group app, "55" → gid 55).
  const group = given === undefined || given === '' ? user : given;
  const numeric = (s: string) => /^\d+$/.test(s);
  let uid: number | undefined;
  let gid: number | undefined;
  if (numeric(user)) uid = Number(user);
  else {
    uid = lookupId(await readImageFile(engine, imageId, '/etc/passwd'), user);
    if (uid === undefined) throw invalidArgument(`unable to convert uid/gid chown string to host mapping: can't find uid for user ${user}: no such user: ${user}`);
  }
  if (numeric(group)) gid = Number(group);
  else {
    gid = lookupId(await readImageFile(engine, imageId, '/etc/group'), group);
    if (gid === undefined) throw invalidArgument(`unable to convert uid/gid chown string to host mapping: can't find gid for group ${group}: no such group: ${group}`);
  }
  return { uid, gid };
}
