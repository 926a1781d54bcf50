// Package cycle is washscan's ring detector (detector name "cycle").
//
// For every token, and for every collection (contract with several tokens),
// it builds the directed trade graph seller → buyer of the rows inside
// sliding time windows (width window, step window/2, so any ring closing
// within window/2 is wholly inside one window, and most closing within window
// are; every window that holds a row, also one whose rows all lie in a
// neighbouring window, where a ring may close faster: graph.SlidingAll), finds the strongly connected components (Tarjan, array-based), and
// inside components of at most max_component wallets enumerates the
// elementary cycles of min_len..max_len legs under a work budget (see
// detect/graph). A component larger than max_component (an organic market
// where random trading closes large loops over a month) is not enumerated:
// its rows are re-examined in windows a quarter as long, down to
// min_window, so a dense ring inside a busy month is still found in hours.
// The rows of every arc of a found cycle are flagged: exactly the internal
// legs of the ring; the purchase that brought the token in and the sale that
// takes it out are not on the cycle.
//
// Strength in [0,1] is Surprise(c)·(0.55 + 0.35·f + 0.1·r), after a stated
// chance model. c is the share of the ring's wallets' trading in the
// detector's window [start, start+width) that is the ring: with inside(w)
// the ring's rows wallet w is a party of and total(w) all of w's rows in
// the window, over every token and collection (graph.ActivityTable, read
// from the rows inside the window only), c = Σ inside(w) / Σ total(w).
// Surprise(c) = min(1, 2c) (graph.Surprise): wallets that do half or more
// of their window's trading inside the ring are a closed group; four dealers
// who close a loop once among hundreds of trades each are what chance
// produces among busy wallets, and score near 0. f = 1 − span/window is how
// fast the ring closed, and r is 1 when a leg repeats (the same ordered pair
// traded twice in the window). Collection rings (legs on different tokens)
// are scaled by 0.9. The evidence states c ("3 wallets, 93% of their
// 30d-window trades inside the ring") and starts the ring at its smallest
// address, so it does not depend on the order wallets were first seen in.
//
// ERC-20 tokens use window_fungible (default 1d) instead of window: organic
// swaps among many wallets close loops over weeks, while fungible churn
// closes within hours.
//
// The hubs of a fungible token (detect/hubs: DEX pools, routers, market
// makers with very many counterparties on it) are not graph nodes for that
// token, so no ring closes through a pool.
//
// Overlap: cycles of two legs (A→B→A) are back-and-forth, which the
// back_and_forth detector covers; they are left out unless min_len is set
// to 2.
//
// Speed: a group's times and wallets are gathered once into contiguous
// arrays with wallets renumbered per group (order kept), so windows do not
// re-read rows scattered across the table; and the graph of the whole group
// is reduced to its strongly connected components first (a counting sort
// of its arcs and graph.SCCOf, no full graph): a window with fewer than
// three rows inside one such component of three or more wallets (two rows
// and two wallets when min_len is 2) cannot hold a reported ring, so it is
// skipped, and so is a group with none. Small groups (most tokens, which
// mostly have no such component) are numbered through a small hash table in
// first-seen order, and put in wallet order only when they survive. All of
// this is exact: findings are those of scanning every window
// (TestScannerMatchesReference).
//
// Work is split by token and by collection over all cores; every
// enumeration is bounded by budget steps and checks cancellation, so no
// input makes the detector run away. Results do not depend on scheduling.
package cycle
