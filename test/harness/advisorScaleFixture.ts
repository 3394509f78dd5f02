// A two-table schema (orders 40k rows, items 80k) and a seeded generator of structurally distinct statements over
// it (1–3 filter columns with =, IN, ranges; ORDER BY, LIMIT): a workload of a few hundred statements for the
// advisor's search at scale (test/db/advisorScale.test.ts).
export const SCALE_FIXTURE = `
  CREATE TABLE orders (o_id serial PRIMARY KEY, o_cust int NOT NULL, o_status char(1) NOT NULL, o_total numeric NOT NULL,
    o_date date NOT NULL, o_clerk text NOT NULL, o_prio text NOT NULL) WITH (autovacuum_enabled = off);
  INSERT INTO orders (o_cust, o_status, o_total, o_date, o_clerk, o_prio)
    SELECT (g * 7919) % 3000, (ARRAY['O','F','P'])[1 + g % 3], (g * 31) % 400000, date '2020-01-01' + (g * 13) % 2000,
      'clerk' || (g * 17) % 40, (ARRAY['1-URGENT','2-HIGH','3-MEDIUM','4-NOT SPECIFIED','5-LOW'])[1 + g % 5]
    FROM generate_series(1, 40000) g;
  CREATE TABLE items (i_id serial PRIMARY KEY, i_order int NOT NULL, i_part int NOT NULL, i_supp int NOT NULL, i_qty int NOT NULL,
    i_price numeric NOT NULL, i_disc numeric NOT NULL, i_ship date NOT NULL, i_mode text NOT NULL) WITH (autovacuum_enabled = off);
  INSERT INTO items (i_order, i_part, i_supp, i_qty, i_price, i_disc, i_ship, i_mode)
    SELECT 1 + (g * 7) % 40000, (g::bigint * 104729) % 5000, (g * 13) % 200, 1 + g % 50, (g * 37) % 100000, (g % 10) / 100.0,
      date '2020-01-01' + (g * 11) % 2000, (ARRAY['AIR','RAIL','SHIP','TRUCK','MAIL','FOB','REG AIR'])[1 + g % 7]
    FROM generate_series(1, 80000) g;
`;

type Col = { name: string; value: (r: () => number) => string; ordered: boolean };
const COLS: Record<string, Col[]> = {
  orders: [
    { name: 'o_cust', value: (r) => String(Math.floor(r() * 3000)), ordered: false },
    { name: 'o_status', value: (r) => `'${'OFP'[Math.floor(r() * 3)]}'`, ordered: false },
    { name: 'o_total', value: (r) => String(Math.floor(r() * 400000)), ordered: true },
    { name: 'o_date', value: (r) => `date '2021-${String(1 + Math.floor(r() * 12)).padStart(2, '0')}-01'`, ordered: true },
    { name: 'o_clerk', value: (r) => `'clerk${Math.floor(r() * 40)}'`, ordered: false },
    { name: 'o_prio', value: (r) => `'${['1-URGENT', '2-HIGH', '3-MEDIUM'][Math.floor(r() * 3)]}'`, ordered: false },
  ],
  items: [
    { name: 'i_order', value: (r) => String(1 + Math.floor(r() * 40000)), ordered: false },
    { name: 'i_part', value: (r) => String(Math.floor(r() * 5000)), ordered: false },
    { name: 'i_supp', value: (r) => String(Math.floor(r() * 200)), ordered: false },
    { name: 'i_qty', value: (r) => String(1 + Math.floor(r() * 50)), ordered: true },
    { name: 'i_disc', value: (r) => `0.0${Math.floor(r() * 10)}`, ordered: true },
    { name: 'i_ship', value: (r) => `date '2022-${String(1 + Math.floor(r() * 12)).padStart(2, '0')}-01'`, ordered: true },
    { name: 'i_mode', value: (r) => `'${['AIR', 'RAIL', 'SHIP', 'TRUCK'][Math.floor(r() * 4)]}'`, ordered: false },
  ],
};
const SELECT_LIST: Record<string, string> = { orders: 'o_id, o_total', items: 'i_id, i_order, i_price' };

/** `count` structurally distinct statements (distinct columns, operators, ORDER BY / LIMIT), seeded. */
export function scaleWorkload(count: number): string {
  let seed = 7;
  const r = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const seen = new Set<string>();
  const out: string[] = [];
  for (let guard = 0; out.length < count && guard < count * 50; guard++) {
    const table = r() < 0.55 ? 'items' : 'orders';
    const cols = [...COLS[table]!].sort(() => r() - 0.5).slice(0, 1 + Math.floor(r() * 3));
    const preds: string[] = [];
    const shape: string[] = [table];
    for (const c of cols) {
      const op = c.ordered ? ['=', '>', '<', 'between'][Math.floor(r() * 4)]! : ['=', '=', 'in'][Math.floor(r() * 3)]!;
      shape.push(`${c.name}${op}`);
      if (op === 'between') preds.push(`${c.name} BETWEEN ${c.value(r)} AND ${c.value(r)}`);
      else if (op === 'in') preds.push(`${c.name} IN (${c.value(r)}, ${c.value(r)})`);
      else preds.push(`${c.name} ${op} ${c.value(r)}`);
    }
    const order = r() < 0.4 ? COLS[table]![Math.floor(r() * COLS[table]!.length)]!.name : undefined;
    const limit = order && r() < 0.6 ? ' LIMIT 20' : '';
    shape.push(`o:${order ?? ''}${limit}`);
    if (seen.has(shape.join('|'))) continue;
    seen.add(shape.join('|'));
    out.push(`-- weight: ${1 + Math.floor(r() * 20)}\nSELECT ${SELECT_LIST[table]} FROM ${table} WHERE ${preds.join(' AND ')}${order ? ` ORDER BY ${order}` : ''}${limit};`);
  }
  return out.join('\n');
}

