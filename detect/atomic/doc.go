// Package atomic holds the atomic_round_trip detector: an asset that leaves a
// wallet and comes back to it within one transaction (A→B, …, →A), the shape
// of a flash-loan wash trade, where the whole loop settles atomically and no
// one but the originator ever holds the asset at risk.
//
// Rows of one transaction are found per asset among the rows with equal
// block_time (one transaction has one block), grouped by tx_hash and taken in
// log order. Within a group, a wallet X that is the seller of leg k and the
// buyer of a later leg m closes a loop: legs k..m are flagged, each with
// evidence naming X and the transaction. Unknown addresses never close a
// loop. [FindRoundTrips] is shared with the dune preset's flash-loan filter.
//
// Time O(N) plus O(g log g) for a block's rows of one asset that mix
// transactions; memory O(largest group).
package atomic
