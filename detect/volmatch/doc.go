// Package volmatch is washscan's position-neutral volume test (detector name
// "volume_matching"), after Victor & Weintraud, "Detecting and Quantifying
// Wash Trading on Decentralized Cryptocurrency Exchanges" (WWW 2021).
//
// Wash traders end where they started: over a short time, the wallets of a
// wash group trade a token among themselves and their net positions return
// to (nearly) zero, while honest traders accumulate or shed positions. For
// every fungible token (ERC-20 rows, amount in token units) and every NFT
// collection (amount in items), and for each of the tumbling windows
// window_short, window_mid and window_long (default 1h, 1d, 1w), the
// detector builds the seller → buyer graph of the window's rows, finds its
// strongly connected components, and tests each component of at least two
// wallets: with net(w) = Σ amount bought − Σ amount sold over the trades
// inside the component, the component matches when every |net(w)| ≤ m,
// m = margin × the mean trade amount of those trades. When it does not,
// the wallet over m with the largest |net| relative to the amount it traded
// in the set (the lowest wallet id among equals) is removed and the test
// repeated on the rest (wallets left without trades inside the set drop out
// too), until a
// set of ≥ 2 wallets matches or none is left; components larger than
// max_component wallets are only tested whole. The trades inside a matching
// set are flagged.
//
// The hubs of a fungible token (detect/hubs: DEX pools, routers, market
// makers with very many counterparties on it) are not wallets for that token:
// a trader who buys from a pool and sells the same amount back is not matched
// with the pool.
//
// Strength in [0,1] is Surprise(c)·(0.6 + 0.25·(1 − 1/√n) + 0.15·(1 −
// imb/m)) for n trades, imbalance imb = max |net| and margin m, after a
// stated chance model: c = Σ inside(w) / Σ total(w) over the set's wallets,
// inside(w) the set's trades wallet w is a party of and total(w) all of
// w's rows in the tumbling window (every token and collection,
// graph.ActivityTable, from the rows inside the window only), and
// Surprise(c) = min(1, 2c). Busy dealers whose item counts balance by
// chance among many other trades score near 0; a set of wallets that
// trade only among themselves scores fully. The evidence states c ("4
// wallets, 100% of their 1d-window trades inside the set").
//
// Each token or collection is laid out once (a counting sort of the rows in
// canonical order) in contiguous arrays of rows and wallet ids renumbered
// per group in increasing wallet order (the windows are cut from the
// table's time column through the rows), so windows are position ranges and
// their graphs are built from contiguous memory with the same nodes, arcs
// and orders as from the table's columns. A window's strongly connected
// components are found first on a CSR of its arcs (graph.SCCOf), and its
// graph is built from the trades inside components of two or more wallets
// only, the only ones the test reads. Work per window is O(A log A) for
// A rows plus O(k²) peeling per component of k ≤ max_component wallets,
// windows are spread over all cores, and the result does not depend on
// scheduling.
package volmatch
