// Package repeat holds the repeat_trade detector: one wallet buys (or sells)
// the same NFT again and again within a short window.
//
// For a wallet w and an erc721 asset a, let t₁ ≤ … ≤ t_k be the times w
// bought a. A buy is in a burst when some window [t_j, t_j + window] holding
// it holds at least min_count of w's buys; overlapping windows chain into one
// burst. An erc721 token can be bought again only after it was sold, so a
// burst means the token kept coming back to w: the signature of a wash loop.
// Sales are treated alike with the seller.
//
// Which rows are flagged follows the labeling of docs/contract.md §5: within a buy burst
// every buy but the first is flagged (the first brought the token in, often
// from an outside seller); within a sell burst every sale but the last is
// flagged (the last may take it out to an outside buyer). The strength grows
// with the burst size c: 1 − 2^−(c − min_count + 1), i.e. 0.5 at min_count.
//
// Scope: erc721 only. An erc20 contract is one asset with many rows, and a
// wallet buying the same ERC-20 or the same erc1155 edition often is ordinary
// trading or collecting; repeated round trips in fungible assets are left to
// the back-and-forth and volume-matching detectors. The window keeps an active
// trader who buys a token back months later from being flagged.
//
// Time O(N log N) worst case (a stable sort of each asset's rows by wallet),
// O(N) memory.
package repeat
