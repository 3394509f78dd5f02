// Builds the HealthMate demo database entirely inside the server: every table is one
// INSERT ... SELECT FROM generate_series, so a million readings cost one round trip.
//
// Randomness comes from hashing (row number, salt) rather than random(): the same scale always gives
// the same rows whatever plan the server picks, so tests and demos can rely on "roughly this many
// violations" without pinning exact numbers.
import pg from 'pg';
import {
  HEALTHMATE_DROP,
  HEALTHMATE_FOREIGN_KEYS_DDL,
  HEALTHMATE_INDEXES_DDL,
  HEALTHMATE_LATE_CONSTRAINTS_DDL,
  HEALTHMATE_STORAGE_DDL,
  HEALTHMATE_TABLES,
  HEALTHMATE_TABLES_DDL,
  HEALTHMATE_VIEWS_DDL,
  type HealthMateTable,
} from './schema';

export type HealthMateScale = 'small' | 'full';

export interface HealthMateStats {
  scale: HealthMateScale;
  /** Exact row counts after generation. */
  rows: Record<HealthMateTable, number>;
  elapsedMs: number;
}

export const HEALTHMATE_SIZES: Record<HealthMateScale, Record<HealthMateTable, number>> = {
  small: {
    users: 2_000,
    health_data: 100_000,
    symptom_logs: 8_000,
    medication_logs: 12_000,
    health_goals: 3_000,
    health_alerts: 4_000,
    conversations: 6_000,
  },
  full: {
    users: 20_000,
    health_data: 1_000_000,
    symptom_logs: 80_000,
    medication_logs: 120_000,
    health_goals: 30_000,
    health_alerts: 40_000,
    conversations: 60_000,
  },
};

// Activity is heavily skewed: with u uniform, rank = floor(n * u^2.5) puts ~30 % of all rows on the
// busiest 1 % of users. The multiplicative permutation scatters those busy users over the id range so
// that "busy" does not mean "oldest" (low ids).
export const USER_SKEW_EXPONENT = 2.5;
const USER_PERMUTATION = 7919;
const USER_OFFSET = 4321;

/** The user id that generated data would pick for a uniform u in [0, 1): the workload uses it to hit
 *  the same busy users the data has. */
export function skewedUserId(u: number, userCount: number): number {
  const rank = Math.floor(userCount * Math.pow(u, USER_SKEW_EXPONENT));
  return ((rank * USER_PERMUTATION + USER_OFFSET) % userCount) + 1;
}

// HealthMate keeps a year of readings and purges older ones nightly, so after years of devices
// streaming data the identity sequence is far ahead of the row count.
const HEALTH_DATA_ID_START = 1_450_000_000;

/** Uniform [0, 1) from a hash of (key, salt): deterministic per row, independent of the plan. */
function u(salt: number, key = 'g'): string {
  return `((hashint8((${key})::bigint * 1000003 + ${salt}) & 2147483647)::float8 / 2147483648.0)`;
}

function sqlText(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function pick(values: readonly string[], r: string): string {
  return `(ARRAY[${values.map(sqlText).join(', ')}])[1 + floor(${r} * ${values.length})::int]`;
}

/** CASE over cumulative weights; weights need not sum to 1 (the last branch takes the rest). */
function weighted(r: string, choices: ReadonlyArray<readonly [string, number]>): string {
  const total = choices.reduce((s, [, w]) => s + w, 0);
  let acc = 0;
  const branches = choices.slice(0, -1).map(([sql, w]) => {
    acc += w / total;
    return `WHEN ${r} < ${acc.toFixed(6)} THEN ${sql}`;
  });
  return `CASE ${branches.join(' ')} ELSE ${choices[choices.length - 1]![0]} END`;
}

function userIdExpr(userCount: number, r: string): string {
  return `((floor(${userCount} * power(${r}, ${USER_SKEW_EXPONENT}))::bigint * ${USER_PERMUTATION} + ${USER_OFFSET}) % ${userCount} + 1)::int`;
}

const FIRST_NAMES = [
  'James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth',
  'William', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Carlos', 'Karen',
  'Wei', 'Aisha', 'Mohammed', 'Priya', 'Hiroshi', 'Olga', 'Lucas', 'Emma', 'Noah', 'Sofia', 'Liam',
  'Chloe', 'Mateo', 'Fatima', 'Ivan', 'Anna', 'Kofi', 'Ines', 'Omar', 'Mia',
];
const LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez',
  'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin',
  'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson',
  'Nguyen', 'Kim', 'Patel', 'Schmidt', 'Muller', 'Rossi', 'Dubois', 'Kowalski', 'Tanaka', 'Okafor',
];
const EMAIL_DOMAINS = ['gmail.com', 'yahoo.com', 'outlook.com', 'icloud.com', 'proton.me', 'healthmail.org'];

/** One row per health metric: how readings are distributed and what plausible and broken values look like. */
interface MetricSpec {
  type: string;
  share: number;
  unit: string;
  mean: number;
  spread: number;
  decimals: number;
  /** Values a broken device or a typo produces, outside the plausible range. */
  badLow: number;
  badHigh: number;
}

export const HEALTHMATE_METRICS: readonly MetricSpec[] = [
  { type: 'heart_rate', share: 30, unit: 'bpm', mean: 72, spread: 30, decimals: 0, badLow: 0, badHigh: 310 },
  { type: 'steps', share: 14, unit: 'steps', mean: 8000, spread: 16000, decimals: 0, badLow: -1, badHigh: 250000 },
  { type: 'blood_pressure_systolic', share: 8, unit: 'mmHg', mean: 122, spread: 30, decimals: 0, badLow: 0, badHigh: 320 },
  { type: 'blood_pressure_diastolic', share: 8, unit: 'mmHg', mean: 80, spread: 18, decimals: 0, badLow: 0, badHigh: 220 },
  { type: 'blood_glucose', share: 10, unit: 'mg/dL', mean: 105, spread: 60, decimals: 0, badLow: 0, badHigh: 950 },
  { type: 'oxygen_saturation', share: 10, unit: '%', mean: 97, spread: 4, decimals: 0, badLow: 0, badHigh: 120 },
  { type: 'sleep_hours', share: 7, unit: 'h', mean: 7, spread: 3, decimals: 1, badLow: -2, badHigh: 30 },
  { type: 'weight', share: 5, unit: 'kg', mean: 75, spread: 35, decimals: 1, badLow: 0, badHigh: 900 },
  { type: 'temperature', share: 5, unit: '°C', mean: 36.8, spread: 0.8, decimals: 1, badLow: 0, badHigh: 60 },
  { type: 'respiratory_rate', share: 3, unit: 'breaths/min', mean: 16, spread: 6, decimals: 0, badLow: 0, badHigh: 90 },
];

export const HEALTHMATE_SYMPTOMS = [
  'headache', 'fatigue', 'nausea', 'dizziness', 'back pain', 'chest pain', 'shortness of breath', 'cough',
  'fever', 'insomnia', 'anxiety', 'joint pain', 'stomach ache', 'palpitations',
];
const SYMPTOM_NOTES = [
  'after lunch', 'woke up with it', 'worse in the evening', 'after exercise', 'took paracetamol',
  'lasted about an hour', 'came and went all day', 'better after rest',
];
export const HEALTHMATE_MEDICATIONS: ReadonlyArray<readonly [string, string]> = [
  ['Metformin', '500 mg'], ['Lisinopril', '10 mg'], ['Atorvastatin', '20 mg'], ['Ibuprofen', '400 mg'],
  ['Paracetamol', '1000 mg'], ['Levothyroxine', '50 mcg'], ['Amlodipine', '5 mg'], ['Omeprazole', '20 mg'],
  ['Sertraline', '50 mg'], ['Insulin glargine', '20 units'], ['Salbutamol', '2 puffs'], ['Vitamin D', '1000 IU'],
  ['Melatonin', '3 mg'], ['Amoxicillin', '500 mg'], ['Cough syrup', '10 ml'], ['Iron supplement', '2 tablets'],
];
export const HEALTHMATE_FREQUENCIES = [
  'once daily', 'twice daily', 'three times daily', 'every 4 hours', 'every 6 hours', 'every 8 hours',
  'every 12 hours', 'as needed', 'at bedtime', 'weekly',
];
export const HEALTHMATE_GOAL_TYPES: ReadonlyArray<readonly [string, number]> = [
  ['daily_steps', 10000], ['weight_loss', 70], ['sleep', 8], ['blood_pressure', 120], ['glucose_control', 100],
  ['hydration', 2.5], ['exercise_minutes', 150],
];
export const HEALTHMATE_ALERT_TYPES = [
  'high_heart_rate', 'low_oxygen', 'high_glucose', 'low_glucose', 'high_blood_pressure', 'missed_medication',
  'abnormal_temperature', 'goal_reached', 'device_disconnected',
];
const CHAT_MESSAGES = [
  'Why is my heart rate higher in the morning?', 'Can I take ibuprofen with lisinopril?',
  'How much should I walk today?', 'My glucose was 180 after dinner, is that bad?',
  'I slept badly again, any tips?', 'Remind me to take my metformin', 'What does SpO2 mean?',
  'Is 38 degrees a fever?', 'How do I lower my blood pressure?', 'Show my progress this week',
];
const CHAT_RESPONSES = [
  'Heart rate often rises shortly after waking; your readings are within the normal range.',
  'Please check with your pharmacist: NSAIDs can reduce the effect of ACE inhibitors.',
  'Your goal is 10,000 steps; you are at 62% today.', 'A reading of 180 mg/dL after a meal is above target; log it and mention it to your clinician.',
  'Try keeping a regular bedtime and avoiding screens an hour before sleep.', 'Done: I will remind you at 8 pm.',
  'SpO2 is the oxygen saturation of your blood; 95-100% is typical.', 'Yes, 38 °C is considered a mild fever.',
  'Regular exercise, less salt and enough sleep all help.', 'You met 4 of your 5 goals this week.',
];

function metricCase(typeCol: string, valueFor: (m: MetricSpec) => string): string {
  return `CASE ${typeCol} ${HEALTHMATE_METRICS.map((m) => `WHEN ${sqlText(m.type)} THEN ${valueFor(m)}`).join(' ')} END`;
}

function roundTo(expr: string, decimals: number): string {
  return decimals === 0 ? `round(${expr})` : `(round((${expr}) * ${10 ** decimals}) / ${10 ** decimals})`;
}

/** Uniform timestamp between the user's sign-up (at most a year ago) and now. */
function timestampSince(createdAt: string, r: string): string {
  return `(now() - least(interval '365 days', now() - coalesce(${createdAt}, now() - interval '365 days')) * ${r})`;
}

function usersSql(n: number): string {
  const first = (key: string) => pick(FIRST_NAMES, u(1, key));
  const last = (key: string) => pick(LAST_NAMES, u(2, key));
  const domain = (key: string) => pick(EMAIL_DOMAINS, u(3, key));
  const local = (key: string) => `lower(${first(key)}) || '.' || lower(${last(key)}) || (${key})`;
  const email = weighted(u(10), [
    [`${local('g')} || '@'`, 0.002],
    [`${local('g')} || '.' || ${domain('g')}`, 0.002],
    [`lower(${first('g')}) || ' ' || lower(${last('g')}) || g || '@' || ${domain('g')}`, 0.002],
    [`${local('g')} || '@' || split_part(${domain('g')}, '.', 1)`, 0.002],
    // The same person signed up twice with different capitalisation (only possible without a
    // unique index on lower(email)).
    [`CASE WHEN g > 1 THEN ${first('g - 1')} || '.' || ${last('g - 1')} || (g - 1) || '@' || ${domain('g - 1')} ELSE ${local('g')} || '@' || ${domain('g')} END`, 0.003],
    [`${local('g')} || '@' || ${domain('g')}`, 0.989],
  ]);
  const digits = `lpad((floor(${u(12)} * 10000000000))::bigint::text, 10, '0')`;
  const phone = weighted(u(11), [
    ['NULL', 0.08],
    [`'555-' || substr(${digits}, 1, 4)`, 0.015],
    [`'(415) 555-' || substr(${digits}, 5, 4)`, 0.01],
    [`'0044 20 7946 ' || substr(${digits}, 3, 4)`, 0.005],
    [`'n/a'`, 0.003],
    [`${pick(['+1', '+44', '+49', '+33', '+61', '+34'], u(13))} || ${digits}`, 0.887],
  ]);
  const dob = weighted(u(14), [
    ['NULL', 0.05],
    [`current_date + (1 + floor(${u(15)} * 400))::int`, 0.002],
    [`date '1890-01-01' + floor(${u(15)} * 3650)::int`, 0.002],
    [`current_date - floor((18 + ${u(15)} * 72) * 365.25)::int`, 0.946],
  ]);
  const role = weighted(u(16), [
    [`${pick(['Patient', 'doctor', 'nurse'], u(17))}`, 0.004],
    [`'patient'`, 0.896],
    [`'clinician'`, 0.06],
    [`'researcher'`, 0.025],
    [`'admin'`, 0.015],
  ]);
  // Sign-ups accelerate over three years (cumulative users ~ t^2), and ids follow sign-up order.
  const createdAt = `now() - interval '1095 days' + interval '1095 days' * sqrt(g::float8 / ${n}) - interval '1 minute' * floor(${u(18)} * 600)`;
  return `
INSERT INTO users (id, email, phone, full_name, date_of_birth, role, created_at, last_login_at)
SELECT g, email, phone, full_name, dob, role, created_at,
       CASE WHEN ${u(19)} < 0.06 THEN NULL ELSE created_at + (now() - created_at) * (1 - power(${u(20)}, 3)) END
FROM (
  SELECT g, ${email} AS email, ${phone} AS phone, ${first('g')} || ' ' || ${last('g')} AS full_name,
         ${dob} AS dob, ${role} AS role, ${createdAt} AS created_at
  FROM generate_series(1, ${n}) AS g
  OFFSET 0
) s;
SELECT setval(pg_get_serial_sequence('users', 'id'), ${n});
`;
}

function healthDataSql(n: number, users: number): string {
  const types = HEALTHMATE_METRICS.map((m) => [sqlText(m.type), m.share] as const);
  const normalish = `(r1 + r2 - 1)`;
  const good = metricCase('data_type', (m) => {
    if (m.type === 'steps') return `floor(r1 * ${m.spread})`;
    if (m.type === 'oxygen_saturation') return `least(100, ${roundTo(`${m.mean} + ${m.spread} * ${normalish}`, 0)})`;
    // A few thermometers report Fahrenheit into a Celsius column.
    if (m.type === 'temperature') return `CASE WHEN r_unit < 0.01 THEN ${roundTo(`98.2 + 1.5 * ${normalish}`, 1)} ELSE ${roundTo(`${m.mean} + ${m.spread} * ${normalish}`, 1)} END`;
    return roundTo(`${m.mean} + ${m.spread} * ${normalish}`, m.decimals);
  });
  const bad = metricCase('data_type', (m) => `CASE WHEN r1 < 0.5 THEN ${m.badLow} ELSE ${m.badHigh} END`);
  const unit = metricCase('data_type', (m) =>
    m.type === 'temperature' ? `CASE WHEN r_unit < 0.01 THEN '°F' ELSE ${sqlText(m.unit)} END` : sqlText(m.unit),
  );
  const source = weighted(u(30), [
    [`'apple_health'`, 30], [`'fitbit'`, 20], [`'garmin'`, 10], [`'withings'`, 10], [`'manual'`, 25], [`'dexcom'`, 5],
  ]);
  const confidence = `CASE WHEN source = 'manual' THEN NULL
    WHEN r_conf < 0.002 THEN round((1 + r2 * 0.5)::numeric, 2)
    WHEN r_conf < 0.0025 THEN -0.1
    ELSE round((0.6 + 0.4 * r2)::numeric, 2) END`;
  return `
SELECT setval(pg_get_serial_sequence('health_data', 'id'), ${HEALTH_DATA_ID_START});
INSERT INTO health_data (user_id, data_type, value, unit, confidence, source, "timestamp")
SELECT user_id, data_type,
       CASE WHEN r_bad < 0.003 THEN ${bad} ELSE ${good} END,
       ${unit},
       ${confidence},
       source,
       ts
FROM (
  SELECT s.*, CASE WHEN r_future < 0.0005 THEN now() + interval '1 day' * (1 + floor(r3 * 30)) + interval '1 second' * floor(r2 * 86400)
                   ELSE ${timestampSince('usr.created_at', 'r3')} END AS ts
  FROM (
    SELECT g, ${userIdExpr(users, u(21))} AS user_id, ${weighted(u(22), types)} AS data_type, ${source} AS source,
           ${u(23)} AS r1, ${u(24)} AS r2, ${u(25)} AS r3, ${u(26)} AS r_bad, ${u(27)} AS r_unit,
           ${u(28)} AS r_conf, ${u(29)} AS r_future
    FROM generate_series(1, ${n}) AS g
    OFFSET 0
  ) s
  JOIN users usr ON usr.id = s.user_id
) t
ORDER BY ts;
`;
}

function symptomLogsSql(n: number, users: number): string {
  const severity = weighted(u(41), [
    [pick(['Severe', 'very bad', 'moderate ', 'MILD', 'medium'], u(42)), 0.006],
    [`'mild'`, 0.55],
    [`'moderate'`, 0.32],
    [`'severe'`, 0.124],
  ]);
  const painLevel = `CASE WHEN r_pain < 0.05 THEN NULL
    WHEN r_pain < 0.054 THEN ${pick(['11', '-1', '15'], 'r2')}::int
    WHEN severity = 'mild' THEN floor(r2 * 4)::int
    WHEN severity = 'moderate' THEN 3 + floor(r2 * 4)::int
    ELSE 6 + floor(r2 * 5)::int END`;
  return `
INSERT INTO symptom_logs (user_id, symptom, severity, pain_level, notes, "timestamp")
SELECT user_id, symptom, severity, ${painLevel},
       CASE WHEN r_notes < 0.6 THEN NULL ELSE ${pick(SYMPTOM_NOTES, 'r3')} END,
       ${timestampSince('usr.created_at', 'r1')} AS ts
FROM (
  SELECT g, ${userIdExpr(users, u(40))} AS user_id, ${pick(HEALTHMATE_SYMPTOMS, u(43))} AS symptom,
         ${severity} AS severity, ${u(44)} AS r1, ${u(45)} AS r2, ${u(46)} AS r3, ${u(47)} AS r_pain, ${u(48)} AS r_notes
  FROM generate_series(1, ${n}) AS g
  OFFSET 0
) s
JOIN users usr ON usr.id = s.user_id
ORDER BY ts;
`;
}

function medicationLogsSql(n: number, users: number): string {
  const names = HEALTHMATE_MEDICATIONS.map(([name]) => name);
  const doses = HEALTHMATE_MEDICATIONS.map(([, dose]) => dose);
  const k = `(1 + floor(${u(51)} * ${names.length})::int)`;
  const dosage = weighted(u(52), [
    [pick(['500', '2', 'two', 'half', ''], u(53)), 0.012],
    ['NULL', 0.03],
    [`(ARRAY[${doses.map(sqlText).join(', ')}])[k]`, 0.958],
  ]);
  const frequency = weighted(u(54), [
    [pick(['sometimes', '2x/day', 'BID', 'whenever', 'Twice Daily'], u(55)), 0.012],
    [pick(HEALTHMATE_FREQUENCIES, u(56)), 0.988],
  ]);
  const effectiveness = weighted(u(57), [
    ['NULL', 0.2],
    [pick(['0', '11', '15'], u(58)) + '::int', 0.004],
    [`(4 + floor(${u(58)} * 7))::int`, 0.796],
  ]);
  return `
INSERT INTO medication_logs (user_id, medication_name, dosage, frequency, taken_at, effectiveness)
SELECT user_id, medication_name, dosage, frequency, ${timestampSince('usr.created_at', 'r1')} AS ts, effectiveness
FROM (
  SELECT g, user_id, (ARRAY[${names.map(sqlText).join(', ')}])[k] AS medication_name, ${dosage} AS dosage,
         ${frequency} AS frequency, ${effectiveness} AS effectiveness, r1
  FROM (
    SELECT g, ${userIdExpr(users, u(50))} AS user_id, ${k} AS k, ${u(59)} AS r1
    FROM generate_series(1, ${n}) AS g
    OFFSET 0
  ) s0
) s
JOIN users usr ON usr.id = s.user_id
ORDER BY ts;
`;
}

function healthGoalsSql(n: number, users: number): string {
  const types = HEALTHMATE_GOAL_TYPES.map(([t]) => t);
  const targets = HEALTHMATE_GOAL_TYPES.map(([, v]) => v);
  const progress = `CASE WHEN r_bad < 0.012 THEN ${pick(['130', '105.5', '112', '-5'], 'r2')}::numeric
    WHEN NOT is_active THEN CASE WHEN r4 < 0.6 THEN 100 ELSE round((r2 * 100)::numeric, 2) END
    ELSE round((r2 * 100)::numeric, 2) END`;
  return `
INSERT INTO health_goals (user_id, goal_type, target_value, progress, is_active, created_at, deadline)
SELECT user_id, goal_type, target_value, ${progress}, is_active, created_at,
       CASE WHEN r3 < 0.2 THEN NULL ELSE (created_at + interval '1 day' * (30 + floor(r3 * 150)))::date END
FROM (
  SELECT s.*, ${timestampSince('usr.created_at', 'r1')} AS created_at
  FROM (
    SELECT g, (1 + floor(${u(60)} * ${users}))::int AS user_id,
           (ARRAY[${types.map(sqlText).join(', ')}])[k] AS goal_type,
           (ARRAY[${targets.join(', ')}]::float8[])[k] AS target_value,
           ${u(62)} < 0.6 AS is_active, ${u(63)} AS r1, ${u(64)} AS r2, ${u(65)} AS r3, ${u(67)} AS r4, ${u(66)} AS r_bad
    FROM (SELECT g, (1 + floor(${u(61)} * ${types.length}))::int AS k FROM generate_series(1, ${n}) AS g) s0
    OFFSET 0
  ) s
  JOIN users usr ON usr.id = s.user_id
) t
ORDER BY created_at;
`;
}

function healthAlertsSql(n: number, users: number): string {
  const alertType = weighted(u(72), [
    [pick(['HighHeartRate', 'LOW_OXYGEN', 'missedMedication'], u(73)), 0.005],
    [pick(HEALTHMATE_ALERT_TYPES, u(74)), 0.995],
  ]);
  const severity = weighted(u(75), [
    [pick(['CRITICAL', 'warn', 'urgent'], u(76)), 0.004],
    [`'info'`, 0.5],
    [`'warning'`, 0.35],
    [`'critical'`, 0.146],
  ]);
  return `
INSERT INTO health_alerts (user_id, alert_type, message, severity, acknowledged, triggered_at)
SELECT user_id, alert_type,
       initcap(replace(alert_type, '_', ' ')) || ' detected at ' || to_char(ts, 'YYYY-MM-DD HH24:MI'),
       severity,
       -- Old alerts were mostly dealt with; recent ones mostly wait.
       CASE WHEN ts < now() - interval '14 days' THEN r2 < 0.95 ELSE r2 < 0.4 END,
       ts
FROM (
  SELECT s.*, ${timestampSince('usr.created_at', 'r1')} AS ts
  FROM (
    SELECT g, ${userIdExpr(users, u(70))} AS user_id, ${alertType} AS alert_type, ${severity} AS severity,
           ${u(77)} AS r1, ${u(78)} AS r2
    FROM generate_series(1, ${n}) AS g
    OFFSET 0
  ) s
  JOIN users usr ON usr.id = s.user_id
) t
ORDER BY ts;
`;
}

function conversationsSql(n: number, users: number): string {
  // Accounts deleted by the main application left their chat history behind: the chat service never
  // heard of the deletion.
  const userId = `CASE WHEN ${u(81)} < 0.015 THEN ${users} + 1 + floor(${u(82)} * ${Math.max(10, Math.round(users * 0.05))})::int ELSE ${userIdExpr(users, u(80))} END`;
  const feedback = weighted(u(83), [
    ['NULL', 0.45],
    [`${pick(['2', '5', '-2'], u(84))}::smallint`, 0.005],
    ['-1::smallint', 0.1],
    ['0::smallint', 0.15],
    ['1::smallint', 0.295],
  ]);
  return `
INSERT INTO conversations (user_id, message, response, feedback, "timestamp")
SELECT user_id, ${pick(CHAT_MESSAGES, 'r2')}, ${pick(CHAT_RESPONSES, 'r2')}, feedback, ${timestampSince('usr.created_at', 'r1')} AS ts
FROM (
  SELECT g, ${userId} AS user_id, ${feedback} AS feedback, ${u(85)} AS r1, ${u(86)} AS r2
  FROM generate_series(1, ${n}) AS g
  OFFSET 0
) s
LEFT JOIN users usr ON usr.id = s.user_id
ORDER BY ts;
`;
}

/** Sets a parameter for this session if allowed (pg_stat_statements.track needs superuser): the demo
 *  must still run for an ordinary role, only with noisier statistics. */
export async function trySet(client: pg.Client, name: string, value: string): Promise<boolean> {
  try {
    await client.query(`SELECT set_config($1, $2, false)`, [name, value]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates (or recreates) the HealthMate schema and data in the client's current database.
 * Runs as one transaction; ends with ANALYZE so plans are realistic right away.
 */
export async function createHealthMate(
  client: pg.Client,
  opts: { scale: HealthMateScale; onProgress?: (msg: string) => void },
): Promise<HealthMateStats> {
  const sizes = HEALTHMATE_SIZES[opts.scale];
  const started = Date.now();
  const progress = (msg: string): void => opts.onProgress?.(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${msg}`);

  // The generator's own statements would otherwise top pg_stat_statements and pg_qualstats, and the
  // product would then "discover" the data loader instead of the application.
  const untracked = await trySet(client, 'pg_stat_statements.track', 'none');
  await trySet(client, 'pg_qualstats.enabled', 'off');
  await client.query(`SET work_mem = '256MB'`);
  await client.query(`SET maintenance_work_mem = '512MB'`);

  const steps: Array<[string, string]> = [
    ['schema', HEALTHMATE_DROP + HEALTHMATE_TABLES_DDL],
    [`users (${sizes.users})`, usersSql(sizes.users)],
    [`health_data (${sizes.health_data})`, healthDataSql(sizes.health_data, sizes.users)],
    [`symptom_logs (${sizes.symptom_logs})`, symptomLogsSql(sizes.symptom_logs, sizes.users)],
    [`medication_logs (${sizes.medication_logs})`, medicationLogsSql(sizes.medication_logs, sizes.users)],
    [`health_goals (${sizes.health_goals})`, healthGoalsSql(sizes.health_goals, sizes.users)],
    [`health_alerts (${sizes.health_alerts})`, healthAlertsSql(sizes.health_alerts, sizes.users)],
    [`conversations (${sizes.conversations})`, conversationsSql(sizes.conversations, sizes.users)],
    ['foreign keys', HEALTHMATE_FOREIGN_KEYS_DDL],
    ['indexes', HEALTHMATE_INDEXES_DDL],
    ['constraints and views', HEALTHMATE_LATE_CONSTRAINTS_DDL + HEALTHMATE_STORAGE_DDL + HEALTHMATE_VIEWS_DDL],
    ['analyze', `ANALYZE ${HEALTHMATE_TABLES.map((t) => pg.escapeIdentifier(t)).join(', ')}`],
  ];

  const rows = Object.fromEntries(HEALTHMATE_TABLES.map((t) => [t, 0])) as Record<HealthMateTable, number>;
  await client.query('BEGIN');
  try {
    for (const [label, sql] of steps) {
      progress(`${label}…`);
      await client.query(sql);
    }
    await client.query('COMMIT');
    const counts = await client.query<{ table_name: HealthMateTable; n: string }>(
      HEALTHMATE_TABLES.map(
        (t) => `SELECT ${pg.escapeLiteral(t)} AS table_name, count(*) AS n FROM ${pg.escapeIdentifier(t)}`,
      ).join(' UNION ALL '),
    );
    for (const r of counts.rows) rows[r.table_name] = Number(r.n);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await client.query('RESET work_mem').catch(() => undefined);
    await client.query('RESET maintenance_work_mem').catch(() => undefined);
    await client.query('RESET pg_qualstats.enabled').catch(() => undefined);
    if (untracked) await client.query('RESET pg_stat_statements.track').catch(() => undefined);
  }

  const elapsedMs = Date.now() - started;
  progress(`done: ${HEALTHMATE_TABLES.map((t) => `${t} ${rows[t]}`).join(', ')}`);
  return { scale: opts.scale, rows, elapsedMs };
}
