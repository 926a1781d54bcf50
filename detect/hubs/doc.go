// Package hubs is the shared computation "hubs": liquidity hubs of fungible
// tokens, which the round-trip and ring detectors do not route patterns
// through.
//
// On an ERC-20 token, a DEX pool, router or market maker trades with a large
// share of the token's traders: a trader who buys from a pool and sells back
// to it a few days later has made an ordinary round trip, not a wash trade
// with the pool, and two such traders close a "ring" through it. Wash groups
// and churn rings, by construction, trade among few wallets.
//
// Rule. For every asset of a fungible standard (token_standard erc20, and
// erc1155 when the parameter erc1155 is 1; an ERC-20 contract is one asset),
// the distinct counterparties of every wallet on that asset are counted (rows
// with two known, different parties) within window (default 30d) before and
// after each of its rows. A wallet with at least max_counterparties of them
// (default 50; 0 disables the rule) at a row is a hub of that asset at that
// row. NFTs (erc721) are never affected. Reach (README "Horizons"): window;
// window 0 counts over the whole input (the rule before slicing), which has
// no bound.
//
// Result. A *[Table] whose [Parties] are features.Set.Seller and Buyer
// with the hub party of each row of a hub's asset where it is a hub read as
// features.NoWallet (two bits a row mark them): back_and_forth,
// volume_matching and cycle read these parties, so for them a hub is an
// unknown party on the
// asset it is a hub of (as if it were on the --allow list for that asset
// only). The hub's rows still count in totals, and other detectors (self
// trades, funders, prices) still see the hub.
//
// Complexity: O(F log F) time for the F rows of fungible assets (one sort of
// (asset, wallet, counterparty) keys finds the candidates: a wallet with
// fewer than max_counterparties over the whole input has fewer in any
// window), then O(R) for the R rows of the candidates' assets (a sliding
// window per candidate); O(N) memory for the two columns; when no hub is
// found the columns are the feature set's own (no copy).
package hubs
