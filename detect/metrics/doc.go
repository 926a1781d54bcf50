// Package metrics computes the wash-trade metrics document of SPEC §3.1, in
// the shape of the UnleashNFTs v2 wash-trade endpoints: one object for the
// whole market and lists of marketplaces, collections, wallets and NFTs, each
// with the same metric fields, for a time window and the window before it.
//
// # Scopes
//
//   - market: every row.
//   - marketplaces: one entry per non-empty platform. Rows with an empty
//     platform count in the market (and in their collection, wallet and NFT)
//     but in no marketplace entry.
//   - collections: one entry per (chain, contract).
//   - wallets: one entry per known address that is seller or buyer of a
//     flagged row in the window; its metrics are over the rows where it is
//     seller or buyer (a self-trade row counts once).
//   - nfts: one entry per (chain, contract, token_id) with a flagged row in
//     the window; an ERC-20 contract is one asset and appears with an empty
//     token_id.
//
// Marketplaces and collections are listed when they have a row in the window
// or in the previous window (so a collection whose activity stopped shows a
// change of −1). Lists are sorted by washtrade_volume descending (null last),
// then by key (token ids numerically); wallets and nfts are capped at
// Options.Top entries (0 = all).
//
// # Definitions
//
// Over the rows of a scope in a window, a sale being a row with price > 0:
//
//	washtrade_suspect_sales        = #flagged sales
//	total_sales                    = #sales
//	washtrade_suspect_sales_ratio  = washtrade_suspect_sales / total_sales   (0 without sales)
//	washtrade_suspect_transactions = #distinct tx_hash over flagged rows
//	washtrade_assets               = #distinct (contract, token_id) over flagged rows
//	washtrade_wallets              = #distinct known seller or buyer of flagged rows
//	washtrade_volume, total_volume = Σ price over flagged / all sales in native currency
//	washtrade_volume_usd, total_volume_usd = Σ price_usd over flagged / all sales that give it
//	x_change                       = (x − x_prev) / x_prev                   (null when x_prev = 0)
//
// Volume fields are null in a scope whose rows in the window span more than
// one chain; _usd fields are null when no row of the scope in the window has
// a price_usd. A _change is null when either side is null, and always null for
// the range "all". washtrade_level is 0 without flagged sales, else 1–4 as the
// wash share is < 5%, < 20%, < 50%, ≥ 50%; the share is
// washtrade_volume / total_volume, or, where that is null or total_volume is
// 0, the USD share, or, where that is also unavailable, the suspect-sales
// ratio.
//
// # Windows
//
// With range R and as_of T (default: the latest block_time; the Unix epoch
// for an empty input), the window is (T − R, T] and the previous window
// (T − 2R, T − R]; for "all" the window is every row up to T. Rows after T are
// not counted.
//
// # Trends
//
// The market, each marketplace and the first Options.Top collections (all
// for 0), in list order, also carry [Trends]: block_dates (bucket starts,
// RFC 3339 UTC) and one figure per bucket for each of washtrade_assets,
// washtrade_suspect_sales, washtrade_suspect_transactions, washtrade_volume,
// washtrade_volume_usd, washtrade_wallets, total_sales, total_volume and
// total_volume_usd (each as x_trend). Buckets are UTC calendar intervals
// (see [Buckets]): hours for 24h, days for 7d/30d/90d, weeks from Monday for
// all (2, 4, 8 … weeks once more than 520 would be needed), from the bucket
// holding the window's first instant (for all: the earliest block_time up
// to as_of) to the bucket holding as_of, empty buckets included; all scopes
// share them. Only window rows count. Per bucket, the definitions above
// apply to the bucket's rows: sales and volumes add up to the window's
// figures (exact sums, each bucket rounded to 9 decimals), distinct counts
// are distinct within the bucket. A trend whose window figure is null is all
// null; a USD figure is also null in a bucket where no row gives price_usd.
// With no row in the window every trend array is empty. Cost: O(W) for W
// window rows per family of scopes, plus the bucket arrays.
//
// # Numbers
//
// Sums are exact ([Sum]): as if the rows' float64 values were added in
// unlimited precision and rounded once to float64, so they depend neither on
// row order nor on how the rows were split. Ratios and changes
// are rounded to 6 decimals, volumes to 9, by decimal formatting (so the
// result is the float64 nearest to the printed decimal), and −0 prints as 0.
// The same rows and options give byte-identical JSON.
//
// # Cost
//
// Time O(N + F log F) for N rows of which F are flagged (the log factor only
// to sort the output lists; with a --top cap only the entries that may
// make the cut are built and sorted), memory O(N) in dense arrays indexed by
// row, address, asset and scope ids; no string is built per row.
package metrics
