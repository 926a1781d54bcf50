// Package farming is washscan's marketplace-reward farming detector
// (detector name "reward_farming").
//
// Reward programs (LooksRare, Blur, X2Y2) paid tokens per traded volume, so
// small groups of wallets passed many different NFTs back and forth on one
// marketplace. For every platform, in every sliding window of width window
// (step window/2) that holds a trade — also one whose trades all lie in a
// neighbouring window, for a group found there may be too large or diluted
// in the larger one (graph.SlidingAll) — the detector links two wallets when they traded at least
// min_pair_tokens distinct tokens with each other in the window, takes the
// connected groups of linked wallets, and flags the trades inside a group of
// min_wallets..max_wallets wallets that together moved at least min_tokens
// distinct tokens among themselves. An active flipper who trades many tokens
// with many different counterparties forms no links (one token per
// counterparty), and a big organic cluster exceeds max_wallets; only the
// internal legs are flagged, not the purchases that brought the tokens in
// nor the sales that take them out.
//
// Strength in (0,1] is Surprise(s)·(0.6 + 0.4·min(1, n/(2·min_tokens))),
// Surprise(s) = min(1, 2s), where s = Σ inside(w) / Σ total(w) over the
// group's members is the share of their trades in the window (every asset
// and marketplace, graph.ActivityTable) that stay inside the group, and n
// the number of distinct tokens.
//
// Only NFT rows (erc721, erc1155) count, and reward_farming reads only the
// trades inside a marketplace's rewarded trading-reward program (the
// built-in list of programs.csv, or the one the caller gives in
// detect.Input.RewardPrograms): a marketplace that never paid trading
// rewards has nothing to farm. DenseGroup ("dense_group") runs the same
// scan over the NFT trades outside every rewarded program, trades without a
// platform forming one more platform, as weaker evidence.
//
// Layout: the qualifying rows of each platform are laid out once, in
// canonical order, as contiguous arrays of time, asset and both parties
// (a counting sort on the platform), with wallets renumbered per platform
// to 1..D in increasing wallet id (graph.Renumberer). A window is a range
// of positions; its graph is built by graph.Builder.BuildDense, which
// gives the same nodes, arcs and row orders as building from the table's
// columns while its per-wallet state is a bitset over D instead of a table
// over every wallet. Work per window is O(A log A) for A rows (O(A + D/64)
// to build its graph); windows are spread over all cores.
package farming
