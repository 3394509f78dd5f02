// A synthetic EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) document of any size, for render benchmarks and
// tests of large plans: a left-deep chain of hash joins over scans (deep nesting) with some wide appends,
// realistic property names and values, and a few misestimates and spills sprinkled in (deterministic).
export function generatePlan(nodeCount: number): unknown {
  let made = 0;
  let seed = 7;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const scan = (): Record<string, unknown> => {
    made++;
    const rows = Math.floor(rnd() * 100000);
    const est = made % 37 === 0 ? Math.max(1, Math.floor(rows / 500)) : rows;
    return {
      'Node Type': 'Seq Scan',
      'Parent Relationship': 'Outer',
      'Relation Name': `table_${made}`,
      Schema: 'public',
      Alias: `t${made}`,
      'Startup Cost': 0,
      'Total Cost': 100 + rows / 10,
      'Plan Rows': est,
      'Plan Width': 40,
      'Actual Startup Time': 0.01,
      'Actual Total Time': 1 + rnd() * 20,
      'Actual Rows': rows,
      'Actual Loops': 1,
      Output: [`t${made}.id`, `t${made}.v`],
      Filter: `(t${made}.v > 10)`,
      'Rows Removed by Filter': Math.floor(rnd() * 1000),
      'Shared Hit Blocks': Math.floor(rnd() * 500),
      'Shared Read Blocks': Math.floor(rnd() * 50),
      'Shared Dirtied Blocks': 0,
      'Shared Written Blocks': 0,
      'Local Hit Blocks': 0,
      'Local Read Blocks': 0,
      'Temp Read Blocks': 0,
      'Temp Written Blocks': 0,
    };
  };
  const join = (outer: Record<string, unknown>, inner: Record<string, unknown>): Record<string, unknown> => {
    made += 2;
    const spill = made % 53 === 0;
    const hash = {
      'Node Type': 'Hash',
      'Parent Relationship': 'Inner',
      'Startup Cost': inner['Total Cost'],
      'Total Cost': inner['Total Cost'],
      'Plan Rows': inner['Plan Rows'],
      'Plan Width': 40,
      'Actual Startup Time': Number(inner['Actual Total Time']) + 0.5,
      'Actual Total Time': Number(inner['Actual Total Time']) + 0.5,
      'Actual Rows': inner['Actual Rows'],
      'Actual Loops': 1,
      'Hash Buckets': 1024,
      'Original Hash Buckets': 1024,
      'Hash Batches': spill ? 8 : 1,
      'Original Hash Batches': 1,
      'Peak Memory Usage': 4096,
      Plans: [inner],
    };
    return {
      'Node Type': 'Hash Join',
      'Parent Relationship': 'Outer',
      'Join Type': 'Inner',
      'Startup Cost': Number(hash['Total Cost']),
      'Total Cost': Number(outer['Total Cost']) + Number(hash['Total Cost']) + 50,
      'Plan Rows': outer['Plan Rows'],
      'Plan Width': 80,
      'Actual Startup Time': Number(hash['Actual Total Time']),
      'Actual Total Time': Number(outer['Actual Total Time']) + Number(hash['Actual Total Time']) + rnd() * 5,
      'Actual Rows': outer['Actual Rows'],
      'Actual Loops': 1,
      'Hash Cond': `(a.id = b.id)`,
      Plans: [outer, hash],
    };
  };
  let tree = scan();
  while (made + 3 <= nodeCount) tree = join(tree, scan());
  while (made < nodeCount) {
    made++;
    tree = { ...tree, 'Node Type': 'Limit', 'Parent Relationship': undefined, Plans: [tree] };
  }
  return [{ Plan: tree, 'Planning Time': 12.5, Triggers: [], 'Execution Time': Number(tree['Actual Total Time']) + 1 }];
}
