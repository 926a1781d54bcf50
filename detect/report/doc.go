// Package report writes the per-trade flags file of docs/contract.md §3.2: every loaded
// row once, in input order, with washscan's verdict, score, level, reasons and
// evidence.
//
// Columns, in order:
//
//	chain, block_time, block_number, tx_hash, log_index, contract, token_id,
//	token_standard, seller, buyer, amount, price, currency, price_usd,
//	platform, is_wash, score, level, reasons, evidence
//
// The first fifteen are the canonical trade columns as loaded (addresses
// lower-case, block_time RFC 3339 UTC, currency upper-case, platform
// lower-case; block_number and price_usd empty when not given; amount, price
// and price_usd in the shortest decimal that reads back as the same float64,
// so the metrics of docs/contract.md §3.1 can be recomputed from this file alone).
// is_wash is the verdict (score ≥ threshold, never the input label); score is
// in [0,1], rounded to 6 decimals; level is detect.Level of the score (0 below
// 0.2, 1 below 0.4, 2 below 0.6, 3 below 0.8, 4 from 0.8); reasons are the
// detectors that fired joined by "|"; evidence their evidence,
// "detector: text" joined by "; ".
//
// The format follows the extension: .csv (RFC 4180, header line) or .parquet
// (the canonical Arrow types of datasets.CanonicalSchema for the trade columns;
// is_wash bool, score float64, level int32, reasons and evidence strings;
// zstd-compressed; strings and repeated numbers dictionary-encoded per row
// group, tx_hash, seller and buyer DELTA_LENGTH_BYTE_ARRAY, block_time
// DELTA_BINARY_PACKED;
// written in row groups of 256 Ki rows so memory stays bounded). Either is
// written atomically: the file appears only when complete. Time O(N).
package report
