// Package backforth provides the back_and_forth detector: an asset that goes
// from wallet A to wallet B and comes back from B to A within a time window.
//
// For each asset (a (contract, token_id) pair; an ERC-20 contract is one
// asset) the rows are read in canonical order (features.Set.AssetTrades). A
// row moving the asset A→B is flagged when another row of the same asset
// moves it B→A no more than the window away, before or after:
//
//	|time(j) − time(i)| ≤ window   (parameter back_and_forth.window, default 30d).
//
// So both legs of a round trip are flagged, and every leg of a ping-pong. The
// strength reflects how tight the round trip is: with g the gap between the
// two legs,
//
//	strength = 1                                              g ≤ tight (default 1d)
//	strength = 1 − 0.7 · ln(g/tight) / ln(window/tight)       tight < g ≤ window
//
// so a return within a day scores 1, one a week later (30d window) about 0.6,
// one at the window's end 0.3 ([MinStrength]); this is then multiplied by
// the chance factor Surprise(c) = min(1, 2c) (graph.Surprise), c the share
// of both wallets' trading from tight before the first leg to tight after
// the second that is the round trip: 4 / (trades of A + trades of B in
// that window, over every asset, graph.ActivityTable). Two wallets that
// trade only with each other score the gap's strength; two dealers whose
// token came back among hundreds of trades score near 0. The evidence
// states c ("2 wallets, 100% of their 3d-window trades inside the round
// trip"). A wash ping-pong returns within
// hours; an honest trader who sells and later buys back an item usually waits
// longer. The evidence names the nearest matching leg, earlier one first:
// "0xA→0xB at T1, back 0xB→0xA at T2 (3d later)". A row that both returns an
// earlier move and is returned by a later one keeps the stronger (nearer)
// match, ties by the smaller evidence string, so the output is deterministic.
//
// Unknown parties (empty, zero or allow-listed addresses) never count, nor
// does a hub of a fungible token on that token (a DEX pool or market maker,
// see detect/hubs): a trader buying from a pool and selling back to it is not
// a wash round trip. A self-trade (A→A) is left to the self_trade detector.
//
// Complexity: O(L) expected time per asset sequence of length L: one forward
// and one backward pass, each with a hash map keyed by the (from, to) pair
// holding the nearest row of each pair inside the window; rows that leave the
// window are evicted, so memory is bounded by the number of distinct pairs in
// one window, not by L. Sequences of at most 32 rows use a direct scan
// instead (no map). Assets are split between
// GOMAXPROCS goroutines for large inputs. Total O(N) expected.
package backforth
