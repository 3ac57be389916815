import { createHash, randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A tree with what trips backup tools: Unicode names, empty files and folders, symlinks, odd modes, a multi-chunk file. */
export async function makeTrickyTree(root: string): Promise<void> {
  await mkdir(join(root, 'docs', 'empty-folder'), { recursive: true });
  await mkdir(join(root, 'ünïcødé 日本語 🎉'), { recursive: true });
  await writeFile(join(root, 'docs', 'readme.txt'), 'hello restic\n');
  await writeFile(join(root, 'docs', 'empty.txt'), '');
  await writeFile(join(root, 'ünïcødé 日本語 🎉', 'café.md'), '# çà et là\n');
  await writeFile(join(root, 'big.bin'), randomBytes(3 * 1024 * 1024 + 17));
  await writeFile(join(root, 'run.sh'), '#!/bin/sh\necho hi\n');
  await chmod(join(root, 'run.sh'), 0o755);
  await writeFile(join(root, 'docs', 'secret.txt'), 'private');
  await chmod(join(root, 'docs', 'secret.txt'), 0o600);
  await symlink('docs/readme.txt', join(root, 'link-relative'));
  await symlink('/etc/hostname', join(root, 'link-absolute'));
  await symlink('missing-target', join(root, 'link-dangling'));
  await chmod(join(root, 'docs', 'empty-folder'), 0o750);
}

/** Path → what a restore must reproduce: kind, permission bits, and content hash or link target. */
export async function manifest(root: string, prefix = ''): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(join(root, prefix))).sort()) {
    const rel = join(prefix, name);
    const st = await lstat(join(root, rel));
    const perm = (st.mode & 0o7777).toString(8);
    if (st.isSymbolicLink()) out[rel] = `link ${await readlink(join(root, rel))}`;
    else if (st.isDirectory()) {
      out[rel] = `dir ${perm}`;
      Object.assign(out, await manifest(root, rel));
    } else
      out[rel] = `file ${perm} ${st.size} ${createHash('sha256')
        .update(await readFile(join(root, rel)))
        .digest('hex')}`;
  }
  return out;
}
