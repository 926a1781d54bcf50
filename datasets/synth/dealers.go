package synth

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/washscan/washscan/datasets"
)

// Generators lists the labeled market generators `washscan synth
// --generator` takes: "market" (the default, [Generate]) and "dealers"
// ([WriteDealers]).
var Generators = []string{"market", "dealers"}

// DealersConfig sets up the "dealers" market of [WriteDealers].
type DealersConfig struct {
	Trades    int64   // rows to write, about (≥ 1000)
	Seed      uint64  // the same config always yields the same files
	Days      float64 // span (default 365, from 2022-01-01)
	WashShare float64 // target fraction of wash rows (default 0.08)
}

// Dealer market tags (the pattern column). Wash tags start with "w_",
// organic traps with "t_", wash entries and exits are "o_wash_entry" and
// "o_wash_exit" (organic, as the labels of a wash group's boundary trades
// are).
var dealerTags = []string{
	"organic_nft", "organic_dex", "o_wash_entry", "o_wash_exit",
	"t_dealer", "t_treasury", "t_mm", "t_arb", "t_airdrop",
	"w_self", "w_pingpong", "w_ring", "w_ring_multi", "w_farm", "w_erc20_churn", "w_dex_churn", "w_hidden_ring",
}

const (
	tOrganicNFT uint8 = iota
	tOrganicDex
	tEntry
	tExit
	tDealer
	tTreasury
	tMM
	tArb
	tAirdrop
	wSelf
	wPingpong
	wRing
	wRingMulti
	wFarm
	wChurn
	wDexChurn
	wHiddenRing
)

var dealerPlatforms = []string{"opensea", "blur", "looksrare", "x2y2", "uniswap", "sushiswap"}

type drow struct {
	t        int64
	seq      uint32 // emission order: ties of t
	tx       uint32
	log      uint16
	contract uint32 // entity index
	tok      uint32
	fungible bool
	s, b     uint32 // entity indexes
	from     uint32 // tx_from
	amount   float64
	price    float64
	plat     uint8
	tag      uint8
}

type dcoll struct {
	entity   uint32
	owner    []uint32
	lock     []int64 // token unusable by organic trades before this time
	floor    []float64
	treasury uint32
	funded   []uint32
}

type dtoken struct {
	entity uint32
	pools  [2]uint32
	price  []float64 // per day, in ETH
}

type dealerGen struct {
	cfg     DealersConfig
	r       *rand.Rand
	salt    uint64
	span    int64
	rows    []drow
	seq     uint32
	tx      uint32
	nEnt    uint32
	cumw    []float64 // organic wallets 0..n-1, cumulative activity weight
	dealers []uint32
	isDealr []bool
	farmers []uint32
	colls   []dcoll
	cumc    []float64
	toks    []dtoken
	mms     []uint32
	bots    []uint32
	funder  map[uint32]uint32
	ethUSD  []float64
}

// dealerStart is the first instant of the dealers market.
var dealerStart = time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC).Unix()

// WriteDealers writes the "dealers" labeled market, a different picture of
// the organic world than [Generate]'s, to tradesPath (CSV with the
// canonical columns, is_wash and a pattern column naming the wash pattern
// or organic trap of each row) and its first funders to fundersPath (CSV
// wallet,funder,block_time; "" for none). Both are written atomically.
//
// Organic world: wallet activity is heavy-tailed (Pareto α = 1.1, so the
// busiest dealers make thousands of trades over many collections), and
// dealers resell to other dealers a third of the time, so busy wallets
// close loops and balanced sets by chance (t_dealer: organic trades with a
// dealer on either side); every collection has a treasury that funds 10–30
// buyers and sells them tokens (t_treasury); market makers trade both ways
// with two AMM pools per token all day (t_mm) and arbitrage bots buy from
// one pool and sell the same amount to the other in one transaction (t_arb);
// airdrop farmers buy and resell within hours on reward marketplaces, always
// with outsiders (t_airdrop). Wash: self-trades, ping-pong, rings of one
// token and of several tokens of a collection, reward farming groups on
// LooksRare, X2Y2 and Blur while their programs ran, ERC-20 churn among a
// funder's wallets, DEX churn after Chainalysis' 2025 rules (a funder's
// five or more wallets each buying from a pool and selling back within
// 25 blocks at <1% apart, three or more times), and rings hidden among
// busy dealers (w_hidden_ring).
func WriteDealers(ctx context.Context, cfg DealersConfig, tradesPath, fundersPath string) (rows, wash int64, err error) {
	if cfg.Trades < 1000 || cfg.Trades > 1<<31 {
		return 0, 0, fmt.Errorf("synth: dealers generator: trades %d out of range [1000, 2^31]", cfg.Trades)
	}
	if cfg.Days == 0 {
		cfg.Days = 365
	}
	if cfg.WashShare == 0 {
		cfg.WashShare = 0.08
	}
	if cfg.Days < 30 || cfg.Days > 3650 || cfg.WashShare < 0 || cfg.WashShare > 0.5 {
		return 0, 0, errors.New("synth: dealers generator: days must be in [30, 3650] and wash share in [0, 0.5]")
	}
	g := &dealerGen{cfg: cfg, r: rand.New(rand.NewPCG(cfg.Seed, 0xdea1e5)), salt: mix64(cfg.Seed ^ 0xdea1e5), span: int64(cfg.Days * 86400), funder: map[uint32]uint32{}}
	g.setup()
	if err := g.run(ctx); err != nil {
		return 0, 0, err
	}
	slices.SortFunc(g.rows, func(a, b drow) int {
		if c := cmp.Compare(a.t, b.t); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	for i := range g.rows {
		if g.rows[i].tag >= wSelf {
			wash++
		}
	}
	if err := g.writeTrades(tradesPath); err != nil {
		return 0, 0, err
	}
	if fundersPath != "" {
		if err := g.writeFunders(fundersPath); err != nil {
			return 0, 0, err
		}
	}
	return int64(len(g.rows)), wash, nil
}

func (g *dealerGen) entity() uint32 { g.nEnt++; return g.nEnt - 1 }

func (g *dealerGen) logn(sigma float64) float64 { return math.Exp(g.r.NormFloat64() * sigma) }

func (g *dealerGen) setup() {
	r := g.r
	n := int(max(2000, g.cfg.Trades/6))
	g.nEnt = uint32(n)
	g.cumw = make([]float64, n)
	w := make([]float64, n)
	s := 0.0
	for i := range w {
		w[i] = math.Pow(1-r.Float64(), -1/1.1) // Pareto α = 1.1
		s += w[i]
		g.cumw[i] = s
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(w[b], w[a]) })
	g.isDealr = make([]bool, n)
	for _, i := range order[:max(20, n/200)] {
		g.dealers = append(g.dealers, uint32(i))
		g.isDealr[i] = true
	}
	for i := 0; i < n/100; i++ {
		g.farmers = append(g.farmers, uint32(order[n/200+r.IntN(n-n/200)]))
	}
	exchanges := []uint32{g.entity(), g.entity(), g.entity()}
	for i := 0; i < n; i++ {
		if r.Float64() < 0.5 {
			g.funder[uint32(i)] = exchanges[r.IntN(3)]
		}
	}
	days := int(g.span/86400) + 2
	g.ethUSD = priceWalk(r, days, 3000, 0.035)
	nc := int(max(20, g.cfg.Trades/5000))
	cs := 0.0
	for c := 0; c < nc; c++ {
		sup := []int{500, 1000, 2000, 5000, 10000}[r.IntN(5)]
		col := dcoll{entity: g.entity(), owner: make([]uint32, sup), lock: make([]int64, sup),
			floor: priceWalk(r, days, math.Exp(math.Log(0.02)+r.Float64()*math.Log(2000)), 0.05), treasury: g.entity()}
		for k := range col.owner {
			if r.Float64() < 0.05 {
				col.owner[k] = col.treasury
			} else {
				col.owner[k] = g.pick()
			}
		}
		for k := 10 + r.IntN(21); k > 0; k-- {
			b := g.pick()
			col.funded = append(col.funded, b)
			g.funder[b] = col.treasury
		}
		g.colls = append(g.colls, col)
		cs += math.Pow(1-r.Float64(), -1/1.0)
		g.cumc = append(g.cumc, cs)
	}
	for k := 0; k < 3; k++ {
		g.toks = append(g.toks, dtoken{entity: g.entity(), pools: [2]uint32{g.entity(), g.entity()},
			price: priceWalk(r, days, []float64{0.0004, 0.012, 0.5}[k], 0.06)})
	}
	for k := 0; k < 8; k++ {
		g.mms = append(g.mms, g.entity())
	}
	for k := 0; k < 6; k++ {
		g.bots = append(g.bots, g.entity())
	}
}

// priceWalk is a geometric random walk of n steps from x0.
func priceWalk(r *rand.Rand, n int, x0, sigma float64) []float64 {
	p := make([]float64, n)
	p[0] = x0
	for i := 1; i < n; i++ {
		p[i] = max(1e-6, p[i-1]*math.Exp(r.NormFloat64()*sigma))
	}
	return p
}

// pick draws an organic wallet by activity weight.
func (g *dealerGen) pick() uint32 {
	x := g.r.Float64() * g.cumw[len(g.cumw)-1]
	i, _ := slices.BinarySearch(g.cumw, x)
	return uint32(min(i, len(g.cumw)-1))
}

func (g *dealerGen) pickColl() int {
	x := g.r.Float64() * g.cumc[len(g.cumc)-1]
	i, _ := slices.BinarySearch(g.cumc, x)
	return min(i, len(g.cumc)-1)
}

func (g *dealerGen) day(t int64) int { return min(max(int(t/86400), 0), len(g.ethUSD)-1) }

// Reward program periods, in seconds from the start (2022-01-01): LooksRare
// from 2022-01-10, X2Y2 from 2022-02-15, Blur from 2022-10-19.
func (g *dealerGen) nftPlatform(t int64) uint8 {
	x := g.r.Float64()
	switch {
	case t > 291*86400 && x < 0.45:
		return 1 // blur
	case t > 9*86400 && x < 0.6:
		return 2 // looksrare
	case t > 45*86400 && x < 0.7:
		return 3 // x2y2
	}
	return 0 // opensea
}

// rewardPlatform is a marketplace paying trading rewards at t.
func (g *dealerGen) rewardPlatform(t int64) uint8 {
	switch {
	case t > 291*86400 && g.r.Float64() < 0.6:
		return 1
	case t > 45*86400 && g.r.Float64() < 0.5:
		return 3
	}
	return 2
}

// emit appends one row; tx 0 starts a new transaction.
func (g *dealerGen) emit(t int64, tx uint32, contract, tok uint32, fungible bool, s, b uint32, amount, price float64, plat, tag uint8) uint32 {
	log := uint16(g.r.IntN(300))
	if tx == 0 {
		g.tx++
		tx = g.tx
	} else {
		log = g.rows[len(g.rows)-1].log + 1
	}
	from := b
	if g.r.Float64() < 0.3 {
		from = s
	}
	g.seq++
	g.rows = append(g.rows, drow{t: t, seq: g.seq, tx: tx, log: log, contract: contract, tok: tok, fungible: fungible,
		s: s, b: b, from: from, amount: amount, price: price, plat: plat, tag: tag})
	return tx
}

// nftPrice is a token's market price at t.
func (g *dealerGen) nftPrice(c int, t int64) float64 { return g.colls[c].floor[g.day(t)] * g.logn(0.3) }

// sell moves token tok of collection c from its owner to b.
func (g *dealerGen) sell(t int64, c int, tok uint32, b uint32, price float64, plat, tag uint8) {
	col := &g.colls[c]
	g.emit(t, 0, col.entity, tok, false, col.owner[tok], b, 1, price, plat, tag)
	col.owner[tok] = b
}

// freeToken finds an organic token of c free at t.
func (g *dealerGen) freeToken(t int64) (int, uint32, bool) {
	for try := 0; try < 20; try++ {
		c := g.pickColl()
		col := &g.colls[c]
		tok := uint32(g.r.IntN(len(col.owner)))
		if col.lock[tok] <= t {
			return c, tok, true
		}
	}
	return 0, 0, false
}

type devent struct {
	t    int64
	kind uint8
}

func (g *dealerGen) run(ctx context.Context) error {
	r := g.r
	T := float64(g.cfg.Trades)
	W := T * g.cfg.WashShare
	// kind: 0 organic NFT, 1 organic swap, 2 treasury, 3 mm, 4 arb, 5 airdrop, 10+ wash patterns.
	type plan struct {
		kind  uint8
		share float64 // of wash rows
		legs  float64 // mean rows per instance (with entry and exit)
	}
	wplans := []plan{{10, 0.05, 1}, {11, 0.15, 6}, {12, 0.2, 8}, {13, 0.1, 10}, {14, 0.2, 14}, {15, 0.12, 10}, {16, 0.1, 36}, {17, 0.08, 5}}
	var ev []devent
	other := 0.0
	for _, p := range wplans {
		n := max(2, int(W*p.share/p.legs))
		for i := 0; i < n; i++ {
			ev = append(ev, devent{int64(r.Float64() * float64(g.span-12*86400)), p.kind})
		}
		other += float64(n) * (p.legs + 1.5)
	}
	traps := []struct {
		kind uint8
		rate float64
		rows float64
	}{{2, 0.01, 1}, {3, 0.04, 1}, {4, 0.01, 2}, {5, 0.01, 2}}
	for _, tp := range traps {
		n := int(T * tp.rate)
		for i := 0; i < n; i++ {
			ev = append(ev, devent{int64(r.Float64() * float64(g.span-86400)), tp.kind})
		}
		other += float64(n) * tp.rows
	}
	norg := max(0, int(T-other))
	for i := 0; i < norg; i++ {
		k := uint8(0)
		if r.Float64() < 0.12 {
			k = 1
		}
		ev = append(ev, devent{int64(r.Float64() * float64(g.span)), k})
	}
	slices.SortStableFunc(ev, func(a, b devent) int { return cmp.Compare(a.t, b.t) })
	for i, e := range ev {
		if i&0xffff == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		g.event(e)
	}
	return nil
}

func (g *dealerGen) event(e devent) {
	r := g.r
	t := e.t
	switch e.kind {
	case 0:
		c, tok, ok := g.freeToken(t)
		if !ok {
			return
		}
		s := g.colls[c].owner[tok]
		var b uint32
		if int(s) < len(g.isDealr) && g.isDealr[s] && r.Float64() < 0.35 {
			b = g.dealers[r.IntN(len(g.dealers))]
		} else {
			b = g.pick()
		}
		if b == s {
			return
		}
		tag := tOrganicNFT
		if (int(s) < len(g.isDealr) && g.isDealr[s]) || g.isDealr[b] {
			tag = tDealer
		}
		g.sell(t, c, tok, b, g.nftPrice(c, t), g.nftPlatform(t), tag)
	case 1:
		k := r.IntN(len(g.toks))
		tk := &g.toks[k]
		w, pool := g.pick(), tk.pools[r.IntN(2)]
		amt := math.Round(g.logn(1.2)*1000/tk.price[g.day(t)]*0.01*1e4) / 1e4
		s, b := pool, w
		if r.Float64() < 0.5 {
			s, b = w, pool
		}
		g.emit(t, 0, tk.entity, 0, true, s, b, amt, amt*tk.price[g.day(t)], 4+uint8(r.IntN(2)), tOrganicDex)
	case 2: // treasury sells to a buyer it funded, or funded buyers trade
		c := g.pickColl()
		col := &g.colls[c]
		b := col.funded[r.IntN(len(col.funded))]
		for try := 0; try < 10; try++ {
			tok := uint32(r.IntN(len(col.owner)))
			if col.lock[tok] <= t && col.owner[tok] != b && (col.owner[tok] == col.treasury || slices.Contains(col.funded, col.owner[tok]) || try == 9) {
				g.sell(t, c, tok, b, g.nftPrice(c, t), g.nftPlatform(t), tTreasury)
				return
			}
		}
	case 3: // a market maker trades with a pool
		k := r.IntN(len(g.toks))
		tk := &g.toks[k]
		mm, pool := g.mms[r.IntN(len(g.mms))], tk.pools[r.IntN(2)]
		amt := math.Round(g.logn(0.8)*5000/tk.price[g.day(t)]*0.01*1e4) / 1e4
		s, b := pool, mm
		if r.Float64() < 0.5 {
			s, b = mm, pool
		}
		g.emit(t, 0, tk.entity, 0, true, s, b, amt, amt*tk.price[g.day(t)], 4+uint8(r.IntN(2)), tMM)
	case 4: // arbitrage: buy from one pool, sell the same amount to the other, one transaction
		k := r.IntN(len(g.toks))
		tk := &g.toks[k]
		bot := g.bots[r.IntN(len(g.bots))]
		i := r.IntN(2)
		amt := math.Round(g.logn(0.8)*2000/tk.price[g.day(t)]*0.01*1e4) / 1e4
		px := amt * tk.price[g.day(t)]
		tx := g.emit(t, 0, tk.entity, 0, true, tk.pools[i], bot, amt, px, 4+uint8(i), tArb)
		g.emit(t, tx, tk.entity, 0, true, bot, tk.pools[1-i], amt, px*1.003, 5-uint8(i), tArb)
	case 5: // airdrop farmer: buys and resells within hours to an outsider on a reward marketplace
		c, tok, ok := g.freeToken(t)
		if !ok {
			return
		}
		f := g.farmers[r.IntN(len(g.farmers))]
		if g.colls[c].owner[tok] == f {
			return
		}
		plat := g.rewardPlatform(t)
		p := g.nftPrice(c, t)
		g.sell(t, c, tok, f, p, plat, tAirdrop)
		b := g.pick()
		if b != f {
			g.sell(t+int64(600+r.IntN(6*3600)), c, tok, b, p*g.logn(0.05), plat, tAirdrop)
		}
		g.colls[c].lock[tok] = t + 7*3600
	default:
		g.wash(e)
	}
}

// group returns n fresh wash wallets, half of the time funded by one new
// funder.
func (g *dealerGen) group(n int) []uint32 {
	ws := make([]uint32, n)
	var f uint32
	shared := g.r.Float64() < 0.5
	if shared {
		f = g.entity()
	}
	for i := range ws {
		ws[i] = g.entity()
		if shared {
			g.funder[ws[i]] = f
		}
	}
	return ws
}

func (g *dealerGen) wash(e devent) {
	r := g.r
	t := e.t
	hours := func(a, b float64) int64 { return int64((a + r.Float64()*(b-a)) * 3600) }
	switch e.kind {
	case 10: // self-trade
		c, tok, ok := g.freeToken(t)
		if !ok {
			return
		}
		o := g.colls[c].owner[tok]
		g.emit(t, 0, g.colls[c].entity, tok, false, o, o, 1, g.nftPrice(c, t), g.nftPlatform(t), wSelf)
	case 11, 12, 17: // ping-pong, ring of one token, ring hidden among dealers
		c, tok, ok := g.freeToken(t)
		if !ok {
			return
		}
		col := &g.colls[c]
		var ws []uint32
		laps := 1 + r.IntN(2)
		tag := wRing
		switch e.kind {
		case 11:
			ws, tag, laps = g.group(2), wPingpong, 1+r.IntN(3)
		case 12:
			ws = g.group(3 + r.IntN(3))
		case 17:
			ws, tag, laps = make([]uint32, 3+r.IntN(2)), wHiddenRing, 1
			for i := range ws {
				ws[i] = g.dealers[r.IntN(len(g.dealers))]
			}
			for i := range ws {
				for j := 0; j < i; j++ {
					if ws[i] == ws[j] {
						return
					}
				}
			}
		}
		plat := g.nftPlatform(t)
		if ws[0] != col.owner[tok] {
			if e.kind == 17 && col.owner[tok] == ws[len(ws)-1] {
				return
			}
			g.sell(t, c, tok, ws[0], g.nftPrice(c, t), plat, tEntry)
		}
		p := g.nftPrice(c, t) * (1 + r.Float64()*2)
		for lap := 0; lap < laps; lap++ {
			for i := range ws {
				t += hours(0.2, 30)
				g.sell(t, c, tok, ws[(i+1)%len(ws)], p*g.logn(0.05), plat, tag)
			}
		}
		t += hours(1, 100)
		if e.kind != 17 {
			g.sell(t, c, tok, g.pick(), g.nftPrice(c, t), g.nftPlatform(t), tExit)
		}
		col.lock[tok] = t + 1
	case 13, 14: // ring of several tokens of a collection; reward farming
		c := g.pickColl()
		col := &g.colls[c]
		n := 3 + r.IntN(3)
		tag, plat := wRingMulti, g.nftPlatform(t)
		if e.kind == 14 {
			n, tag, plat = 2+r.IntN(3), wFarm, g.rewardPlatform(t)
		}
		ws := g.group(n)
		ntok := 3 + r.IntN(4)
		var toks []uint32
		for try := 0; try < 40 && len(toks) < ntok; try++ {
			tok := uint32(r.IntN(len(col.owner)))
			if col.lock[tok] <= t && !slices.Contains(toks, tok) {
				toks = append(toks, tok)
			}
		}
		end := t
		for j, tok := range toks {
			tt := t + hours(0, 6)
			g.sell(tt, c, tok, ws[j%len(ws)], g.nftPrice(c, tt), plat, tEntry)
			legs := len(ws)
			if e.kind == 14 {
				legs = 2 + r.IntN(3)
			}
			for l := 0; l < legs; l++ {
				tt += hours(0.1, 20)
				cur := col.owner[tok]
				k := slices.Index(ws, cur)
				next := ws[(k+1)%len(ws)]
				if e.kind == 14 {
					next = ws[(k+1+r.IntN(len(ws)-1))%len(ws)]
				}
				g.sell(tt, c, tok, next, g.nftPrice(c, tt), plat, tag)
			}
			tt += hours(1, 48)
			g.sell(tt, c, tok, g.pick(), g.nftPrice(c, tt), g.nftPlatform(tt), tExit)
			col.lock[tok] = tt + 1
			end = max(end, tt)
		}
	case 15: // ERC-20 churn among a funder's wallets, positions back to zero
		tk := &g.toks[r.IntN(len(g.toks))]
		ws := g.group(3 + r.IntN(3))
		f := g.entity()
		for _, w := range ws {
			g.funder[w] = f
		}
		amt := math.Round(g.logn(0.5)*3000/tk.price[g.day(t)]*0.01*1e4) / 1e4
		g.emit(t, 0, tk.entity, 0, true, tk.pools[0], ws[0], amt, amt*tk.price[g.day(t)], 4, tEntry)
		for lap := 0; lap < 1+r.IntN(2); lap++ {
			for i := range ws {
				t += hours(0.05, 4)
				g.emit(t, 0, tk.entity, 0, true, ws[i], ws[(i+1)%len(ws)], amt, amt*tk.price[g.day(t)], 4, wChurn)
			}
		}
		t += hours(0.1, 10)
		g.emit(t, 0, tk.entity, 0, true, ws[0], tk.pools[0], amt, amt*tk.price[g.day(t)], 4, tExit)
	case 16: // DEX churn: a funder's 5+ wallets buy from a pool and sell back within 25 blocks, 3+ times
		tk := &g.toks[r.IntN(len(g.toks))]
		ws := g.group(5 + r.IntN(3))
		f := g.entity()
		for _, w := range ws {
			g.funder[w] = f
		}
		pool := tk.pools[r.IntN(2)]
		for _, w := range ws {
			tt := t + hours(0, 24)
			for k := 0; k < 3; k++ {
				amt := math.Round(g.logn(0.5)*2000/tk.price[g.day(tt)]*0.01*1e4) / 1e4
				px := amt * tk.price[g.day(tt)]
				g.emit(tt, 0, tk.entity, 0, true, pool, w, amt, px, 4, wDexChurn)
				tt += int64(12 * (1 + r.IntN(24)))
				g.emit(tt, 0, tk.entity, 0, true, w, pool, amt, px*(1+0.004*(r.Float64()-0.5)), 4, wDexChurn)
				tt += hours(0.1, 3)
			}
		}
	}
}

// address renders entity e as a 0x address.
func (g *dealerGen) address(b []byte, e uint32) []byte {
	a := deriveAddress(g.salt, 7, uint64(e))
	return datasets.AppendHex(b, a[:])
}

func (g *dealerGen) writeTrades(path string) error {
	fa, err := datasets.CreateAtomic(path)
	if err != nil {
		return err
	}
	defer fa.Abort()
	w := bufio.NewWriterSize(fa, 1<<20)
	w.WriteString("chain,block_time,block_number,tx_hash,log_index,contract,token_id,token_standard,seller,buyer,amount,price,currency,price_usd,platform,tx_from,is_wash,pattern\n")
	var b []byte
	for i := range g.rows {
		x := &g.rows[i]
		t := dealerStart + x.t
		b = append(b[:0], "ethereum,"...)
		b = time.Unix(t, 0).UTC().AppendFormat(b, time.RFC3339)
		b = append(b, ',')
		b = strconv.AppendInt(b, 13916166+x.t/12, 10)
		b = append(b, ',')
		h := deriveHash(g.salt, uint64(x.tx))
		b = datasets.AppendHex(b, h[:])
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(x.log), 10)
		b = append(b, ',')
		b = g.address(b, x.contract)
		if x.fungible {
			b = append(b, ",,erc20,"...)
		} else {
			b = append(b, ',')
			b = strconv.AppendUint(b, uint64(x.tok), 10)
			b = append(b, ",erc721,"...)
		}
		b = g.address(b, x.s)
		b = append(b, ',')
		b = g.address(b, x.b)
		b = append(b, ',')
		b = strconv.AppendFloat(b, x.amount, 'f', -1, 64)
		b = append(b, ',')
		b = strconv.AppendFloat(b, math.Round(x.price*1e6)/1e6, 'f', -1, 64)
		if x.fungible || g.r.Float64() < 0.8 {
			b = append(b, ",ETH,"...)
		} else {
			b = append(b, ",WETH,"...)
		}
		b = strconv.AppendFloat(b, math.Round(x.price*g.ethUSD[g.day(x.t)]*100)/100, 'f', 2, 64)
		b = append(b, ',')
		b = append(b, dealerPlatforms[x.plat]...)
		b = append(b, ',')
		b = g.address(b, x.from)
		if x.tag >= wSelf {
			b = append(b, ",true,"...)
		} else {
			b = append(b, ",false,"...)
		}
		b = append(b, dealerTags[x.tag]...)
		b = append(b, '\n')
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return fa.Commit()
}

func (g *dealerGen) writeFunders(path string) error {
	first := map[uint32]int64{}
	for i := range g.rows {
		for _, e := range [2]uint32{g.rows[i].s, g.rows[i].b} {
			if _, ok := first[e]; !ok {
				first[e] = g.rows[i].t
			}
		}
	}
	ws := make([]uint32, 0, len(g.funder))
	for w := range g.funder {
		if _, ok := first[w]; ok {
			ws = append(ws, w)
		}
	}
	slices.Sort(ws)
	fa, err := datasets.CreateAtomic(path)
	if err != nil {
		return err
	}
	defer fa.Abort()
	bw := bufio.NewWriter(fa)
	var out io.Writer = bw
	io.WriteString(out, "wallet,funder,block_time\n")
	var b []byte
	for _, w := range ws {
		b = g.address(b[:0], w)
		b = append(b, ',')
		b = g.address(b, g.funder[w])
		b = append(b, ',')
		t := dealerStart + first[w] - 3600 - int64(unit(g.salt, 9, uint64(w))*20*86400)
		b = time.Unix(t, 0).UTC().AppendFormat(b, time.RFC3339)
		b = append(b, '\n')
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return fa.Commit()
}
