/**
 * Alpine's apk version ordering: dotted numbers, an optional letter, suffixes (`_alpha`, `_beta`,
 * `_pre`, `_rc` before the release; `_cvs`, `_svn`, `_git`, `_hg`, `_p` after), each with an
 * optional number, then the package revision `-rN`. As apk-tools orders them; no npm package does.
 */
const SUFFIX: Record<string, number> = { alpha: -4, beta: -3, pre: -2, rc: -1, cvs: 1, svn: 2, git: 3, hg: 4, p: 5 };

interface ApkVersion {
  numbers: number[];
  letter: string;
  suffixes: [number, number][];
  revision: number;
}

function parse(version: string): ApkVersion {
  const m = /^(\d+(?:\.\d+)*)([a-z]?)((?:_[a-z]+\d*)*)(?:-r(\d+))?$/.exec(version.trim());
  if (!m) return { numbers: [], letter: '', suffixes: [], revision: 0 };
  const suffixes = [...m[3]!.matchAll(/_([a-z]+)(\d*)/g)].map(([, name, n]) => [SUFFIX[name!] ?? 0, Number(n || '0')] as [number, number]);
  return { numbers: m[1]!.split('.').map(Number), letter: m[2]!, suffixes, revision: Number(m[4] ?? '0') };
}

export function apkVersionCompare(a: string, b: string): number {
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < Math.max(x.numbers.length, y.numbers.length); i++) {
    const diff = (x.numbers[i] ?? -1) - (y.numbers[i] ?? -1);
    if (diff !== 0) return Math.sign(diff);
  }
  if (x.letter !== y.letter) return x.letter < y.letter ? -1 : 1;
  for (let i = 0; i < Math.max(x.suffixes.length, y.suffixes.length); i++) {
    const [sx, nx] = x.suffixes[i] ?? [0, 0];
    const [sy, ny] = y.suffixes[i] ?? [0, 0];
    if (sx !== sy) return Math.sign(sx - sy);
    if (nx !== ny) return Math.sign(nx - ny);
  }
  return Math.sign(x.revision - y.revision);
}

export const isApkVersion = (v: string) => /^\d+(\.\d+)*[a-z]?(_[a-z]+\d*)*(-r\d+)?$/.test(v.trim());
