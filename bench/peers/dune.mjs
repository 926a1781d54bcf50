// dune.mjs runs the Dune spellbook nft.wash_trades filters (docs/contract.md §4, the
// `dune` preset's predicates 1–5) as SQL in DuckDB over a trades CSV, and
// writes the flagged rows' identities (tx_hash, log_index, contract,
// token_id) with the filters that hold.
//
// Usage:
//   node dune.mjs --trades FILE [--funders FILE] [--map canonical=theirs,...]
//                 [--set column=value,...] [--filters 1,2,3,4,5] [--time-format L] --out FLAGGED.csv
//   node dune.mjs --to-parquet --trades FILE.csv --out FILE.parquet
//
// FILE may be CSV or Parquet (by its .parquet suffix); Parquet columns are
// read as text, then normalized as the CSV's are.
//
// No filter needs block_time (the flash-loan filter orders one transaction's
// rows by log_index, then input order), so --time-format is accepted and
// ignored, letting run.sh pass washscan's load flags unchanged.
//
// Addresses are compared lower-cased; an empty address or the zero address is
// unknown and never satisfies a filter (docs/contract.md §1.1). Exact duplicate rows are
// dropped first, as washscan's loader does. Timings go to stderr as one JSON
// line.
import { DuckDBInstance } from '@duckdb/node-api';

const ZERO = '0x0000000000000000000000000000000000000000';
const ALIASES = {
  contract: ['nft_contract_address'],
  log_index: ['evt_index'],
};

function parseArgs(argv) {
  const a = { map: {}, set: {}, filters: [1, 2, 3, 4, 5], plain: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--plain') { a.plain = true; continue; }
    if (k === '--to-parquet') { a.toParquet = true; continue; }
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`${k}: missing value`);
    i++;
    switch (k) {
      case '--trades': a.trades = v; break;
      case '--funders': a.funders = v; break;
      case '--out': a.out = v; break;
      case '--map':
      case '--set':
        for (const part of v.split(',')) {
          const j = part.indexOf('=');
          if (j <= 0) throw new Error(`${k}: want name=value, got ${part}`);
          a[k.slice(2)][part.slice(0, j).trim()] = part.slice(j + 1).trim();
        }
        break;
      case '--filters': a.filters = v.split(',').map(Number); break;
      case '--time-format': break; // block_time is not read: no filter needs it
      default: throw new Error(`unknown flag ${k}`);
    }
  }
  if (!a.trades || !a.out) throw new Error('usage: node dune.mjs --trades FILE [--funders FILE] [--map ...] [--set ...] [--filters 1,2,3,4,5] [--plain] --out FILE');
  return a;
}

const lit = (s) => `'${String(s).replaceAll("'", "''")}'`;
const ident = (s) => `"${String(s).replaceAll('"', '""')}"`;

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const t0 = performance.now();
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  const q = async (sql) => (await con.runAndReadAll(sql)).getRowObjects();

  if (args.toParquet) {
    // --to-parquet: the trades CSV as Parquet, written by DuckDB's own COPY
    // with its inferred column types (token_id kept as text: ids exceed
    // every integer type), for timing both tools on Parquet.
    await con.run(`COPY (SELECT * FROM read_csv(${lit(args.trades)}, header=true, types={'token_id': 'VARCHAR'}))
      TO ${lit(args.out)} (FORMAT parquet)`);
    process.stderr.write(JSON.stringify({ parquet_ms: Math.round(performance.now() - t0) }) + '\n');
    return;
  }

  if (args.plain) {
    // --plain: the query a hand-tuned DuckDB user would write for a clean,
    // canonical CSV (lower-case hex, no duplicates, no blanks to trim):
    // typed read of the needed columns only, no dedupe, no normalization.
    // Same filters and output; for timing against the faithful mode.
    const from = /\.parquet$/i.test(args.trades)
      ? `read_parquet(${lit(args.trades)})`
      : `read_csv(${lit(args.trades)}, header=true,
        types={'tx_hash': 'VARCHAR', 'log_index': 'UBIGINT', 'contract': 'VARCHAR', 'token_id': 'VARCHAR',
               'token_standard': 'VARCHAR', 'seller': 'VARCHAR', 'buyer': 'VARCHAR'})`;
    await con.run(`CREATE TABLE t0 AS SELECT tx_hash, coalesce(log_index, 0)::UBIGINT AS log_index, contract,
        coalesce(token_id::VARCHAR, '') AS token_id, coalesce(token_standard, 'erc721') AS standard,
        nullif(nullif(seller, ''), ${lit(ZERO)}) AS seller, nullif(nullif(buyer, ''), ${lit(ZERO)}) AS buyer
      FROM ${from}`);
    await con.run(`CREATE VIEW t AS SELECT rowid AS rn, * FROM t0`);
  } else {
  // A Parquet file (run.sh writes one with DuckDB's own COPY) is read as
  // text too, so one normalization serves both formats.
  const source = /\.parquet$/i.test(args.trades)
    ? `SELECT COLUMNS(*)::VARCHAR FROM read_parquet(${lit(args.trades)})`
    : `SELECT * FROM read_csv(${lit(args.trades)}, header=true, all_varchar=true)`;
  await con.run(`CREATE TABLE raw AS ${source}`);
  const header = new Set((await q(`DESCRIBE raw`)).map((r) => r.column_name));
  // col returns the SQL expression of canonical column c.
  const col = (c) => {
    if (args.map[c]) return ident(args.map[c]);
    if (header.has(c)) return ident(c);
    for (const al of ALIASES[c] ?? []) if (header.has(al)) return ident(al);
    if (args.set[c] !== undefined) return lit(args.set[c]);
    return 'NULL';
  };
  const addr = (c) => `CASE WHEN lower(trim(${col(c)})) IN ('', ${lit(ZERO)}) THEN NULL ELSE lower(trim(${col(c)})) END`;
  // Exact duplicates dropped, keeping the first occurrence's position.
  await con.run(`CREATE TABLE d AS SELECT min(rowid) AS rn, COLUMNS(*) FROM raw GROUP BY ALL`);
  await con.run(`CREATE TABLE t AS SELECT rn,
      lower(trim(${col('tx_hash')})) AS tx_hash,
      coalesce(try_cast(nullif(trim(${col('log_index')}), '') AS UBIGINT), 0) AS log_index,
      lower(trim(${col('contract')})) AS contract,
      CASE WHEN coalesce(trim(${col('token_id')}), '') = '' THEN ''
           ELSE coalesce(nullif(ltrim(trim(${col('token_id')}), '0'), ''), '0') END AS token_id,
      lower(coalesce(nullif(trim(${col('token_standard')}), ''), 'erc721')) AS standard,
      ${addr('seller')} AS seller,
      ${addr('buyer')} AS buyer
    FROM d`);
  }
  const tLoad = performance.now();

  const f = new Set(args.filters);
  const parts = [];
  if (f.has(1)) parts.push(`SELECT rn, 1 AS filter FROM t WHERE seller IS NOT NULL AND seller = buyer`);
  if (f.has(2)) parts.push(`SELECT a.rn, 2 FROM t a WHERE a.seller IS NOT NULL AND a.buyer IS NOT NULL AND EXISTS (
      SELECT 1 FROM t b WHERE b.contract = a.contract AND b.token_id = a.token_id
        AND b.seller = a.buyer AND b.buyer = a.seller)`);
  if (f.has(3)) parts.push(`SELECT rn, 3 FROM (
      SELECT rn,
        CASE WHEN buyer IS NOT NULL THEN count(*) OVER (PARTITION BY contract, token_id, buyer) END AS nb,
        CASE WHEN seller IS NOT NULL THEN count(*) OVER (PARTITION BY contract, token_id, seller) END AS ns
      FROM t WHERE standard IN ('erc721', 'erc20')) WHERE nb > 2 OR ns > 2`);
  if (f.has(4) && args.funders) {
    await con.run(`CREATE TABLE fu AS SELECT lower(trim(wallet)) AS w, any_value(lower(trim(funder))) AS f
      FROM read_csv(${lit(args.funders)}, header=true, all_varchar=true)
      WHERE lower(trim(funder)) NOT IN ('', ${lit(ZERO)}) GROUP BY 1`);
    parts.push(`SELECT t.rn, 4 FROM t LEFT JOIN fu fs ON fs.w = t.seller LEFT JOIN fu fb ON fb.w = t.buyer
      WHERE t.seller IS NOT NULL AND t.buyer IS NOT NULL
        AND (fb.f = fs.f OR fb.f = t.seller OR fs.f = t.buyer)`);
  }
  if (f.has(5)) parts.push(`SELECT t.rn, 5 FROM t JOIN (
      SELECT DISTINCT a.contract, a.token_id, a.tx_hash FROM t a JOIN t b
        ON a.contract = b.contract AND a.token_id = b.token_id AND a.tx_hash = b.tx_hash AND a.seller = b.buyer
      WHERE a.seller IS NOT NULL AND (b.log_index > a.log_index OR (b.log_index = a.log_index AND b.rn > a.rn))
    ) g USING (contract, token_id, tx_hash)`);
  await con.run(`CREATE TABLE hits AS ${parts.length ? parts.join(' UNION ALL ') : 'SELECT 0::BIGINT AS rn, 0 AS filter WHERE false'}`);
  await con.run(`COPY (
      SELECT t.tx_hash, t.log_index, t.contract, t.token_id, string_agg(DISTINCT h.filter::VARCHAR, '|' ORDER BY h.filter::VARCHAR) AS filters
      FROM hits h JOIN t USING (rn) GROUP BY t.rn, t.tx_hash, t.log_index, t.contract, t.token_id ORDER BY t.rn
    ) TO ${lit(args.out)} (HEADER, DELIMITER ',')`);
  const tQuery = performance.now();

  const [{ rows }] = await q(`SELECT count(*)::INTEGER AS rows FROM t`);
  const [{ known }] = await q(`SELECT count(*)::INTEGER AS known FROM t WHERE buyer IS NOT NULL`);
  const [{ flagged, tokens }] = await q(`SELECT count(DISTINCT rn)::INTEGER AS flagged,
      count(DISTINCT (contract, token_id))::INTEGER AS tokens FROM hits JOIN t USING (rn)`);
  const per = await q(`SELECT filter, count(DISTINCT rn)::INTEGER AS n FROM hits GROUP BY 1 ORDER BY 1`);
  process.stderr.write(JSON.stringify({
    duckdb_rows: rows, rows_known_buyer: known, flagged, tokens,
    per_filter: Object.fromEntries(per.map((r) => [String(r.filter), r.n])),
    load_ms: Math.round(tLoad - t0), query_ms: Math.round(tQuery - tLoad), total_ms: Math.round(tQuery - t0),
  }) + '\n');
  con.closeSync?.();
}

main().catch((e) => {
  process.stderr.write(`dune.mjs: ${e.message}\n`);
  process.exit(1);
});
