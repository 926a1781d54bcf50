package features_test

import (
	"cmp"
	"math"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/features"
)

// table builds trades by hand: each row is (time, block, log, token, seller, buyer, price, chain, currency).
type row struct {
	time     int64
	block    uint64
	log      uint32
	token    string
	seller   string // address name: "" empty, "0" zero address, else a letter
	buyer    string
	price    float64
	chain    string
	currency string
}

func addr(t *datasets.Trades, name string) datasets.AddrID {
	switch name {
	case "":
		return datasets.NoAddr
	case "0":
		return t.Addrs.Intern(datasets.Address{})
	}
	var a datasets.Address
	a[19] = name[0]
	return t.Addrs.Intern(a)
}

func build(rows []row) *datasets.Trades {
	t := datasets.NewTrades()
	var contract datasets.Address
	contract[0] = 0xcc
	c := t.Addrs.Intern(contract)
	for _, r := range rows {
		t.Chain = append(t.Chain, t.Chains.Intern(r.chain))
		t.Time = append(t.Time, r.time)
		t.Block = append(t.Block, r.block)
		t.TxHash = append(t.TxHash, datasets.Hash{byte(len(t.Time))})
		t.LogIndex = append(t.LogIndex, r.log)
		t.Asset = append(t.Asset, t.Assets.Intern(c, r.token))
		t.Standard = append(t.Standard, datasets.ERC721)
		t.Seller = append(t.Seller, addr(t, r.seller))
		t.Buyer = append(t.Buyer, addr(t, r.buyer))
		t.Amount = append(t.Amount, 1)
		t.Price = append(t.Price, r.price)
		t.Currency = append(t.Currency, t.Currencies.Intern(r.currency))
		t.PriceUSD = append(t.PriceUSD, math.NaN())
		t.Platform = append(t.Platform, 0)
		t.TxFrom = append(t.TxFrom, datasets.NoAddr)
		t.Label = append(t.Label, datasets.LabelNone)
		t.Origins.Append(0, int64(len(t.Time)+1))
	}
	return t
}

func TestCompute(t *testing.T) {
	tr := build([]row{
		{time: 20, block: 2, log: 1, token: "1", seller: "A", buyer: "B", price: 1, chain: "ethereum"},                  // 0
		{time: 10, block: 1, log: 5, token: "2", seller: "0", buyer: "C", price: 0, chain: "ethereum"},                  // 1: mint from the zero address
		{time: 20, block: 2, log: 0, token: "1", seller: "B", buyer: "", price: 2, chain: "ethereum", currency: "WETH"}, // 2: same block, earlier log
		{time: 20, block: 2, log: 1, token: "2", seller: "C", buyer: "A", price: 3, chain: "polygon", currency: "ETH"},  // 3: tie with row 0: input order
		{time: 5, block: 0, log: 0, token: "1", seller: "D", buyer: "D", price: 4, chain: "polygon", currency: "POL"},   // 4
	})
	s := features.Compute(tr)
	if want := []int32{4, 1, 2, 0, 3}; !reflect.DeepEqual(s.Order, want) {
		t.Errorf("Order = %v, want %v", s.Order, want)
	}
	for k := range s.Order {
		for j := range s.Order {
			if got, want := s.Canon(s.Order[k], s.Order[j]), cmp.Compare(k, j); got != want {
				t.Errorf("Canon(%d, %d) = %d, want %d (Order positions %d, %d)", s.Order[k], s.Order[j], got, want, k, j)
			}
		}
	}
	a, b, c, d := addr(tr, "A"), addr(tr, "B"), addr(tr, "C"), addr(tr, "D")
	if want := []uint32{a, features.NoWallet, b, c, d}; !reflect.DeepEqual(s.Seller, want) {
		t.Errorf("Seller = %v, want %v (zero address must be NoWallet)", s.Seller, want)
	}
	if want := []uint32{b, c, features.NoWallet, a, d}; !reflect.DeepEqual(s.Buyer, want) {
		t.Errorf("Buyer = %v, want %v", s.Buyer, want)
	}
	if want := []bool{true, false, true, true, true}; !reflect.DeepEqual(s.Sale, want) {
		t.Errorf("Sale = %v", s.Sale)
	}
	// ETH on polygon is not native; POL is; WETH on ethereum is.
	if want := []bool{true, true, true, false, true}; !reflect.DeepEqual(s.Native, want) {
		t.Errorf("Native = %v, want %v", s.Native, want)
	}
	tok1 := tr.Asset[0]
	if got, want := s.AssetTrades(tok1), []int32{4, 2, 0}; !reflect.DeepEqual(got, want) {
		t.Errorf("AssetTrades(token 1) = %v, want %v", got, want)
	}
	if got, want := s.AssetTrades(tr.Asset[1]), []int32{1, 3}; !reflect.DeepEqual(got, want) {
		t.Errorf("AssetTrades(token 2) = %v, want %v", got, want)
	}
	for i := range s.Contract {
		if s.Contract[i] != tr.Contract(i) {
			t.Errorf("Contract[%d] = %d, want %d", i, s.Contract[i], tr.Contract(i))
		}
	}
}

func TestComputeAllowListed(t *testing.T) {
	tr := build([]row{{time: 1, token: "1", seller: "A", buyer: "E", price: 1, chain: "ethereum"}})
	tr.Addrs.MarkUnknown(addr(tr, "E"))
	s := features.Compute(tr)
	if s.Buyer[0] != features.NoWallet || s.Seller[0] == features.NoWallet {
		t.Errorf("allow-listed buyer must be NoWallet: seller %d buyer %d", s.Seller[0], s.Buyer[0])
	}
}

func TestComputeEmpty(t *testing.T) {
	s := features.Compute(datasets.NewTrades())
	if s.N != 0 || len(s.Order) != 0 || len(s.AssetStart) != 1 {
		t.Errorf("empty set: %+v", s)
	}
}

// TestTrades compares Trades with a plain gather through AssetRows, on
// inputs large enough for the parallel path and on an empty one.
func TestTrades(t *testing.T) {
	for _, n := range []int{0, 1, 100, 200_000} {
		tr := datasets.NewTrades()
		var contract datasets.Address
		contract[0] = 0xcc
		c := tr.Addrs.Intern(contract)
		for i := 0; i < n; i++ {
			var a datasets.Address
			a[18], a[19] = byte(i*7919>>8), byte(i*7919)
			tr.Time = append(tr.Time, int64((i*104729)%5000))
			tr.Block = append(tr.Block, 0)
			tr.LogIndex = append(tr.LogIndex, uint32(i))
			tr.Asset = append(tr.Asset, tr.Assets.Intern(c, strconv.Itoa(i*31%997)))
			tr.Seller = append(tr.Seller, tr.Addrs.Intern(a))
			tr.Buyer = append(tr.Buyer, addr(tr, string(rune('a'+i%20))))
			tr.Price = append(tr.Price, 1)
			tr.Chain = append(tr.Chain, tr.Chains.Intern("ethereum"))
			tr.Currency = append(tr.Currency, tr.Currencies.Intern("ETH"))
		}
		f := features.Compute(tr)
		got := f.Trades()
		if len(got) != n {
			t.Fatalf("n=%d: %d trades", n, len(got))
		}
		for a := 0; a < tr.Assets.Len(); a++ {
			rows, at := f.AssetTrades(datasets.AssetID(a)), f.AssetTradesAt(datasets.AssetID(a))
			if len(rows) != len(at) {
				t.Fatalf("n=%d asset %d: %d rows, %d trades", n, a, len(rows), len(at))
			}
			for i, r := range rows {
				if want := (features.Trade{Time: tr.Time[r], Seller: f.Seller[r], Buyer: f.Buyer[r]}); at[i] != want {
					t.Fatalf("n=%d asset %d position %d: %+v, want %+v", n, a, i, at[i], want)
				}
			}
		}
		if n > 0 && &f.Trades()[0] != &got[0] {
			t.Fatal("Trades is rebuilt on every call")
		}
		// Released, the array is built again on the next call, equal to
		// the first; the slice returned before stays as it was.
		f.ReleaseTrades()
		again := f.Trades()
		if !slices.Equal(again, got) {
			t.Fatalf("n=%d: trades after ReleaseTrades differ", n)
		}
		if n > 0 && &again[0] == &got[0] {
			t.Fatal("ReleaseTrades kept the array")
		}
	}
}

// BenchmarkTrades times building the trades by position on a 1M-row table
// of 100k assets whose rows are in time order.
func BenchmarkTrades(b *testing.B) {
	const n = 1 << 20
	tr := datasets.NewTrades()
	var contract datasets.Address
	c := tr.Addrs.Intern(contract)
	assets := make([]datasets.AssetID, 100_000)
	for i := range assets {
		assets[i] = tr.Assets.Intern(c, strconv.Itoa(i))
	}
	tr.Time = make([]int64, n)
	tr.Asset = make([]datasets.AssetID, n)
	for i := range tr.Time {
		tr.Time[i] = int64(i)
		tr.Asset[i] = assets[(i*7919)%len(assets)]
	}
	f := &features.Set{T: tr, N: n, Seller: make([]uint32, n), Buyer: make([]uint32, n)}
	f.AssetStart = make([]int32, len(assets)+1)
	for _, a := range tr.Asset {
		f.AssetStart[a+1]++
	}
	for a := range assets {
		f.AssetStart[a+1] += f.AssetStart[a]
	}
	f.AssetRows = make([]int32, n)
	next := slices.Clone(f.AssetStart)
	for r, a := range tr.Asset {
		f.AssetRows[next[a]] = int32(r)
		next[a]++
	}
	for b.Loop() {
		features.Gather(f.AssetRows, tr.Time, f.Seller, f.Buyer)
	}
}

// TestOrderSortedAndShuffled checks the canonical order on a big table as
// given in canonical order, nearly so (the insertion sort), shuffled and
// reversed (the full sort), with ties on time and block broken by log index and row, and
// the per-row columns on the two-goroutine path (≥ 65,536 rows).
func TestOrderSortedAndShuffled(t *testing.T) {
	const n = 70000
	rows := make([]row, n)
	for i := range rows {
		rows[i] = row{time: int64(i / 7), block: uint64(i / 3), log: uint32(i % 3), token: strconv.Itoa(i % 50),
			seller: "A", buyer: "B", price: float64(i % 5), chain: []string{"ethereum", "polygon"}[i%2], currency: []string{"ETH", "POL", "USDC"}[i%3]}
	}
	check := func(name string, rs []row) {
		tr := build(rs)
		s := features.Compute(tr)
		want := make([]int32, n)
		for i := range want {
			want[i] = int32(i)
		}
		slices.SortFunc(want, func(a, b int32) int {
			x, y := rs[a], rs[b]
			switch {
			case x.time != y.time:
				return int(x.time - y.time)
			case x.block != y.block:
				return int(x.block) - int(y.block)
			case x.log != y.log:
				return int(x.log) - int(y.log)
			}
			return int(a - b)
		})
		if !slices.Equal(s.Order, want) {
			t.Errorf("%s: Order differs from the reference sort", name)
		}
		for i, r := range rs {
			nat := datasets.IsNative(r.chain, r.currency)
			if s.Native[i] != nat || s.Sale[i] != (r.price > 0) {
				t.Fatalf("%s: row %d native %v sale %v", name, i, s.Native[i], s.Sale[i])
			}
		}
	}
	check("in order", rows)
	shuffled := slices.Clone(rows)
	for i := range shuffled {
		j := (i * 7919) % n
		shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
	}
	check("shuffled", shuffled)
	// Nearly sorted, as exports often are: every 50th row a few places
	// late (the insertion sort), and reversed (past its move budget).
	nearly := slices.Clone(rows)
	for i := 50; i+3 < n; i += 50 {
		nearly[i], nearly[i+3] = nearly[i+3], nearly[i]
	}
	check("nearly in order", nearly)
	reversed := slices.Clone(rows)
	slices.Reverse(reversed)
	check("reversed", reversed)
}

// BenchmarkComputeNearlySorted computes the features of a 1M-row table in
// time order but for every 50th row, three places late (an export sorted by
// time with a little jitter); reports rows/s.
func BenchmarkComputeNearlySorted(b *testing.B) {
	const n = 1 << 20
	rows := make([]row, n)
	for i := range rows {
		rows[i] = row{time: int64(i), block: uint64(i / 3), log: uint32(i % 3), token: strconv.Itoa(i % 5000),
			seller: "A", buyer: "B", price: 1, chain: "ethereum", currency: "ETH"}
	}
	for i := 50; i+3 < n; i += 50 {
		rows[i], rows[i+3] = rows[i+3], rows[i]
	}
	tr := build(rows)
	for b.Loop() {
		features.Compute(tr)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
