// Package graph is the shared graph computation of washscan's graph
// detectors (cycle, volume_matching, reward_farming).
//
// A [Graph] is a compact directed multigraph over wallets, built from a
// subset of trade rows: each row with a known seller and a known, different
// buyer is an edge seller → buyer. Parallel edges between the same ordered
// pair of wallets are grouped into one arc that keeps the list of its rows.
// The graph is stored in CSR arrays (no maps, no per-node allocation) and
// implements gonum's [gonum.org/v1/gonum/graph.Directed], so gonum algorithms
// such as [gonum.org/v1/gonum/graph/topo.TarjanSCC] run on it unchanged. For
// the hot paths the package also has array-based versions: [Graph.SCC]
// (iterative Tarjan, O(V+E), no recursion) and [Graph.Cycles], a
// length-bounded, budgeted, cancellable enumeration of elementary cycles.
// [SCCOf] is the same Tarjan on bare CSR arrays, for callers that only need
// the components and build the arrays with one counting sort, far cheaper
// than a Graph.
//
// Unknown parties (features.NoWallet) and self-trades are never edges.
//
// [Windows] is a shared detector (no findings) whose result, a per-wallet
// table of distinct counterparties, the flagging detectors read through
// detect.Pass.ResultOf.
package graph
