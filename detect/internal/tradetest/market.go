package tradetest

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"strconv"
	"sync"

	"github.com/washscan/washscan/datasets"
)

// Market builds a seeded random market of about n rows directly in columns,
// for benchmarks: ~n/8 wallets, ~n/10 tokens in 50 collections, 5% ERC-20
// swaps, log-normal prices over one year, and 3% of rows in wash loops
// (A→B→A on one token, some inside one transaction). Its funders table has
// n/200 small funders and two exchanges that fund 40% of the wallets.
// Labels are set (wash loops wash, the rest organic). Time and memory O(n).
func Market(n int, seed uint64) (*datasets.Trades, *datasets.Funders) {
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	t := datasets.NewTrades()
	chain := t.Chains.Intern("ethereum")
	eth := t.Currencies.Intern("ETH")
	plats := []uint32{t.Platforms.Intern("opensea"), t.Platforms.Intern("blur"), t.Platforms.Intern("looksrare")}
	addr := func(kind byte, i int) datasets.AddrID {
		var a datasets.Address
		a[0] = kind
		binary.BigEndian.PutUint64(a[12:], uint64(i)+1)
		return t.Addrs.Intern(a)
	}
	nw := max(16, n/8)
	wallets := make([]datasets.AddrID, nw)
	for i := range wallets {
		wallets[i] = addr(1, i)
	}
	const ncoll = 50
	ntok := max(ncoll*10, n/10)
	tokens := make([]datasets.AssetID, ntok)
	floor := make([]float64, ncoll)
	for c := 0; c < ncoll; c++ {
		floor[c] = math.Exp(r.NormFloat64() - 1)
	}
	for i := range tokens {
		tokens[i] = t.Assets.Intern(addr(2, i%ncoll), strconv.Itoa(i/ncoll))
	}
	erc20 := t.Assets.Intern(addr(3, 0), "")
	pool := addr(4, 0)
	owner := make([]datasets.AddrID, ntok)
	for i := range owner {
		owner[i] = wallets[r.IntN(nw)]
	}
	const start, span = 1640995200, 365 * 86400
	var txn uint64
	push := func(tm int64, log uint32, a datasets.AssetID, std datasets.Standard, s, b datasets.AddrID, price float64, label datasets.Label, sameTx bool) {
		if !sameTx {
			txn++
		}
		var h datasets.Hash
		binary.BigEndian.PutUint64(h[:], txn^seed<<40)
		t.Chain = append(t.Chain, chain)
		t.Time = append(t.Time, tm)
		t.Block = append(t.Block, uint64(tm-start)/12+13_900_000)
		t.TxHash = append(t.TxHash, h)
		t.LogIndex = append(t.LogIndex, log)
		t.Asset = append(t.Asset, a)
		t.Standard = append(t.Standard, std)
		t.Seller = append(t.Seller, s)
		t.Buyer = append(t.Buyer, b)
		t.Amount = append(t.Amount, 1)
		t.Price = append(t.Price, price)
		t.Currency = append(t.Currency, eth)
		t.PriceUSD = append(t.PriceUSD, math.NaN())
		t.Platform = append(t.Platform, plats[r.IntN(len(plats))])
		t.TxFrom = append(t.TxFrom, b)
		t.Label = append(t.Label, label)
		t.Origins.Append(0, int64(t.Origins.Len()+2))
	}
	for len(t.Time) < n {
		tm := int64(start + len(t.Time)*span/n)
		switch u := r.Float64(); {
		case u < 0.05:
			w := wallets[r.IntN(nw)]
			amt := math.Exp(r.NormFloat64())
			if r.IntN(2) == 0 {
				push(tm, 0, erc20, datasets.ERC20, pool, w, amt, datasets.LabelOrganic, false)
			} else {
				push(tm, 0, erc20, datasets.ERC20, w, pool, amt, datasets.LabelOrganic, false)
			}
		case u < 0.0575:
			// Wash loop on one token: A→B→A… 4 legs, every other in one tx.
			k := r.IntN(ntok)
			a, b := owner[k], wallets[r.IntN(nw)]
			if a == b {
				continue
			}
			p := floor[k%ncoll] * math.Exp(0.3*r.NormFloat64())
			for leg := 0; leg < 4; leg++ {
				push(tm+int64(leg/2)*3600, uint32(leg), tokens[k], datasets.ERC721, a, b, p, datasets.LabelWash, leg%2 == 1)
				a, b = b, a
			}
		default:
			k := r.IntN(ntok)
			b := wallets[r.IntN(nw)]
			if b == owner[k] {
				continue
			}
			p := floor[k%ncoll] * math.Exp(0.5*r.NormFloat64())
			push(tm, 0, tokens[k], datasets.ERC721, owner[k], b, p, datasets.LabelOrganic, false)
			owner[k] = b
		}
	}
	f := datasets.NewFunders()
	ex := []datasets.AddrID{addr(5, 0), addr(5, 1)}
	nf := max(1, n/200)
	for i, w := range wallets {
		if r.Float64() < 0.4 {
			f.Set(w, ex[i%2], 0)
		} else {
			f.Set(w, addr(6, r.IntN(nf)), 0)
		}
	}
	t.Files = []string{"market"}
	t.Stats = datasets.LoadStats{RowsRead: int64(t.Len()), RowsLoaded: int64(t.Len())}
	return t, f
}

var (
	bigOnce sync.Once
	bigT    *datasets.Trades
	bigF    *datasets.Funders
)

// Big returns Market(1_000_000, 1), built once per process.
func Big() (*datasets.Trades, *datasets.Funders) {
	bigOnce.Do(func() { bigT, bigF = Market(1_000_000, 1) })
	return bigT, bigF
}
