// Package price holds the price_anomaly detector: a sale far from its
// collection's going price between counterparties that are linked.
//
// For each collection (contract) and currency, the NFT sales (price > 0,
// erc721 and erc1155, at the price per item p = price/amount) are taken in
// canonical order and each is compared with the median m of the up to
// `window` sales before it (none older than max_age before it, when max_age
// is set). ERC-20 rows are out of scope: the price of a
// swap scales with its size, and a pool trades with every wallet again and
// again, so neither the median nor the pair link means anything there. The row is anomalous when at least
// min_samples prior sales exist and
//
//	r = max(p/m, m/p) ≥ factor.
//
// A price alone proves nothing — a rare item sells high, a panic seller dumps
// low — so an anomalous row is flagged only when its counterparties are
// linked: by first funders under common_funder's fan-out rule, or because the
// buyer also sold to the seller (any asset) within link_window before or
// after — buying from the same dealer again is ordinary. Strength is 0.5 at r = factor, rising as
// 0.5 + 0.5·log(r/factor)/log(factor) to 1 at r = factor².
//
// Time O(N·window) for the rolling medians (a sorted window updated by
// binary search and one shift per sale: the leaving price is replaced by
// the entering one), plus O(N) hashing for the pair check, which reads only
// the reverse pairs of anomalies not linked by funders; memory O(N).
package price
