// Package repeat holds the repeat_trade detector: one wallet buys (or sells)
// the same NFT again and again within a short window.
//
// For a wallet w and an erc721 asset a, let t₁ ≤ … ≤ t_k be the times w
// bought a. A buy at t_k is in a burst when a window [t_j, t_j + window]
// starting at an earlier buy j < k (t_k − t_j ≤ window) holds at least
// min_count of w's buys; c is the most such a window holds. An erc721 token
// can be bought again only after it was sold, so a burst means the token
// kept coming back to w: the signature of a wash loop. Sales are treated
// alike with the seller, with windows [t_e − window, t_e] ending at a later
// sale e > k.
//
// Which rows are flagged follows the labeling of docs/contract.md §5: the first buy of a
// burst (no earlier buy opens a full window) brought the token in, often
// from an outside seller, and the last sale may take it out to an outside
// buyer: they are not flagged. The strength grows with c:
// 1 − 2^−(c − min_count + 1), i.e. 0.5 at min_count, times a chance factor
// Surprise(s) = min(1, 2s), s the share of the wallet's trades (every
// asset) in the fullest window [from, from + window] that are the burst's
// 2c − 1 (arrivals and the departures between them); of equally full
// windows the one nearest the row counts. The evidence states s.
//
// Reach (README "Horizons"): a row's verdict reads w's trades of a within
// window before and after it, nothing else — so time slices with a halo of
// window give the whole run's findings. (Before, overlapping windows chained
// into bursts of any length, whose size set the strength, and the asset's
// first row decided its scope.)
//
// Scope: erc721 only. An erc20 contract is one asset with many rows, and a
// wallet buying the same ERC-20 or the same erc1155 edition often is ordinary
// trading or collecting; repeated round trips in fungible assets are left to
// the back-and-forth and volume-matching detectors. The window keeps an active
// trader who buys a token back months later from being flagged.
//
// Time O(N log N) worst case (a sort of each asset's rows by wallet), then
// O(n) per wallet's n rows (two pointers and a sliding maximum); O(N)
// memory.
package repeat
