// Package dune reproduces the five filters of the Dune spellbook model
// nft.wash_trades (main branch, 2025–26) as washscan detectors, and the
// detector list of the `dune` preset.
//
// Each filter runs over the whole input with no time window, and a row that
// satisfies any one of them is flagged (the preset's weights make a single
// filter score σ(1) ≈ 0.73 ≥ 0.5):
//
//  1. dune_self_trade: buyer = seller;
//  2. dune_back_and_forth: some row of the same contract and token_id has
//     seller = this.buyer and buyer = this.seller (at any time, before or
//     after; as in the spellbook's self-join, a self trade is its own reverse);
//  3. dune_repeat: for erc721 and erc20 only, more than 2 rows of the same
//     contract and token_id with the same buyer, or more than 2 with the same
//     seller (buys and sells counted separately, the row itself included);
//  4. dune_funder: buyer_funder = seller_funder (both known), or
//     buyer_funder = seller, or seller_funder = buyer; funders in
//     --deny-funders count as unknown; no fan-out rule;
//  5. dune_flash_loan: the same token leaves an address and comes back to it
//     within one transaction; every row of that token in that transaction is
//     flagged.
//
// Unknown addresses (empty, the zero address, --allow) never satisfy any
// filter: they are not wallets, so they never equal one another, are never
// counted as "the same buyer", and have no funder. On the 19,920 real
// CryptoPunks sales (filters 1–3) this gives 151 flagged rows among the
// 13,981 with a known buyer, on 62 punks, the figure measured with the
// spellbook SQL in DuckDB.
//
// Every filter is O(N) time and memory over the canonical per-asset index,
// except dune_back_and_forth, which sorts the (seller, buyer) pairs of each
// asset and looks up each reverse pair: O(N log N).
package dune
