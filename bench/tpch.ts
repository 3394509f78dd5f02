// A TPC-H-style database at small scale (8 tables, ~90k lineitems) and two workloads over it for the
// advisor bench: ~20 query templates modelled on TPC-H queries (with varying parameters and weights), and
// a generator of N structurally distinct statements (distinct fingerprints) for the runtime figure.
// Deterministic: the data uses setseed, the workloads a seeded generator.

export const TPCH_SCHEMA = `
CREATE TABLE region (r_regionkey int PRIMARY KEY, r_name text NOT NULL, r_comment text);
CREATE TABLE nation (n_nationkey int PRIMARY KEY, n_name text NOT NULL, n_regionkey int NOT NULL, n_comment text);
CREATE TABLE supplier (s_suppkey int PRIMARY KEY, s_name text NOT NULL, s_address text, s_nationkey int NOT NULL, s_phone text, s_acctbal numeric(12,2), s_comment text);
CREATE TABLE customer (c_custkey int PRIMARY KEY, c_name text NOT NULL, c_address text, c_nationkey int NOT NULL, c_phone text, c_acctbal numeric(12,2), c_mktsegment text NOT NULL, c_comment text);
CREATE TABLE part (p_partkey int PRIMARY KEY, p_name text NOT NULL, p_mfgr text, p_brand text NOT NULL, p_type text NOT NULL, p_size int NOT NULL, p_container text NOT NULL, p_retailprice numeric(12,2), p_comment text);
CREATE TABLE partsupp (ps_partkey int NOT NULL, ps_suppkey int NOT NULL, ps_availqty int, ps_supplycost numeric(12,2), ps_comment text, PRIMARY KEY (ps_partkey, ps_suppkey));
CREATE TABLE orders (o_orderkey int PRIMARY KEY, o_custkey int NOT NULL, o_orderstatus char(1) NOT NULL, o_totalprice numeric(12,2), o_orderdate date NOT NULL, o_orderpriority text NOT NULL, o_clerk text NOT NULL, o_shippriority int, o_comment text);
CREATE TABLE lineitem (l_orderkey int NOT NULL, l_partkey int NOT NULL, l_suppkey int NOT NULL, l_linenumber int NOT NULL, l_quantity numeric(12,2), l_extendedprice numeric(12,2), l_discount numeric(12,2), l_tax numeric(12,2),
  l_returnflag char(1), l_linestatus char(1), l_shipdate date NOT NULL, l_commitdate date NOT NULL, l_receiptdate date NOT NULL, l_shipinstruct text, l_shipmode text, l_comment text, PRIMARY KEY (l_orderkey, l_linenumber));
`;

const SEGMENTS = ['AUTOMOBILE', 'BUILDING', 'FURNITURE', 'HOUSEHOLD', 'MACHINERY'];
const PRIORITIES = ['1-URGENT', '2-HIGH', '3-MEDIUM', '4-NOT SPECIFIED', '5-LOW'];
const SHIPMODES = ['REG AIR', 'AIR', 'RAIL', 'SHIP', 'TRUCK', 'MAIL', 'FOB'];
const INSTRUCT = ['DELIVER IN PERSON', 'COLLECT COD', 'NONE', 'TAKE BACK RETURN'];
const TYPE1 = ['STANDARD', 'SMALL', 'MEDIUM', 'LARGE', 'ECONOMY', 'PROMO'];
const TYPE2 = ['ANODIZED', 'BURNISHED', 'PLATED', 'POLISHED', 'BRUSHED'];
const TYPE3 = ['TIN', 'NICKEL', 'BRASS', 'STEEL', 'COPPER'];
const CONT1 = ['SM', 'LG', 'MED', 'JUMBO', 'WRAP'];
const CONT2 = ['CASE', 'BOX', 'BAG', 'JAR', 'PKG', 'PACK', 'CAN', 'DRUM'];
const COLORS = ['almond', 'antique', 'aquamarine', 'azure', 'beige', 'bisque', 'black', 'blanched', 'blue', 'blush', 'brown', 'burlywood', 'chartreuse', 'chocolate', 'coral', 'cornflower', 'cream', 'cyan', 'dark', 'deep', 'dim', 'dodger', 'drab', 'firebrick', 'forest', 'frosted', 'gainsboro', 'ghost', 'goldenrod', 'green'];

const arr = (xs: readonly string[]): string => `ARRAY[${xs.map((x) => `'${x}'`).join(',')}]`;
const pick = (xs: readonly string[], expr: string): string => `(${arr(xs)})[1 + (${expr})::int % ${xs.length}]`;

/** Data at scale `orders` (lineitem ≈ 4 × orders). */
export function tpchData(orders = 22_500): string {
  const customers = Math.round(orders / 10);
  const parts = Math.round(orders / 7.5);
  const suppliers = Math.max(20, Math.round(orders / 150));
  return `
SELECT setseed(0.42);
INSERT INTO region SELECT i - 1, (${arr(['AFRICA', 'AMERICA', 'ASIA', 'EUROPE', 'MIDDLE EAST'])})[i], 'comment ' || i FROM generate_series(1, 5) i;
INSERT INTO nation SELECT i, 'NATION' || i, i % 5, 'comment ' || i FROM generate_series(0, 24) i;
INSERT INTO supplier SELECT i, 'Supplier#' || lpad(i::text, 9, '0'), md5(i::text), i % 25, (10 + i % 25) || '-' || (100 + i % 900), round((random() * 11000 - 1000)::numeric, 2), md5('s' || i) FROM generate_series(1, ${suppliers}) i;
INSERT INTO customer SELECT i, 'Customer#' || lpad(i::text, 9, '0'), md5(i::text), i % 25, (10 + i % 25) || '-' || (100 + i % 900) || '-' || (1000 + i), round((random() * 11000 - 1000)::numeric, 2),
  ${pick(SEGMENTS, 'floor(random() * 5)')}, md5('c' || i) FROM generate_series(1, ${customers}) i;
INSERT INTO part SELECT i, ${pick(COLORS, 'floor(random() * 30)')} || ' ' || ${pick(COLORS, 'floor(random() * 30)')} || ' ' || ${pick(COLORS, 'floor(random() * 30)')},
  'Manufacturer#' || (1 + i % 5), 'Brand#' || (1 + i % 5) || (1 + floor(random() * 5)::int),
  ${pick(TYPE1, 'floor(random() * 6)')} || ' ' || ${pick(TYPE2, 'floor(random() * 5)')} || ' ' || ${pick(TYPE3, 'floor(random() * 5)')},
  1 + floor(random() * 50)::int, ${pick(CONT1, 'floor(random() * 5)')} || ' ' || ${pick(CONT2, 'floor(random() * 8)')}, round((900 + i % 1000 + random() * 100)::numeric, 2), md5('p' || i)
  FROM generate_series(1, ${parts}) i;
INSERT INTO partsupp SELECT p, ((p + s * (${suppliers} / 4 + (p - 1) / ${suppliers})) % ${suppliers}) + 1, 1 + floor(random() * 9999)::int, round((1 + random() * 999)::numeric, 2), md5('ps' || p || s)
  FROM generate_series(1, ${parts}) p, generate_series(0, 3) s ON CONFLICT DO NOTHING;
INSERT INTO orders SELECT i, 1 + floor(random() * ${customers})::int, 'O', 0, date '1992-01-01' + floor(random() * 2400)::int, ${pick(PRIORITIES, 'floor(random() * 5)')},
  'Clerk#' || lpad((1 + floor(random() * ${Math.max(10, Math.round(orders / 1500))}))::int::text, 9, '0'), 0, md5('o' || i) FROM generate_series(1, ${orders}) i;
INSERT INTO lineitem
  SELECT o.o_orderkey, x.pk, 1 + (x.pk + o.o_orderkey % 4) % ${suppliers}, ln, x.q, round(x.q * (900 + x.pk % 1000), 2), round((floor(random() * 11) / 100)::numeric, 2), round((floor(random() * 9) / 100)::numeric, 2),
    CASE WHEN o.o_orderdate + x.ship + x.recv <= date '1995-06-17' THEN (ARRAY['R', 'A'])[1 + floor(random() * 2)::int] ELSE 'N' END,
    CASE WHEN o.o_orderdate + x.ship <= date '1995-06-17' THEN 'F' ELSE 'O' END,
    o.o_orderdate + x.ship, o.o_orderdate + x.commitd, o.o_orderdate + x.ship + x.recv, ${pick(INSTRUCT, 'floor(random() * 4)')}, ${pick(SHIPMODES, 'floor(random() * 7)')}, md5('l' || o.o_orderkey || ln)
  FROM orders o, LATERAL generate_series(1, 1 + (o.o_orderkey * 7919) % 7) ln,
    LATERAL (SELECT 1 + floor(random() * ${parts})::int AS pk, (1 + floor(random() * 50))::numeric AS q, 1 + floor(random() * 121)::int AS ship, 30 + floor(random() * 61)::int AS commitd, 1 + floor(random() * 30)::int AS recv OFFSET 0) x;
UPDATE orders o SET o_totalprice = s.total, o_orderstatus = CASE WHEN s.f = s.n THEN 'F' WHEN s.f = 0 THEN 'O' ELSE 'P' END
  FROM (SELECT l_orderkey, sum(l_extendedprice) total, count(*) FILTER (WHERE l_linestatus = 'F') f, count(*) n FROM lineitem GROUP BY l_orderkey) s WHERE s.l_orderkey = o.o_orderkey;

`;
}

/** A small deterministic generator (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Template {
  name: string;
  weight: number;
  sql(r: () => number, orders: number): string;
}

const oneOf = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: () => number, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const day = (r: () => number, from = '1992-01-01', span = 2300): string => {
  const d = new Date(`${from}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + Math.floor(r() * span));
  return d.toISOString().slice(0, 10);
};
const custName = (n: number): string => `Customer#${String(n).padStart(9, '0')}`;
const clerk = (n: number): string => `Clerk#${String(n).padStart(9, '0')}`;

export const TPCH_TEMPLATES: readonly Template[] = [
  { name: 'q1 pricing summary (one week)', weight: 2, sql: (r) => `SELECT l_returnflag, l_linestatus, sum(l_quantity), sum(l_extendedprice * (1 - l_discount)), avg(l_discount), count(*) FROM lineitem WHERE l_shipdate BETWEEN date '${day(r)}' AND date '${day(r)}' + 7 GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus` },
  { name: 'q3 shipping priority', weight: 5, sql: (r) => { const d = day(r, '1995-03-01', 30); return `SELECT l_orderkey, sum(l_extendedprice * (1 - l_discount)) AS revenue, o_orderdate, o_shippriority FROM customer, orders, lineitem WHERE c_mktsegment = '${oneOf(r, SEGMENTS)}' AND c_custkey = o_custkey AND l_orderkey = o_orderkey AND o_orderdate < date '${d}' AND o_orderdate > date '${d}' - 14 AND l_shipdate > date '${d}' GROUP BY l_orderkey, o_orderdate, o_shippriority ORDER BY revenue DESC, o_orderdate LIMIT 10`; } },
  { name: 'q4 order priority checking', weight: 3, sql: (r) => { const d = day(r); return `SELECT o_orderpriority, count(*) FROM orders WHERE o_orderdate >= date '${d}' AND o_orderdate < date '${d}' + 30 AND EXISTS (SELECT 1 FROM lineitem WHERE l_orderkey = o_orderkey AND l_commitdate < l_receiptdate) GROUP BY o_orderpriority ORDER BY o_orderpriority`; } },
  { name: 'q5 local supplier volume', weight: 1, sql: (r) => { const d = day(r); return `SELECT n_name, sum(l_extendedprice * (1 - l_discount)) AS revenue FROM customer, orders, lineitem, supplier, nation, region WHERE c_custkey = o_custkey AND l_orderkey = o_orderkey AND l_suppkey = s_suppkey AND c_nationkey = s_nationkey AND s_nationkey = n_nationkey AND n_regionkey = r_regionkey AND r_name = 'ASIA' AND o_orderdate >= date '${d}' AND o_orderdate < date '${d}' + 60 GROUP BY n_name ORDER BY revenue DESC`; } },
  { name: 'q6 forecasting revenue change', weight: 4, sql: (r) => { const d = day(r); return `SELECT sum(l_extendedprice * l_discount) AS revenue FROM lineitem WHERE l_shipdate >= date '${d}' AND l_shipdate < date '${d}' + 14 AND l_discount BETWEEN 0.05 AND 0.07 AND l_quantity < 24`; } },
  { name: 'q10 returned items of a period', weight: 3, sql: (r) => { const d = day(r, '1993-01-01', 700); return `SELECT c_custkey, c_name, sum(l_extendedprice * (1 - l_discount)) AS revenue, c_acctbal, n_name FROM customer, orders, lineitem, nation WHERE c_custkey = o_custkey AND l_orderkey = o_orderkey AND o_orderdate >= date '${d}' AND o_orderdate < date '${d}' + 21 AND l_returnflag = 'R' AND c_nationkey = n_nationkey GROUP BY c_custkey, c_name, c_acctbal, n_name ORDER BY revenue DESC LIMIT 20`; } },
  { name: 'q12 shipping modes', weight: 2, sql: (r) => { const d = day(r); return `SELECT l_shipmode, count(*) FROM orders, lineitem WHERE o_orderkey = l_orderkey AND l_shipmode IN ('${oneOf(r, SHIPMODES)}', '${oneOf(r, SHIPMODES)}') AND l_receiptdate >= date '${d}' AND l_receiptdate < date '${d}' + 10 GROUP BY l_shipmode ORDER BY l_shipmode`; } },
  { name: 'q14 promotion effect', weight: 2, sql: (r) => { const d = day(r); return `SELECT sum(CASE WHEN p_type LIKE 'PROMO%' THEN l_extendedprice ELSE 0 END) / nullif(sum(l_extendedprice), 0) FROM lineitem, part WHERE l_partkey = p_partkey AND l_shipdate >= date '${d}' AND l_shipdate < date '${d}' + 10`; } },
  { name: 'q17 small-quantity revenue', weight: 2, sql: (r) => `SELECT sum(l_extendedprice) / 7.0 FROM lineitem, part WHERE p_partkey = l_partkey AND p_brand = 'Brand#${int(r, 1, 5)}${int(r, 1, 5)}' AND p_container = '${oneOf(r, CONT1)} ${oneOf(r, CONT2)}' AND l_quantity < 10` },
  { name: 'q18-like orders of a customer', weight: 40, sql: (r, o) => `SELECT o_orderkey, o_orderdate, o_totalprice FROM orders WHERE o_custkey = ${int(r, 1, o / 10)} ORDER BY o_orderdate DESC LIMIT 10` },
  { name: 'lines of an order', weight: 60, sql: (r, o) => `SELECT l_linenumber, l_partkey, l_quantity, l_extendedprice FROM lineitem WHERE l_orderkey = ${int(r, 1, o)}` },
  { name: 'suppliers of a part (partsupp by supplier)', weight: 20, sql: (r) => `SELECT ps_partkey, ps_availqty, ps_supplycost FROM partsupp WHERE ps_suppkey = ${int(r, 1, 150)} AND ps_availqty > ${int(r, 100, 9000)}` },
  { name: 'suppliers of a nation', weight: 5, sql: (r) => `SELECT s_suppkey, s_name, s_acctbal FROM supplier WHERE s_nationkey = ${int(r, 0, 24)} ORDER BY s_acctbal DESC` },
  { name: 'customer by name', weight: 30, sql: (r, o) => `SELECT c_custkey, c_phone, c_acctbal FROM customer WHERE c_name = '${custName(int(r, 1, o / 10))}'` },
  { name: 'orders by status and date', weight: 6, sql: (r) => { const d = day(r); return `SELECT o_orderkey, o_custkey, o_totalprice FROM orders WHERE o_orderstatus = 'P' AND o_orderdate BETWEEN date '${d}' AND date '${d}' + 30`; } },
  { name: 'parts by type and size', weight: 8, sql: (r) => `SELECT p_partkey, p_name, p_retailprice FROM part WHERE p_type = '${oneOf(r, TYPE1)} ${oneOf(r, TYPE2)} ${oneOf(r, TYPE3)}' AND p_size = ${int(r, 1, 50)}` },
  { name: 'lines of a part from a supplier', weight: 15, sql: (r, o) => `SELECT l_orderkey, l_quantity, l_shipdate FROM lineitem WHERE l_partkey = ${int(r, 1, Math.round(o / 7.5))} AND l_suppkey = ${int(r, 1, 150)}` },
  { name: 'q20-like available parts by name', weight: 2, sql: (r) => `SELECT ps_suppkey, ps_availqty FROM partsupp WHERE ps_partkey IN (SELECT p_partkey FROM part WHERE p_name LIKE '${oneOf(r, COLORS)}%') AND ps_availqty > ${int(r, 1000, 5000)}` },
  { name: 'q21-like late lines of a supplier', weight: 4, sql: (r) => `SELECT l_orderkey, l_receiptdate, l_commitdate FROM lineitem WHERE l_suppkey = ${int(r, 1, 150)} AND l_receiptdate > l_commitdate AND l_shipdate > date '${day(r, '1997-06-01', 300)}'` },
  { name: 'clerk worklist', weight: 10, sql: (r) => `SELECT o_orderkey, o_totalprice, o_orderdate FROM orders WHERE o_clerk = '${clerk(int(r, 1, 15))}' AND o_orderstatus = 'O' ORDER BY o_totalprice DESC LIMIT 20` },
  { name: 'q22-like rich customers of a nation', weight: 4, sql: (r) => `SELECT c_custkey, c_acctbal, c_phone FROM customer WHERE c_nationkey = ${int(r, 0, 24)} AND c_acctbal > ${int(r, 7000, 9500)} ORDER BY c_acctbal DESC` },
  { name: 'recent orders of a segment', weight: 3, sql: (r) => `SELECT o_orderkey, o_orderdate FROM orders JOIN customer ON c_custkey = o_custkey WHERE c_mktsegment = '${oneOf(r, SEGMENTS)}' AND o_orderdate > date '${day(r, '1998-01-01', 200)}' ORDER BY o_orderdate DESC LIMIT 50` },
];

/** The template workload as a workload file: each template with `variants` parameter sets, `-- weight: N` each. */
export function tpchWorkloadFile(orders = 22_500, variants = 3, seed = 7): string {
  const r = seeded(seed);
  const out: string[] = [];
  for (const t of TPCH_TEMPLATES) for (let v = 0; v < variants; v++) out.push(`-- ${t.name}\n-- weight: ${t.weight * 10}\n${t.sql(r, orders)};`);
  return out.join('\n');
}

interface Col {
  name: string;
  kind: 'key' | 'int' | 'num' | 'date' | 'text';
  value(r: () => number): string;
}

const TABLE_COLS: Record<string, Col[]> = {
  lineitem: [
    { name: 'l_orderkey', kind: 'key', value: (r) => String(int(r, 1, 20000)) },
    { name: 'l_partkey', kind: 'key', value: (r) => String(int(r, 1, 3000)) },
    { name: 'l_suppkey', kind: 'key', value: (r) => String(int(r, 1, 150)) },
    { name: 'l_quantity', kind: 'num', value: (r) => String(int(r, 1, 50)) },
    { name: 'l_discount', kind: 'num', value: (r) => `0.0${int(r, 0, 9)}` },
    { name: 'l_returnflag', kind: 'text', value: (r) => `'${oneOf(r, ['R', 'A', 'N'])}'` },
    { name: 'l_linestatus', kind: 'text', value: (r) => `'${oneOf(r, ['O', 'F'])}'` },
    { name: 'l_shipdate', kind: 'date', value: (r) => `date '${day(r)}'` },
    { name: 'l_commitdate', kind: 'date', value: (r) => `date '${day(r)}'` },
    { name: 'l_receiptdate', kind: 'date', value: (r) => `date '${day(r)}'` },
    { name: 'l_shipmode', kind: 'text', value: (r) => `'${oneOf(r, SHIPMODES)}'` },
    { name: 'l_shipinstruct', kind: 'text', value: (r) => `'${oneOf(r, INSTRUCT)}'` },
  ],
  orders: [
    { name: 'o_custkey', kind: 'key', value: (r) => String(int(r, 1, 2250)) },
    { name: 'o_orderstatus', kind: 'text', value: (r) => `'${oneOf(r, ['O', 'F', 'P'])}'` },
    { name: 'o_totalprice', kind: 'num', value: (r) => String(int(r, 1000, 400000)) },
    { name: 'o_orderdate', kind: 'date', value: (r) => `date '${day(r)}'` },
    { name: 'o_orderpriority', kind: 'text', value: (r) => `'${oneOf(r, PRIORITIES)}'` },
    { name: 'o_clerk', kind: 'text', value: (r) => `'${clerk(int(r, 1, 15))}'` },
  ],
  customer: [
    { name: 'c_name', kind: 'text', value: (r) => `'${custName(int(r, 1, 2250))}'` },
    { name: 'c_nationkey', kind: 'key', value: (r) => String(int(r, 0, 24)) },
    { name: 'c_acctbal', kind: 'num', value: (r) => String(int(r, -999, 9999)) },
    { name: 'c_mktsegment', kind: 'text', value: (r) => `'${oneOf(r, SEGMENTS)}'` },
    { name: 'c_phone', kind: 'text', value: (r) => `'${int(r, 10, 34)}-${int(r, 100, 999)}-${int(r, 1000, 3250)}'` },
  ],
  part: [
    { name: 'p_brand', kind: 'text', value: (r) => `'Brand#${int(r, 1, 5)}${int(r, 1, 5)}'` },
    { name: 'p_type', kind: 'text', value: (r) => `'${oneOf(r, TYPE1)} ${oneOf(r, TYPE2)} ${oneOf(r, TYPE3)}'` },
    { name: 'p_size', kind: 'int', value: (r) => String(int(r, 1, 50)) },
    { name: 'p_container', kind: 'text', value: (r) => `'${oneOf(r, CONT1)} ${oneOf(r, CONT2)}'` },
    { name: 'p_retailprice', kind: 'num', value: (r) => String(int(r, 900, 2000)) },
    { name: 'p_mfgr', kind: 'text', value: (r) => `'Manufacturer#${int(r, 1, 5)}'` },
  ],
  partsupp: [
    { name: 'ps_partkey', kind: 'key', value: (r) => String(int(r, 1, 3000)) },
    { name: 'ps_suppkey', kind: 'key', value: (r) => String(int(r, 1, 150)) },
    { name: 'ps_availqty', kind: 'int', value: (r) => String(int(r, 1, 9999)) },
    { name: 'ps_supplycost', kind: 'num', value: (r) => String(int(r, 1, 1000)) },
  ],
  supplier: [
    { name: 's_nationkey', kind: 'key', value: (r) => String(int(r, 0, 24)) },
    { name: 's_acctbal', kind: 'num', value: (r) => String(int(r, -999, 9999)) },
    { name: 's_name', kind: 'text', value: (r) => `'Supplier#${String(int(r, 1, 150)).padStart(9, '0')}'` },
  ],
};
const SELECT_LIST: Record<string, string> = {
  lineitem: 'l_orderkey, l_linenumber, l_extendedprice',
  orders: 'o_orderkey, o_totalprice',
  customer: 'c_custkey, c_name',
  part: 'p_partkey, p_name',
  partsupp: 'ps_partkey, ps_suppkey',
  supplier: 's_suppkey, s_name',
};
const TABLE_WEIGHT: [string, number][] = [
  ['lineitem', 5],
  ['orders', 4],
  ['customer', 2],
  ['part', 2],
  ['partsupp', 2],
  ['supplier', 1],
];

/**
 * `count` structurally distinct statements over the TPC-H tables (distinct predicate columns, operators,
 * ORDER BY, LIMIT): each has its own fingerprint, so the advisor plans each one. Weights 1–20.
 */
export function tpchDistinctWorkload(count: number, seed = 11): string {
  const r = seeded(seed);
  const seen = new Set<string>();
  const out: string[] = [];
  const total = TABLE_WEIGHT.reduce((a, [, w]) => a + w, 0);
  let guard = 0;
  while (out.length < count && guard++ < count * 100) {
    let x = r() * total;
    let table = 'lineitem';
    for (const [t, w] of TABLE_WEIGHT) {
      x -= w;
      if (x < 0) {
        table = t;
        break;
      }
    }
    const cols = TABLE_COLS[table]!;
    const n = int(r, 1, 3);
    const chosen = [...cols].sort(() => r() - 0.5).slice(0, n);
    const preds: string[] = [];
    const shape: string[] = [table];
    for (const c of chosen) {
      const op = c.kind === 'date' || c.kind === 'num' || c.kind === 'int' ? oneOf(r, ['=', '>', '<', 'between']) : oneOf(r, ['=', '=', 'in']);
      shape.push(`${c.name}${op}`);
      if (op === 'between') preds.push(`${c.name} BETWEEN ${c.value(r)} AND ${c.value(r)}`);
      else if (op === 'in') preds.push(`${c.name} IN (${c.value(r)}, ${c.value(r)})`);
      else preds.push(`${c.name} ${op} ${c.value(r)}`);
    }
    const order = r() < 0.5 ? oneOf(r, cols).name : undefined;
    const desc = order && r() < 0.5 ? ' DESC' : '';
    const limit = order && r() < 0.6 ? ` LIMIT ${oneOf(r, [10, 20, 50, 100])}` : '';
    shape.push(`o:${order ?? ''}${desc}${limit ? 'L' : ''}`);
    const key = shape.join('|');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(`-- weight: ${int(r, 1, 20)}\nSELECT ${SELECT_LIST[table]} FROM ${table} WHERE ${preds.join(' AND ')}${order ? ` ORDER BY ${order}${desc}` : ''}${limit};`);
  }
  return out.join('\n');
}
