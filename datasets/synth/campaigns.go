package synth

import (
	"math"

	"github.com/washscan/washscan/datasets"
)

// event is something scheduled on the market's clock.
type event interface{ fire(g *gen) }

type item struct {
	t   int64
	seq uint64 // ties broken by scheduling order, for determinism
	ev  event
}

// evHeap is a binary min-heap of events by (t, seq).
type evHeap struct{ a []item }

func (h *evHeap) len() int   { return len(h.a) }
func (h *evHeap) top() *item { return &h.a[0] }

func (h *evHeap) less(i, j int) bool {
	if h.a[i].t != h.a[j].t {
		return h.a[i].t < h.a[j].t
	}
	return h.a[i].seq < h.a[j].seq
}

func (h *evHeap) push(it item) {
	h.a = append(h.a, it)
	for i := len(h.a) - 1; i > 0; {
		p := (i - 1) / 2
		if !h.less(i, p) {
			break
		}
		h.a[i], h.a[p] = h.a[p], h.a[i]
		i = p
	}
}

func (h *evHeap) pop() item {
	it := h.a[0]
	n := len(h.a) - 1
	h.a[0] = h.a[n]
	h.a[n] = item{}
	h.a = h.a[:n]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < n && h.less(l, m) {
			m = l
		}
		if r < n && h.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		h.a[i], h.a[m] = h.a[m], h.a[i]
		i = m
	}
	return it
}

// Trap kinds: organic patterns that look like wash trading.
const (
	trapBuyback = iota
	trapRebuy
)

// trap is an organic sale scheduled long after the sale that set it up: a
// buy-back (from holds the token for months, then sells it back to to) or a
// flipper's rebuy (to buys the token again from whoever holds it weeks later;
// if that is still notFrom, the market first moves it on once). A rebuy is
// dropped when the token is in a campaign by then.
type trap struct {
	kind     int
	tok      uint32
	from, to uint32
	notFrom  uint32
}

func (tr *trap) fire(g *gen) {
	if tr.kind == trapBuyback {
		g.locked[tr.tok] = false // held since the sale that set it up
	}
	if g.locked[tr.tok] || g.owner[tr.tok] == 0 {
		return
	}
	owner := g.owner[tr.tok] - 1
	c := g.collectionOf(tr.tok)
	if tr.kind == trapRebuy && owner == tr.notFrom && owner != tr.to {
		// The token has not moved on since the flipper sold it: let the
		// market move it once (organic), then the flipper buys it back from
		// the new holder days later.
		buyer := g.organicWallet()
		if buyer == owner || buyer == tr.to {
			return
		}
		g.nftSale(c, tr.tok, owner, buyer, c.floor.at(g.r, g.now)*math.Exp(0.05+0.3*g.r.NormFloat64()), currencyOf(c, false), pickPlatform(g.r), false, false)
		tr.notFrom = partyOutside
		g.schedule(g.now+int64((3+17*g.r.Float64())*86400), tr)
		return
	}
	if (tr.from != partyOwner && owner != tr.from) || owner == tr.to || (tr.from == partyOwner && owner == tr.notFrom) {
		return
	}
	price := c.floor.at(g.r, g.now) * math.Exp(0.05+0.3*g.r.NormFloat64())
	platform := "opensea"
	if c.chain == chainEthereum {
		platform = pickPlatform(g.r)
	}
	g.nftSale(c, tr.tok, owner, tr.to, price, currencyOf(c, false), platform, false, false)
	if tr.kind == trapBuyback {
		g.stats.BuybacksDone++
	} else {
		g.stats.RebuysDone++
	}
}

// Campaign kinds, in Mix order.
const (
	campSelf = iota
	campPingPong
	campRing
	campRingTokens
	campFarming
	campSameTx
	campChurn
	numCampaigns
)

// CampaignNames names the campaign kinds as Stats.Campaigns counts them.
var CampaignNames = [numCampaigns]string{"self_trade", "ping_pong", "ring", "ring_tokens", "reward_farming", "same_tx", "erc20_churn"}

// leg is one planned row of a campaign. NFT legs are sold by the token's
// owner when the leg fires; ERC-20 legs name both sides.
type leg struct {
	t      int64
	tok    uint32 // NFT token, or ERC-20 index when erc
	erc    bool
	from   uint32 // ERC-20 seller (wallet or partyPool)
	to     uint32 // buyer: wallet, partyPool or partyOutside
	amt    int64  // ERC-20 amount in hundredths, or partyAll
	wash   bool
	sameTx bool // in the transaction of the previous leg
	sends  bool // the seller sends the transaction
}

// campaign is a planned wash pattern: organic buy-ins, wash legs, organic
// sell-outs. Its tokens are locked from planning to the last leg.
type campaign struct {
	kind           int
	legs           []leg
	i              int
	platform       string
	currency       string
	premLo, premHi float64
	tokens         []uint32
	members        []uint32 // the campaign's wallets
	reused         bool     // members are organic wallets
}

func (c *campaign) fire(g *gen) {
	for first := true; c.i < len(c.legs); first = false {
		l := &c.legs[c.i]
		if !first && !l.sameTx {
			break
		}
		g.emitLeg(c, l)
		c.i++
	}
	if c.i < len(c.legs) {
		g.schedule(max(c.legs[c.i].t, g.now), c)
		return
	}
	for _, t := range c.tokens {
		g.locked[t] = false
	}
}

func (g *gen) emitLeg(c *campaign, l *leg) {
	r := g.r
	if l.erc {
		e := &g.erc[l.tok]
		amt := l.amt
		if amt == partyAll {
			amt = e.bal[l.from]
		}
		if amt <= 0 {
			return
		}
		platform := "uniswap"
		g.swapRow(e, l.from, l.to, amt, e.price.at(r, g.now), platform, l.wash)
		return
	}
	col := g.collectionOf(l.tok)
	seller := g.owner[l.tok] - 1
	buyer := l.to
	if buyer == partyOutside {
		buyer = g.organicWallet()
		for i := 0; (buyer == seller || contains(c.members, buyer)) && i < 64; i++ {
			buyer = g.organicWallet()
		}
	}
	floor := col.floor.at(r, g.now)
	if !l.wash {
		bid := r.Float64() < 0.15
		g.nftSale(col, l.tok, seller, buyer, floor*math.Exp(0.03+0.2*r.NormFloat64()), currencyOf(col, bid), pickPlatform(r), bid, false)
		return
	}
	price := floor * (c.premLo + (c.premHi-c.premLo)*r.Float64()) * math.Exp(0.05*r.NormFloat64())
	g.markSeen(seller)
	g.nftRow(col, l.tok, g.walletAddr(seller), buyer, l.sends, price, c.currency, c.platform, true, !l.sameTx)
}

// pickToken finds a minted token that no campaign holds, in collection c
// (nil: any Ethereum collection).
func (g *gen) pickToken(c *collection, exclude []uint32) (uint32, bool) {
	for range 24 {
		cc := c
		if cc == nil {
			cc = g.pickCollection(true)
		}
		if cc.chain != chainEthereum {
			continue
		}
		tok := cc.first + uint32(g.r.IntN(int(cc.size)))
		if g.owner[tok] != 0 && !g.locked[tok] && !contains(exclude, tok) {
			return tok, true
		}
	}
	return 0, false
}

func contains(s []uint32, v uint32) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// Funding modes of wash groups.
const (
	fundShared   = iota // one fresh funder for the whole group
	fundDistinct        // a fresh funder per wallet
	fundExchange        // an exchange (indistinguishable from organic users)
	fundChain           // the first wallet funds the others
	fundOrganic         // active organic wallets washing on the side
	numFundModes
)

// FundingNames names the funding modes as Stats.Funding counts them.
var FundingNames = [numFundModes]string{"shared_funder", "distinct_funders", "exchange", "chain", "organic_wallets"}

// group returns k wallets for a wash campaign. With probability 0.2 (when
// mayReuse) they are existing organic wallets that also trade organically;
// otherwise fresh wallets funded 1 h–3 d before now.
//
// Organic members never own the campaign's tokens (owners) beforehand, and
// their campaign always sells its tokens out, so every trade between members
// is inside the labeled pattern.
func (g *gen) group(c *campaign, k int, mayReuse bool, owners []uint32) []uint32 {
	r := g.r
	if mayReuse && r.Float64() < 0.2 {
		ws := make([]uint32, 0, k)
		for tries := 0; len(ws) < k && tries < 64; tries++ {
			// Active but not the very top: ranks drawn from the Zipf tail.
			w := g.organicWallet() + uint32(r.IntN(min(1000, g.cfg.Wallets)))
			if w < uint32(g.cfg.Wallets) && !contains(ws, w) && !contains(owners, w) {
				ws = append(ws, w)
			}
		}
		if len(ws) == k {
			g.stats.Funding[fundOrganic]++
			c.members, c.reused = ws, true
			return ws
		}
	}
	u := r.Float64()
	mode := fundShared
	switch {
	case u < 0.35:
	case u < 0.60:
		mode = fundDistinct
	case u < 0.85:
		mode = fundExchange
	default:
		mode = fundChain
	}
	g.stats.Funding[mode]++
	t := g.now - int64((1.0/24+3*r.Float64())*86400)
	shared := g.stats.WashFunders
	if mode == fundShared || mode == fundChain {
		g.stats.WashFunders++
	}
	ex := uint64(r.IntN(6))
	ws := make([]uint32, k)
	for i := range ws {
		f := funding{kind: kindWashFunder, idx: uint64(shared), t: t + int64(i)*int64(60+r.IntN(3600))}
		switch {
		case mode == fundDistinct:
			f.idx = uint64(g.stats.WashFunders)
			g.stats.WashFunders++
		case mode == fundExchange:
			f.kind, f.idx = kindExchange, ex
		case mode == fundChain && i > 0:
			f.kind, f.idx = kindWallet, uint64(ws[0])
		}
		ws[i] = g.newWashWallet(f)
	}
	c.members = ws
	return ws
}

// gap returns a delay drawn from Exp(mean) but at least floor seconds.
func (g *gen) gap(mean, floor float64) int64 {
	return int64(max(g.r.ExpFloat64()*mean, floor))
}

const (
	minute = 60.0
	hour   = 3600.0
	day    = 86400.0
)

// startCampaign plans one wash campaign of a kind drawn from the mix. It
// reports false when no suitable token was free.
func (g *gen) startCampaign() bool {
	r := g.r
	w := g.cfg.Mix.weights()
	if len(g.erc) == 0 {
		w[campChurn] = 0
	}
	total := 0.0
	for _, x := range w {
		total += x
	}
	u := r.Float64() * total
	kind := 0
	for kind < numCampaigns-1 && u >= w[kind] {
		u -= w[kind]
		kind++
	}
	c := &campaign{kind: kind, platform: platforms[r.IntN(len(platforms))], currency: "ETH"}
	if r.Float64() < 0.2 {
		c.currency = "WETH"
	}
	c.premLo, c.premHi = 1.2, 3.0
	if r.Float64() < 0.35 {
		c.premLo, c.premHi = 0.92, 1.08
	}
	t := g.now
	buyIn := func(tok, to uint32) {
		c.legs = append(c.legs, leg{t: t, tok: tok, to: to})
		t += g.gap(20*minute, 30)
	}
	washLeg := func(tok, to uint32, mean float64) {
		t += g.gap(mean, 5*minute)
		c.legs = append(c.legs, leg{t: t, tok: tok, to: to, wash: true})
	}
	sellOut := func(tok uint32, p float64) {
		if r.Float64() < p || c.reused {
			t += g.gap(2*day, hour)
			c.legs = append(c.legs, leg{t: t, tok: tok, to: partyOutside})
		}
	}
	// pairIn picks a token and two wallets, the first of which buys it in.
	pairIn := func() (uint32, []uint32, bool) {
		tok, ok := g.pickToken(nil, nil)
		if !ok {
			return 0, nil, false
		}
		ws := g.group(c, 2, true, []uint32{g.owner[tok] - 1})
		buyIn(tok, ws[0])
		return tok, ws, true
	}
	switch kind {
	case campSelf:
		tok, ok := g.pickToken(nil, nil)
		if !ok {
			return false
		}
		owner := g.owner[tok] - 1
		c.legs = append(c.legs, leg{t: t, tok: tok, to: owner, wash: true})
		c.tokens = []uint32{tok}
	case campPingPong:
		tok, ws, ok := pairIn()
		if !ok {
			return false
		}
		for i := range 2 + r.IntN(7) {
			washLeg(tok, ws[(i+1)%2], 10*hour)
		}
		sellOut(tok, 0.7)
		c.tokens = []uint32{tok}
	case campRing:
		tok, ok := g.pickToken(nil, nil)
		if !ok {
			return false
		}
		k := 3 + r.IntN(4)
		ws := g.group(c, k, true, []uint32{g.owner[tok] - 1})
		buyIn(tok, ws[0])
		for j := range k * (1 + r.IntN(3)) {
			washLeg(tok, ws[(j+1)%k], 4*hour)
		}
		sellOut(tok, 0.7)
		c.tokens = []uint32{tok}
	case campRingTokens:
		k := 3 + r.IntN(4)
		col := g.pickCollection(true)
		toks := make([]uint32, 0, k)
		for range k {
			tok, ok := g.pickToken(col, toks)
			if !ok {
				return false
			}
			toks = append(toks, tok)
		}
		ws := g.group(c, k, true, g.ownersOf(toks))
		hold := make([]uint32, k) // hold[i]: token held by wallet i
		for i, tok := range toks {
			buyIn(tok, ws[i])
			hold[i] = tok
		}
		for range 1 + r.IntN(3) {
			t += g.gap(6*hour, 10*minute)
			for i := range k {
				washLeg(hold[i], ws[(i+1)%k], 15*minute)
			}
			last := hold[k-1]
			copy(hold[1:], hold[:k-1])
			hold[0] = last
		}
		for _, tok := range toks {
			sellOut(tok, 0.7)
		}
		c.tokens = toks
	case campFarming:
		switch u := r.Float64(); {
		case u < 0.45:
			c.platform = "looksrare"
		case u < 0.9:
			c.platform = "blur"
		default:
			c.platform = "x2y2"
		}
		if c.platform == "looksrare" {
			c.currency = "WETH"
		}
		m := 3 + r.IntN(8)
		col := g.pickCollection(true)
		toks := make([]uint32, 0, m)
		for range m {
			tok, ok := g.pickToken(col, toks)
			if !ok {
				break
			}
			toks = append(toks, tok)
		}
		if len(toks) < 2 {
			return false
		}
		k := 2 + r.IntN(3)
		ws := g.group(c, k, true, g.ownersOf(toks))
		hold := make([]int, len(toks)) // member index holding each token
		for j, tok := range toks {
			hold[j] = j % k
			buyIn(tok, ws[hold[j]])
		}
		n := len(toks) * (2 + r.IntN(4))
		mean := (1 + 4*r.Float64()) * day / float64(n)
		for range n {
			j := r.IntN(len(toks))
			to := (hold[j] + 1 + r.IntN(k-1)) % k
			washLeg(toks[j], ws[to], mean)
			hold[j] = to
		}
		for _, tok := range toks {
			sellOut(tok, 0.5)
		}
		c.tokens = toks
	case campSameTx:
		tok, ws, ok := pairIn()
		if !ok {
			return false
		}
		for range 1 + r.IntN(3) {
			washLeg(tok, ws[1], 6*hour)
			c.legs[len(c.legs)-1].sends = true
			c.legs = append(c.legs, leg{t: t, tok: tok, to: ws[0], wash: true, sameTx: true})
		}
		sellOut(tok, 0.7)
		c.tokens = []uint32{tok}
	case campChurn:
		e := &g.erc[r.IntN(len(g.erc))]
		k := 2 + r.IntN(4)
		ws := g.group(c, k, false, nil)
		px := e.price.at(r, g.now)
		minQ := int64(math.MaxInt64)
		for _, w := range ws {
			q := max(int64(math.Exp(math.Log(2)+r.NormFloat64())/px*100), 100)
			minQ = min(minQ, q)
			c.legs = append(c.legs, leg{t: t, tok: uint32(e.idx), erc: true, from: partyPool, to: w, amt: q})
			t += g.gap(20*minute, 30)
		}
		erc := func(from, to uint32, q int64, mean float64) {
			t += g.gap(mean, 2*minute)
			c.legs = append(c.legs, leg{t: t, tok: uint32(e.idx), erc: true, from: from, to: to, amt: q, wash: true})
		}
		for range 2 + r.IntN(7) {
			q := max(int64(float64(minQ)*(0.3+0.7*r.Float64())), 1)
			t += g.gap(8*hour, 10*minute)
			if r.Float64() < 0.5 {
				a := r.IntN(k)
				b := (a + 1 + r.IntN(k-1)) % k
				erc(ws[a], ws[b], q, 10*minute)
				erc(ws[b], ws[a], q, hour)
			} else {
				for i := range k {
					erc(ws[i], ws[(i+1)%k], q, 10*minute)
				}
			}
		}
		for _, w := range ws {
			if r.Float64() < 0.6 {
				t += g.gap(day, hour)
				c.legs = append(c.legs, leg{t: t, tok: uint32(e.idx), erc: true, from: w, to: partyPool, amt: partyAll})
			}
		}
	}
	g.stats.Campaigns[kind]++
	for _, tok := range c.tokens {
		g.locked[tok] = true
	}
	for _, l := range c.legs {
		if l.wash {
			g.pendWash++
		}
	}
	g.schedule(c.legs[0].t, c)
	return true
}

// funderAddress is the address of a funding record.
func (g *gen) funderAddress(f funding) datasets.Address {
	return deriveAddress(g.salt, int(f.kind), f.idx)
}

// ownersOf returns the owners (wallet ids) of toks.
func (g *gen) ownersOf(toks []uint32) []uint32 {
	o := make([]uint32, len(toks))
	for i, t := range toks {
		o[i] = g.owner[t] - 1
	}
	return o
}
