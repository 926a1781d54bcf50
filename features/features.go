// Package features computes, once and column-wise, the derived columns every
// detector reads: the canonical time order, per-asset trade sequences, wallet
// ids with unknown parties removed, and per-row masks.
package features

import (
	"cmp"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/washscan/washscan/datasets"
)

// NoWallet is the wallet id of an unknown party (empty, zero or allow-listed
// address). It is never a graph node.
const NoWallet uint32 = 0

// Set holds a dataset and the features computed from it. All slices indexed by
// row have length N; rows are numbered as in the Trades table (input order).
type Set struct {
	T *datasets.Trades
	N int

	// Order lists row numbers in canonical order: block_time, block_number,
	// log_index, then input order (Canon). Sums over rows follow it
	// (docs/contract.md §3.1).
	Order []int32

	// Seller and Buyer are address ids with every unknown party replaced by
	// NoWallet, so detectors never link through one.
	Seller []uint32
	Buyer  []uint32
	// Contract is the contract address id of each row.
	Contract []uint32
	// Sale marks rows with price > 0.
	Sale []bool
	// Native marks rows paid in the chain's native currency or its wrapped form.
	Native []bool

	// AssetStart and AssetRows form a CSR index: the rows of asset a, in
	// canonical order, are AssetRows[AssetStart[a]:AssetStart[a+1]].
	AssetStart []int32
	AssetRows  []int32

	tradesMu sync.Mutex
	trades   atomic.Pointer[[]Trade] // nil until built, and after ReleaseTrades
}

// Trade is what the per-asset scans read of one trade: its time and its
// wallets (Set.Seller, Set.Buyer). The trades of an asset are stored
// contiguously by position in the AssetRows index (see Set.Trades), so a
// scan over one asset reads them sequentially, one cache line for four
// trades, instead of missing the cache at every row of three columns.
type Trade struct {
	Time          int64
	Seller, Buyer uint32
}

// Trades returns the trades by AssetRows position: Trades()[p] is row
// AssetRows[p]'s time, seller and buyer, so the trades of asset a in
// canonical order are Trades()[AssetStart[a]:AssetStart[a+1]] (see
// AssetTradesAt). It is built on first use, on all cores (a gather of three
// columns through AssetRows: time O(N), 16 bytes per row), and shared;
// never modify it. Safe for concurrent use.
func (s *Set) Trades() []Trade {
	if p := s.trades.Load(); p != nil {
		return *p
	}
	s.tradesMu.Lock()
	defer s.tradesMu.Unlock()
	if p := s.trades.Load(); p != nil {
		return *p
	}
	t := Gather(s.AssetRows, s.T.Time, s.Seller, s.Buyer)
	s.trades.Store(&t)
	return t
}

// ReleaseTrades drops the Set's reference to the Trades array (16 bytes a
// row), e.g. once the detectors that read it are done, so that it does not
// stay live through the stages after detection (metrics, writers); a later
// Trades call builds it again. Slices returned before stay valid. Safe for
// concurrent use.
func (s *Set) ReleaseTrades() {
	s.tradesMu.Lock()
	s.trades.Store(nil)
	s.tradesMu.Unlock()
}

// AssetTradesAt returns the trades of asset a in canonical order, aligned
// with AssetTrades(a).
func (s *Set) AssetTradesAt(a datasets.AssetID) []Trade {
	return s.Trades()[s.AssetStart[a]:s.AssetStart[a+1]]
}

// gatherMin is the row count from which Gather splits its work between
// goroutines.
const gatherMin = 1 << 16

// Gather returns, for each row rows[p], its time and its seller and buyer
// from the given columns (indexed by row), in the order of rows. Callers
// pass wallet columns other than Set.Seller and Set.Buyer to gather
// adjusted ones (detect/hubs). GOMAXPROCS goroutines fill equal slices of
// positions. Time O(len(rows)).
func Gather(rows []int32, time []int64, seller, buyer []uint32) []Trade {
	out := make([]Trade, len(rows))
	fill := func(lo, hi int) {
		for p, r := range rows[lo:hi] {
			out[lo+p] = Trade{time[r], seller[r], buyer[r]}
		}
	}
	n := len(rows)
	nw := 1
	if n >= gatherMin {
		nw = runtime.GOMAXPROCS(0)
	}
	var wg sync.WaitGroup
	for w := 0; w < nw; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fill(w*n/nw, (w+1)*n/nw)
		}()
	}
	wg.Wait()
	return out
}

// Compute derives the feature set of t. It reads t and never changes it.
// Time O(N log N) for the sort (O(N + inversions) for input in or nearly in
// canonical order), O(N) otherwise.
func Compute(t *datasets.Trades) *Set {
	n := t.Len()
	s := &Set{T: t, N: n}

	s.Order = make([]int32, n)
	for i := range s.Order {
		s.Order[i] = int32(i)
	}
	canon := s.Canon
	// The order is total (ties broken by row), so the sorted order is
	// unique. Most exports are sorted by time, or nearly: rows a few
	// seconds out of place. An insertion sort puts such input in order in
	// one pass plus a move per inversion; past n/8 + 1024 moves the input is
	// not nearly sorted and pdqsort finishes the job.
	if !insertionSort(s.Order, canon, n/8+1024) {
		slices.SortFunc(s.Order, canon)
	}
	s.Seller = make([]uint32, n)
	s.Buyer = make([]uint32, n)
	s.Contract = make([]uint32, n)
	s.Sale = make([]bool, n)
	s.Native = make([]bool, n)
	// Per-row columns: independent rows, so halves on two cores for big
	// inputs. Native is a function of (chain, currency), few pairs.
	addrs := t.Addrs
	rowCols := func(lo, hi int) {
		nativeOf := make(map[[2]uint32]bool)
		lastK, lastNat := [2]uint32{^uint32(0), ^uint32(0)}, false
		for i := lo; i < hi; i++ {
			if id := t.Seller[i]; !addrs.Unknown(id) {
				s.Seller[i] = id
			}
			if id := t.Buyer[i]; !addrs.Unknown(id) {
				s.Buyer[i] = id
			}
			s.Contract[i] = t.Assets.Contract[t.Asset[i]]
			s.Sale[i] = t.Price[i] > 0
			k := [2]uint32{t.Chain[i], t.Currency[i]}
			if k != lastK {
				nat, ok := nativeOf[k]
				if !ok {
					nat = datasets.IsNative(t.Chains.Value(k[0]), t.Currencies.Value(k[1]))
					nativeOf[k] = nat
				}
				lastK, lastNat = k, nat
			}
			s.Native[i] = lastNat
		}
	}
	if n < 1<<16 {
		rowCols(0, n)
	} else {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			rowCols(n/2, n)
		}()
		rowCols(0, n/2)
		wg.Wait()
	}

	na := t.Assets.Len()
	s.AssetStart = make([]int32, na+1)
	for _, a := range t.Asset {
		s.AssetStart[a+1]++
	}
	for a := 0; a < na; a++ {
		s.AssetStart[a+1] += s.AssetStart[a]
	}
	s.AssetRows = make([]int32, n)
	next := slices.Clone(s.AssetStart[:na])
	for _, r := range s.Order {
		a := t.Asset[r]
		s.AssetRows[next[a]] = r
		next[a]++
	}
	return s
}

// Canon compares rows a and b in canonical order (the order of Order):
// block_time, block_number, log_index, then row number. It is a total
// order: it returns 0 only for a == b. Sorting rows by it puts them in
// their Order positions' order (no rank column is kept: 4 bytes a trade).
func (s *Set) Canon(a, b int32) int {
	t := s.T
	if c := cmp.Compare(t.Time[a], t.Time[b]); c != 0 {
		return c
	}
	if c := cmp.Compare(t.Block[a], t.Block[b]); c != 0 {
		return c
	}
	if c := cmp.Compare(t.LogIndex[a], t.LogIndex[b]); c != 0 {
		return c
	}
	return cmp.Compare(a, b)
}

// insertionSort sorts order by cmp with an insertion sort and reports true,
// or stops once more than maxMoves elements have moved and reports false,
// leaving order a permutation of its input. Time O(n + moves).
func insertionSort(order []int32, cmp func(a, b int32) int, maxMoves int) bool {
	moves := 0
	for i := 1; i < len(order); i++ {
		x := order[i]
		j := i
		for j > 0 && cmp(order[j-1], x) > 0 {
			order[j] = order[j-1]
			j--
		}
		order[j] = x
		if moves += i - j; moves > maxMoves {
			return false
		}
	}
	return true
}

// AssetTrades returns the rows of asset a in canonical order.
func (s *Set) AssetTrades(a datasets.AssetID) []int32 {
	return s.AssetRows[s.AssetStart[a]:s.AssetStart[a+1]]
}

// Known reports whether wallet id w is a real wallet.
func Known(w uint32) bool { return w != NoWallet }
