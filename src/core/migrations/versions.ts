// Version ordering: numeric where numeric (Flyway 1.2.10 > 1.2.9, "007" == "7"), text otherwise.

function parts(v: string): string[] {
  return v.split(/[._]/).filter((p) => p !== '');
}

export function compareVersions(a: string, b: string): number {
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return y !== undefined && /^0*$/.test(y) ? 0 : -1;
    if (y === undefined) return /^0*$/.test(x) ? 0 : 1;
    if (/^\d+$/.test(x) && /^\d+$/.test(y)) {
      const c = compareDigits(x, y);
      if (c !== 0) return c;
    } else if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Compares two digit strings as arbitrary-size integers (timestamps overflow nothing). */
function compareDigits(x: string, y: string): number {
  const a = x.replace(/^0+(?=\d)/, '');
  const b = y.replace(/^0+(?=\d)/, '');
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a === b ? 0 : a < b ? -1 : 1;
}

/** Canonical form used as the tracking key: leading zeros dropped per part ("007" -> "7", "1.02" -> "1.2"). */
export function normalizeVersion(v: string): string {
  return v
    .split(/([._])/)
    .map((p) => (/^\d+$/.test(p) ? p.replace(/^0+(?=\d)/, '') : p))
    .join('');
}
