// A small unified diff (LCS over lines) for showing how an applied migration's SQL differs from its file.

export function unifiedDiff(before: string, after: string, labels: { from: string; to: string } = { from: 'applied', to: 'file' }, context = 3): string {
  const a = before.replace(/\r\n?/g, '\n').split('\n');
  const b = after.replace(/\r\n?/g, '\n').split('\n');
  const n = a.length;
  const m = b.length;
  // LCS table; migrations are small. Past 4M cells, fall back to "all removed, all added".
  const ops: { op: ' ' | '-' | '+'; line: string }[] = [];
  if (n * m > 4_000_000) {
    for (const l of a) ops.push({ op: '-', line: l });
    for (const l of b) ops.push({ op: '+', line: l });
  } else {
    const dp: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--) {
      const row = dp[i] as Uint32Array;
      const next = dp[i + 1] as Uint32Array;
      for (let j = m - 1; j >= 0; j--) row[j] = a[i] === b[j] ? (next[j + 1] as number) + 1 : Math.max(next[j] as number, row[j + 1] as number);
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[i] === b[j]) {
        ops.push({ op: ' ', line: a[i] as string });
        i++;
        j++;
      } else if (i < n && (j === m || ((dp[i + 1] as Uint32Array)[j] as number) >= ((dp[i] as Uint32Array)[j + 1] as number))) {
        ops.push({ op: '-', line: a[i] as string });
        i++;
      } else {
        ops.push({ op: '+', line: b[j] as string });
        j++;
      }
    }
  }
  if (!ops.some((o) => o.op !== ' ')) return '';
  const out = [`--- ${labels.from}`, `+++ ${labels.to}`];
  let k = 0;
  while (k < ops.length) {
    if ((ops[k] as { op: string }).op === ' ') {
      k++;
      continue;
    }
    const start = Math.max(0, k - context);
    let end = k;
    // extend the hunk while changes are within 2*context lines of each other
    let last = k;
    while (end < ops.length) {
      if ((ops[end] as { op: string }).op !== ' ') last = end;
      else if (end - last > 2 * context) break;
      end++;
    }
    const stop = Math.min(ops.length, last + context + 1);
    let aLine = 1;
    let bLine = 1;
    for (let x = 0; x < start; x++) {
      const o = (ops[x] as { op: string }).op;
      if (o !== '+') aLine++;
      if (o !== '-') bLine++;
    }
    const hunk = ops.slice(start, stop);
    const aCount = hunk.filter((o) => o.op !== '+').length;
    const bCount = hunk.filter((o) => o.op !== '-').length;
    out.push(`@@ -${aLine},${aCount} +${bLine},${bCount} @@`);
    for (const o of hunk) out.push(`${o.op}${o.line}`);
    k = stop;
  }
  return `${out.join('\n')}\n`;
}
