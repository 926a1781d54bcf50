package synth

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/washscan/washscan/datasets"
)

// slot is one row of a batch; TxFrom of row points at from.
type slot struct {
	row  datasets.Row
	from datasets.Address
}

const batchSize = 4096

// funding is the first funder of a wallet: a derived address (kind, idx) and a time.
type funding struct {
	kind uint8
	idx  uint64
	t    int64
}

// gen is the state of one generation run. Its memory is O(tokens + wallets):
// token owners and locks, wallet seen bits and wash-wallet funders, ERC-20
// balances, and the pending events of campaigns in flight.
type gen struct {
	cfg  Config
	r    *rand.Rand
	salt uint64

	start, end int64   // unix seconds
	clock      float64 // organic clock
	now        int64
	meanGap    float64

	rows, washRows, pendWash int64

	chains    [2]chainState
	txCounter uint64

	colls   []collection
	collCum []float64
	owner   []uint32 // token → wallet+1; 0 = not minted
	locked  []bool   // token → in a wash campaign
	zipf    *rand.Zipf
	seen    []uint64 // organic wallets that traded (bitset)
	washFun []funding
	erc     []erc20
	ethUSD  walk
	polUSD  walk

	events evHeap
	seq    uint64

	// output
	batch []slot
	emitB func([]slot) ([]slot, bool) // hands a full batch over, returns an empty one
	stop  bool

	stats Stats
	buf   []byte
}

func newGen(cfg Config) *gen {
	g := &gen{cfg: cfg}
	g.r = rand.New(rand.NewPCG(cfg.Seed, 0x77617368_7363616e)) // "washscan"
	g.salt = saltOf(cfg.Seed)
	g.start = cfg.Start.Unix()
	span := cfg.Days * 86400
	g.end = g.start + int64(span)
	g.clock = float64(g.start)
	g.now = g.start
	g.meanGap = span / (float64(cfg.Trades) * (1 - cfg.WashShare*0.9))
	g.chains[chainEthereum] = newChainState(refEthereum, ethBlockSeconds, g.start)
	g.chains[chainPolygon] = newChainState(refPolygon, polBlockSeconds, g.start)
	g.zipf = rand.NewZipf(g.r, 1.1, 20, uint64(cfg.Wallets-1))
	g.seen = make([]uint64, (cfg.Wallets+63)/64)
	g.ethUSD = walk{v: 3700, sigma: 0.035, lo: 100, hi: 100000, t: g.start}
	g.polUSD = walk{v: 2.5, sigma: 0.045, lo: 0.01, hi: 1000, t: g.start}
	g.buildCollections()
	g.erc = make([]erc20, cfg.ERC20)
	for i := range g.erc {
		g.erc[i] = erc20{
			idx:   i,
			addr:  deriveAddress(g.salt, kindERC20, uint64(i)),
			pool:  deriveAddress(g.salt, kindPool, uint64(i)),
			price: walk{v: math.Exp(math.Log(0.0005) + 1.5*g.r.NormFloat64()), sigma: 0.06, lo: 1e-9, hi: 10, t: g.start},
			bal:   make(map[uint32]int64),
		}
	}
	g.stats.OrganicWallets = cfg.Wallets
	return g
}

// saltOf derives the address salt of a seed.
func saltOf(seed uint64) uint64 { return mix64(seed ^ 0x2545f4914f6cdd1d) }

// buildCollections draws collection sizes (Pareto, α = 1.1), popularity
// (size^0.7 · LogNormal(0, 0.5)), floors, mint prices and launch times.
func (g *gen) buildCollections() {
	cfg, r := g.cfg, g.r
	c := cfg.Collections
	raw := make([]float64, c)
	sum := 0.0
	for i := range raw {
		raw[i] = min(1/math.Pow(1-r.Float64(), 1/1.1), 1000)
		sum += raw[i]
	}
	// The largest collection goes first and always launched before Start, so
	// there is always something to trade.
	slices.SortFunc(raw, func(a, b float64) int {
		switch {
		case a > b:
			return -1
		case a < b:
			return 1
		}
		return 0
	})
	spare := cfg.Tokens - 10*c
	g.colls = make([]collection, c)
	g.collCum = make([]float64, c)
	var first uint32
	cum := 0.0
	nPolygon := int(math.Round(cfg.PolygonShare * float64(c)))
	for i := range g.colls {
		size := 10 + int(raw[i]/sum*float64(spare))
		col := &g.colls[i]
		col.idx = i
		col.addr = deriveAddress(g.salt, kindCollection, uint64(i))
		col.first = first
		col.size = uint32(size)
		first += uint32(size)
		// Polygon collections are the last (smallest) few, never the first.
		if i > 0 && i >= c-nPolygon {
			col.chain = chainPolygon
		}
		if col.chain == chainPolygon {
			col.floor = walk{v: math.Exp(math.Log(20) + r.NormFloat64()), sigma: 0.06, lo: 0.01, hi: 1e6, t: g.start}
		} else {
			col.floor = walk{v: min(max(math.Exp(math.Log(0.3)+1.2*r.NormFloat64()), 0.002), 150), sigma: 0.05, lo: 0.0005, hi: 500, t: g.start}
		}
		if r.Float64() >= 0.35 {
			col.mint = col.floor.v * (0.2 + 0.6*r.Float64())
		}
		col.launch = g.start
		if i > 0 && r.Float64() < 0.25 {
			col.launch = g.start + int64(r.Float64()*0.8*cfg.Days*86400)
		}
		col.bigIDs = i > 0 && r.Float64() < 0.08
		col.zeroBase = r.Float64() < 0.3
		cum += math.Pow(float64(size), 0.7) * math.Exp(0.5*r.NormFloat64())
		g.collCum[i] = cum
	}
	g.owner = make([]uint32, first)
	g.locked = make([]bool, first)
	for i := range g.colls {
		col := &g.colls[i]
		if col.launch > g.start {
			continue // minted inside the window
		}
		for k := col.first; k < col.first+col.size; k++ {
			g.owner[k] = uint32(g.zipf.Uint64()) + 1
		}
	}
	g.stats.Collections = c
	g.stats.Tokens = int(first)
}

// tokenID returns the token id of token k of collection c.
func (g *gen) tokenID(c *collection, k uint32) string {
	local := k - c.first
	if c.bigIDs {
		return bigTokenID(g.salt, uint64(c.idx), uint64(local))
	}
	if !c.zeroBase {
		local++
	}
	return strconv.FormatUint(uint64(local), 10)
}

// collectionOf returns the collection holding token k.
func (g *gen) collectionOf(k uint32) *collection {
	i, found := slices.BinarySearchFunc(g.colls, k, func(c collection, k uint32) int {
		switch {
		case c.first > k:
			return 1
		case c.first+c.size <= k:
			return -1
		}
		return 0
	})
	if !found {
		panic("synth: token outside every collection")
	}
	return &g.colls[i]
}

// pickCollection draws a launched collection by popularity; ethOnly skips polygon.
func (g *gen) pickCollection(ethOnly bool) *collection {
	total := g.collCum[len(g.collCum)-1]
	for range 8 {
		i, _ := slices.BinarySearch(g.collCum, g.r.Float64()*total)
		i = min(i, len(g.colls)-1)
		c := &g.colls[i]
		if c.launch <= g.now && (!ethOnly || c.chain == chainEthereum) {
			return c
		}
	}
	return &g.colls[0]
}

// organicWallet draws an organic wallet, heavy-tailed: P(rank k) ∝ (20+k)^−1.1.
func (g *gen) organicWallet() uint32 { return uint32(g.zipf.Uint64()) }

func (g *gen) walletAddr(w uint32) datasets.Address {
	return deriveAddress(g.salt, kindWallet, uint64(w))
}

// newWashWallet allocates a fresh wallet funded as given.
func (g *gen) newWashWallet(f funding) uint32 {
	w := uint32(g.cfg.Wallets + len(g.washFun))
	g.washFun = append(g.washFun, f)
	return w
}

func (g *gen) schedule(t int64, ev event) {
	g.seq++
	g.events.push(item{t: t, seq: g.seq, ev: ev})
}

// run generates rows until cfg.Trades have been emitted or stop is set.
func (g *gen) run() {
	idle := 0
	for g.rows < g.cfg.Trades && !g.stop {
		next := int64(g.clock)
		if g.events.len() > 0 && g.events.top().t <= next {
			it := g.events.pop()
			g.now = max(g.now, it.t)
			it.ev.fire(g)
			continue
		}
		g.now = max(g.now, next)
		before := g.rows
		g.step()
		if g.rows == before {
			idle++
			if idle >= 64 && g.events.len() > 0 {
				// Every token is held by a campaign or a buy-back: skip to
				// the next event rather than spin.
				g.clock = max(g.clock, float64(g.events.top().t))
				idle = 0
				continue
			}
		} else {
			idle = 0
		}
		// At least 1 ms, so the clock always reaches pending events.
		g.clock += max(g.r.ExpFloat64()*g.meanGap, 1e-3)
	}
}

// step is one organic tick: either a new wash campaign (when the wash share
// is below target) or one organic trade.
func (g *gen) step() {
	if g.cfg.WashShare > 0 && float64(g.washRows+g.pendWash) < g.cfg.WashShare*float64(g.rows+1) {
		if g.startCampaign() {
			return
		}
	}
	if g.cfg.ERC20Share > 0 && g.r.Float64() < g.cfg.ERC20Share {
		g.organicSwap()
		return
	}
	g.organicSale()
}

// organicSale is a mint or a resale of an NFT, with the organic traps.
func (g *gen) organicSale() {
	c := g.pickCollection(false)
	var tok uint32
	ok := false
	for range 8 {
		tok = c.first + uint32(g.r.IntN(int(c.size)))
		if !g.locked[tok] {
			ok = true
			break
		}
	}
	if !ok {
		return
	}
	buyer := g.organicWallet()
	if g.owner[tok] == 0 {
		g.stats.Mints++
		g.nftRow(c, tok, datasets.Address{}, buyer, true, c.mint, currencyOf(c, false), "", false, true)
		return
	}
	seller := g.owner[tok] - 1
	if g.cfg.FriendRate > 0 && seller < uint32(g.cfg.Wallets) && g.r.Float64() < g.cfg.FriendRate {
		if friend, ok := g.friendOf(seller); ok {
			buyer = friend
			g.stats.FriendTrades++
		}
	}
	for i := 0; buyer == seller; i++ {
		if i == 4 {
			return
		}
		buyer = g.organicWallet()
	}
	price := c.floor.at(g.r, g.now) * math.Exp(0.08+0.3*g.r.NormFloat64())
	if g.r.Float64() < 0.02 {
		price *= 3 + 7*g.r.Float64()
	}
	bid := c.chain == chainEthereum && g.r.Float64() < 0.15
	platform := "opensea"
	if c.chain == chainEthereum {
		platform = pickPlatform(g.r)
	}
	g.nftSale(c, tok, seller, buyer, price, currencyOf(c, bid), platform, bid, false)
	if g.cfg.BuybackRate > 0 && g.r.Float64() < g.cfg.BuybackRate {
		g.stats.Buybacks++
		g.locked[tok] = true // the buyer holds it until the buy-back
		g.schedule(g.now+int64((60+120*g.r.Float64())*86400), &trap{kind: trapBuyback, tok: tok, from: buyer, to: seller})
		return
	}
	if g.cfg.RebuyRate > 0 && g.r.Float64() < g.cfg.RebuyRate {
		g.stats.Rebuys++
		g.schedule(g.now+int64((14+42*g.r.Float64())*86400), &trap{kind: trapRebuy, tok: tok, from: partyOwner, to: seller, notFrom: buyer})
	}
}

func currencyOf(c *collection, bid bool) string {
	if c.chain == chainPolygon {
		return "POL"
	}
	if bid {
		return "WETH"
	}
	return "ETH"
}

// friendOf returns another wallet of w's friend group, if w is in one.
// Friend groups are blocks of 4 consecutive organic wallets funded by one
// person (10% of blocks).
func (g *gen) friendOf(w uint32) (uint32, bool) {
	b := uint64(w / 4)
	if !g.friendBlock(b) {
		return 0, false
	}
	f := uint32(b*4) + uint32(g.r.IntN(4))
	if f == w || f >= uint32(g.cfg.Wallets) {
		return 0, false
	}
	return f, true
}

func (g *gen) friendBlock(b uint64) bool { return unit(g.salt, kindFriendFunder, b) < 0.1 }

// organicFunder is the first funder of organic wallet w: its friend group's
// funder, one of 6 exchanges (60%), or a funder of its own.
func (g *gen) organicFunder(w uint32) funding {
	t := g.start - int64((1+700*unit(g.salt, kindWallet, uint64(w)))*86400)
	if g.friendBlock(uint64(w / 4)) {
		return funding{kind: kindFriendFunder, idx: uint64(w / 4), t: t}
	}
	u := unit(g.salt, kindOwnFunder, uint64(w))
	if u < 0.6 {
		// Exchange fan-out is itself heavy-tailed: the first exchange funds most.
		e := uint64(math.Floor(6 * (u / 0.6) * (u / 0.6)))
		return funding{kind: kindExchange, idx: e, t: t}
	}
	return funding{kind: kindOwnFunder, idx: uint64(w), t: t}
}

// organicSwap is a buy from or a sell to an ERC-20's pool.
func (g *gen) organicSwap() {
	e := &g.erc[g.r.IntN(len(g.erc))]
	w := g.organicWallet()
	px := e.price.at(g.r, g.now)
	if bal := e.bal[w]; bal > 0 && g.r.Float64() < 0.45 {
		amt := max(int64(float64(bal)*(0.3+0.7*g.r.Float64())), 1)
		g.swapRow(e, w, partyPool, amt, px, "uniswap", false)
		return
	}
	eth := math.Exp(math.Log(0.5) + 1.2*g.r.NormFloat64())
	amt := max(int64(eth/px*100), 1)
	g.swapRow(e, partyPool, w, amt, px, "uniswap", false)
}

func (g *gen) markSeen(w uint32) {
	if w < uint32(g.cfg.Wallets) {
		g.seen[w/64] |= 1 << (w % 64)
	}
}

// swapRow emits an ERC-20 row of amt hundredths from seller to buyer (either
// may be partyPool) at px ETH per token, and moves balances.
func (g *gen) swapRow(e *erc20, seller, buyer uint32, amt int64, px float64, platform string, wash bool) {
	var sa, ba datasets.Address
	if seller == partyPool {
		sa = e.pool
	} else {
		sa = g.walletAddr(seller)
		e.bal[seller] -= amt
		if e.bal[seller] == 0 {
			delete(e.bal, seller)
		}
	}
	if buyer == partyPool {
		ba = e.pool
	} else {
		ba = g.walletAddr(buyer)
		e.bal[buyer] += amt
	}
	g.markSeen(seller)
	g.markSeen(buyer)
	from := ba
	if buyer == partyPool {
		from = sa
	}
	g.buf = appendFixed(g.buf[:0], amt, 2)
	amount := string(g.buf)
	price := float64(amt) / 100 * px
	g.row(chainEthereum, true, e.addr, "", datasets.ERC20, sa, ba, amount, price, "ETH", platform, from, wash)
}

// nftSale emits an NFT sale of token tok from seller to buyer (wallet ids).
func (g *gen) nftSale(c *collection, tok uint32, seller, buyer uint32, price float64, currency, platform string, sellerSends, wash bool) {
	g.markSeen(seller)
	g.nftRow(c, tok, g.walletAddr(seller), buyer, sellerSends, price, currency, platform, wash, true)
}

// nftRow emits an NFT row from seller (an address; zero for a mint) to wallet
// buyer and records the new owner.
func (g *gen) nftRow(c *collection, tok uint32, seller datasets.Address, buyer uint32, sellerSends bool, price float64, currency, platform string, wash, newTx bool) {
	g.markSeen(buyer)
	ba := g.walletAddr(buyer)
	from := ba
	if sellerSends && !seller.IsZero() {
		from = seller
	}
	g.owner[tok] = buyer + 1
	g.row(c.chain, newTx, c.addr, g.tokenID(c, tok), datasets.ERC721, seller, ba, "1", price, currency, platform, from, wash)
}

// row appends one row to the batch: block, log index, hash and price_usd are
// filled in here.
func (g *gen) row(chain int, newTx bool, contract datasets.Address, tokenID string, std datasets.Standard,
	seller, buyer datasets.Address, amount string, price float64, currency, platform string, txFrom datasets.Address, wash bool) {
	if g.rows >= g.cfg.Trades || g.stop {
		return
	}
	cs := &g.chains[chain]
	blk := cs.base + uint64((g.now-g.start)/cs.secs)
	switch {
	case !newTx && cs.started:
		cs.log++
	case blk != cs.lastBlock || !cs.started:
		cs.lastBlock = blk
		cs.log = uint32(g.r.IntN(40))
		cs.started = true
	default:
		cs.log += 1 + uint32(g.r.IntN(3))
	}
	if newTx || g.txCounter == 0 {
		g.txCounter++
	}
	if len(g.batch) == cap(g.batch) {
		var ok bool
		g.batch, ok = g.emitB(g.batch)
		if !ok {
			g.stop = true
			return
		}
	}
	g.batch = g.batch[:len(g.batch)+1]
	s := &g.batch[len(g.batch)-1]
	s.from = txFrom
	r := &s.row
	r.Chain = chainNames[chain]
	r.BlockTime = g.start + int64(blk-cs.base)*cs.secs
	r.BlockNumber = blk
	r.TxHash = deriveHash(g.salt, g.txCounter)
	r.LogIndex = cs.log
	r.Contract = contract
	r.TokenID = tokenID
	r.Standard = std
	r.Seller = seller
	r.Buyer = buyer
	r.Amount = amount
	r.Currency = currency
	r.Platform = platform
	r.TxFrom = &s.from
	p := int64(math.Round(price * 1e4))
	if price > 0 && p < 1 {
		p = 1
	}
	g.buf = appendFixed(g.buf[:0], p, 4)
	r.Price = string(g.buf)
	rate := g.ethUSD.at(g.r, g.now)
	if currency == "POL" {
		rate = g.polUSD.at(g.r, g.now)
	}
	g.buf = appendFixed(g.buf[:0], int64(math.Round(float64(p)/1e4*rate*100)), 2)
	r.PriceUSD = string(g.buf)
	r.Label = datasets.LabelOrganic
	g.rows++
	if wash {
		r.Label = datasets.LabelWash
		g.washRows++
		if g.pendWash > 0 {
			g.pendWash--
		}
	}
}
