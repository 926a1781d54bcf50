package graphtest

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/washscan/washscan/datasets"
)

// MarketConfig sizes a synthetic labeled market.
type MarketConfig struct {
	Seed   uint64
	Trades int // approximate number of rows
}

type mrow struct {
	time     int64
	contract int
	token    int // -1: erc20
	seller   int // wallet index; -1 unknown
	buyer    int
	amount   float64
	price    float64
	platform string
	wash     bool
}

const (
	day  = 86400
	year = 365 * day
	t0   = 1640995200 // 2022-01-01
)

// Market returns a seeded synthetic market of about cfg.Trades rows with
// is_wash labels following docs/contract.md §5: organic NFT trading in four collections
// (with active traders who buy tokens again and honest buy-backs months
// later), wash rings of 3–4 wallets on one token, collection rings passing
// different tokens, reward-farming groups passing many tokens on looksrare,
// organic ERC-20 trading and position-neutral ERC-20 churn. Only the
// internal legs of a pattern are labeled wash. Same config, same table.
func Market(cfg MarketConfig) *datasets.Trades {
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	n := max(cfg.Trades, 1000)
	nWallets := max(n/8, 200)
	var rows []mrow
	nextWallet := nWallets // fresh wallets for wash groups start here
	fresh := func() int { nextWallet++; return nextWallet - 1 }
	// Organic buyers: 2% active traders take 30% of the purchases.
	active := max(nWallets/50, 5)
	pick := func() int {
		if rng.Float64() < 0.3 {
			return rng.IntN(active)
		}
		return active + rng.IntN(nWallets-active)
	}
	platforms := []string{"opensea", "blur", "opensea", "looksrare", "x2y2"}
	const nColl = 4
	nTokens := max(n/25, 40)
	nextToken := nTokens
	// Organic NFT histories: ~60% of rows.
	for tok := 0; tok < nTokens; tok++ {
		c := tok % nColl
		k := 1 + rng.IntN(24)
		times := make([]int64, k)
		for i := range times {
			times[i] = t0 + rng.Int64N(year)
		}
		slices.Sort(times)
		holder := pick()
		price := 0.05 + rng.ExpFloat64()
		for i, tm := range times {
			buyer := pick()
			if buyer == holder {
				continue
			}
			// Honest buy-back: the previous seller buys it back months later.
			if i > 1 && rng.Float64() < 0.05 && times[i]-times[i-1] > 60*day {
				buyer = rows[len(rows)-2].seller
				if buyer == holder || buyer < 0 {
					buyer = pick()
				}
			}
			price *= math.Exp(rng.NormFloat64() * 0.2)
			rows = append(rows, mrow{tm, c, tok, holder, buyer, 1, price, platforms[rng.IntN(len(platforms))], false})
			holder = buyer
		}
	}
	organicNFT := len(rows)
	// Wash rings on one token: ~10% of rows.
	for len(rows) < organicNFT+n/10 {
		tok := nextToken
		nextToken++
		c := rng.IntN(nColl)
		k := 3 + rng.IntN(2)
		ring := make([]int, k)
		for i := range ring {
			ring[i] = fresh()
		}
		tm := t0 + rng.Int64N(year)
		price := 0.1 + rng.ExpFloat64()
		plat := platforms[rng.IntN(len(platforms))]
		rows = append(rows, mrow{tm, c, tok, pick(), ring[0], 1, price, plat, false})
		rounds := 1 + rng.IntN(2)
		for r := 0; r < rounds; r++ {
			for i := 0; i < k; i++ {
				tm += 600 + rng.Int64N(day/2)
				rows = append(rows, mrow{tm, c, tok, ring[i], ring[(i+1)%k], 1, price * (1 + 0.05*rng.Float64()), plat, true})
			}
		}
		tm += day + rng.Int64N(10*day)
		rows = append(rows, mrow{tm, c, tok, ring[0], pick(), 1, price, plat, false})
	}
	// Collection rings (different tokens) and reward farming: ~10% of rows.
	mark := len(rows)
	for len(rows) < mark+n/10 {
		farming := rng.IntN(2) == 0
		c := rng.IntN(nColl)
		k := 3
		m := k // tokens
		plat := platforms[rng.IntN(len(platforms))]
		if farming {
			k = 2 + rng.IntN(3)
			m = 6 + rng.IntN(6)
			plat = "looksrare"
		}
		group := make([]int, k)
		for i := range group {
			group[i] = fresh()
		}
		tm := t0 + rng.Int64N(year)
		toks := make([]int, m)
		hold := make([]int, m)
		for j := range toks {
			toks[j] = nextToken
			nextToken++
			hold[j] = j % k
			tm += 60 + rng.Int64N(3600)
			rows = append(rows, mrow{tm, c, toks[j], pick(), group[hold[j]], 1, 0.1 + rng.ExpFloat64(), plat, false})
		}
		rounds := 2 + rng.IntN(2)
		for r := 0; r < rounds; r++ {
			for j := range toks {
				to := (hold[j] + 1) % k
				tm += 60 + rng.Int64N(day/int64(max(1, m/3)))
				rows = append(rows, mrow{tm, c, toks[j], group[hold[j]], group[to], 1, 0.1 + rng.Float64(), plat, true})
				hold[j] = to
			}
		}
		for j := range toks {
			tm += 60 + rng.Int64N(day)
			rows = append(rows, mrow{tm, c, toks[j], group[hold[j]], pick(), 1, 0.1 + rng.ExpFloat64(), plat, false})
		}
	}
	// ERC-20: organic trading and position-neutral churn fill the rest.
	mark = len(rows)
	left := max(n-mark, 100)
	for len(rows) < mark+left*4/5 {
		s, b := pick(), pick()
		if s == b {
			continue
		}
		rows = append(rows, mrow{t0 + rng.Int64N(year), nColl, -1, s, b, math.Round(math.Exp(rng.NormFloat64()*1.5+6)*100) / 100, 0, "uniswap", false})
	}
	for len(rows) < mark+left {
		k := 2 + rng.IntN(3)
		group := make([]int, k)
		for i := range group {
			group[i] = fresh()
		}
		tm := t0 + rng.Int64N(year)
		amt := math.Round(math.Exp(rng.NormFloat64()+7)*100) / 100
		rounds := 1 + rng.IntN(3)
		for r := 0; r < rounds; r++ {
			for i := 0; i < k; i++ {
				tm += 30 + rng.Int64N(300)
				rows = append(rows, mrow{tm, nColl, -1, group[i], group[(i+1)%k], amt, 0, "uniswap", true})
			}
		}
	}
	slices.SortStableFunc(rows, func(a, b mrow) int { return cmp.Compare(a.time, b.time) })

	addrs := make([]datasets.Address, nextWallet)
	for i := range addrs {
		addrs[i] = Addr(fmt.Sprintf("wallet%d", i))
	}
	contracts := make([]datasets.Address, nColl+1)
	for i := range contracts {
		contracts[i] = Addr(fmt.Sprintf("contract%d", i))
	}
	tb := NewTable()
	tokID := func(t int) string { return fmt.Sprint(t + 1) }
	for _, r := range rows {
		std, tok := datasets.ERC721, ""
		if r.token >= 0 {
			tok = tokID(r.token)
		} else {
			std = datasets.ERC20
		}
		label := datasets.LabelOrganic
		if r.wash {
			label = datasets.LabelWash
		}
		tb.Add(r.time, contracts[r.contract], tok, std, addrs[r.seller], addrs[r.buyer], r.amount, r.price, r.platform, label)
	}
	tb.T.Stats.RowsRead = int64(len(rows))
	tb.T.Stats.RowsLoaded = int64(len(rows))
	return tb.T
}
