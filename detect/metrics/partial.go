package metrics

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/features"
)

// Partial holds the metrics of some rows in a mergeable form: the exact
// sums, counts and distinct sets (by address, hash and token, never by a
// table's ids) of every scope, per window and per trend bucket, and the
// market-test sale prices. Partials of disjoint row sets, built with the
// same window (Options.Range and Options.AsOf), merge in any order and
// grouping into the Partial of their union; its Report equals Compute over
// one table of all the rows with the same verdicts (README "Slices").
//
// A Partial's size grows with the distinct scopes and flagged values of its
// rows: every wallet and nft with a row in either window is kept (whether it
// is listed depends on flagged rows other partials may hold).
type Partial struct {
	rng               Range
	asOf, lo, prevLo  int64
	first             int64 // earliest block_time of a current-window row
	hasFirst          bool
	market            [2]pacc
	plats             map[string]*[2]pacc
	colls             map[CollKey]*[2]pacc
	nfts              map[NFTKey]*[2]pacc
	wallets           map[datasets.Address]*[2]pacc
	tMarket           map[int64]*pacc // by fine bucket
	tPlats            map[string]map[int64]*pacc
	tColls            map[CollKey]map[int64]*pacc
	sales             map[SaleGroup][]float64
	stats             datasets.LoadStats
	fineLen, fineOrig int64
	// split: nfts and wallets hold only what flagged rows add (made by
	// NewSplitPartial); AddTotals adds the rest.
	split bool
	ids   *ids // the elements of the distinct sets
}

// CollKey is a collection: a contract on a chain.
type CollKey struct {
	Chain    string
	Contract datasets.Address
}

// NFTKey is an asset on a chain (TokenID "" for an ERC-20 contract).
type NFTKey struct {
	Chain    string
	Contract datasets.Address
	TokenID  string
}

type assetKey struct {
	Contract datasets.Address
	TokenID  string
}

// SaleGroup is the scope of a market-test sale: its collection and
// platform ("" none).
type SaleGroup struct {
	Coll     CollKey
	Platform string
}

// pacc is acc with distinct sets instead of counts.
type pacc struct {
	saleSums
	rows, flagged int64
	chain         string
	hasChain      bool
	mixed, hasUSD bool
	assets        set[uint32] // ids of Partial.ids
	txs           set[uint32]
	wallets       set[uint32]
}

func (a *pacc) merge(b *pacc) {
	a.saleSums.merge(&b.saleSums)
	a.rows += b.rows
	a.flagged += b.flagged
	if b.hasChain {
		if !a.hasChain {
			a.chain, a.hasChain = b.chain, true
		} else if a.chain != b.chain {
			a.mixed = true
		}
	}
	a.mixed = a.mixed || b.mixed
	a.hasUSD = a.hasUSD || b.hasUSD
	a.assets.union(&b.assets)
	a.txs.union(&b.txs)
	a.wallets.union(&b.wallets)
}

// counts returns the acc of a for metricsOf and level.
func (a *pacc) counts() acc {
	return acc{
		vol: a.vol, wvol: a.wvol, usd: a.usd, wusd: a.wusd,
		rows: int32(a.rows), sales: int32(a.sales), fsales: int32(a.fsales),
		assets: int32(a.assets.len()), txs: int32(a.txs.len()), wallets: int32(a.wallets.len()),
		mixed: a.mixed, hasUSD: a.hasUSD,
	}
}

// NewPartial returns an empty Partial for the window of opt, which must
// give the as_of (Options.HasAsOf): a slice cannot know the latest
// block_time of the whole input, so the caller finds it first (the global
// pass) or takes --as-of.
func NewPartial(opt Options) (*Partial, error) {
	if !opt.HasAsOf {
		return nil, fmt.Errorf("metrics: a Partial needs the as_of (Options.HasAsOf)")
	}
	asOf, lo, prevLo := Window(nil, opt)
	p := &Partial{rng: opt.Range, asOf: asOf, lo: lo, prevLo: prevLo,
		plats: map[string]*[2]pacc{}, colls: map[CollKey]*[2]pacc{}, nfts: map[NFTKey]*[2]pacc{},
		wallets: map[datasets.Address]*[2]pacc{}, tMarket: map[int64]*pacc{},
		tPlats: map[string]map[int64]*pacc{}, tColls: map[CollKey]map[int64]*pacc{},
		sales: map[SaleGroup][]float64{}, ids: newIDs()}
	// Fine buckets: the report's for a range; weeks from Monday for "all",
	// whose buckets are unions of them (2^k weeks from the same Monday).
	_, p.fineLen, _ = Buckets(Range{Seconds: opt.Range.Seconds}, asOf, asOf)
	if opt.Range.Seconds <= 0 {
		p.fineOrig = mondayEpoch
	}
	return p, nil
}

// NewSplitPartial returns an empty Partial (as NewPartial) whose nfts and
// wallets take only what their flagged rows add: a wallet or nft with no
// flagged row is never listed, so a partial of a large input need not hold
// every one. Once every row's verdict has been added, AddTotals over every
// row of the input (verdicts not needed) adds the rest for the nfts and
// wallets the partial holds; only then does it report what a Partial of
// NewPartial would. Split partials merge only with split partials.
func NewSplitPartial(opt Options) (*Partial, error) {
	p, err := NewPartial(opt)
	if p != nil {
		p.split = true
	}
	return p, err
}

func get[K comparable, V any](m map[K]*V, k K) *V {
	v := m[k]
	if v == nil {
		v = new(V)
		m[k] = v
	}
	return v
}

// Add adds the rows of fs for which own is true (nil: every row), with
// their verdicts flagged (len fs.N), to p. Rows outside both windows add
// nothing but the row count of the input block.
func (p *Partial) Add(fs *features.Set, flagged, own []bool) {
	t := fs.T
	var buf [6]*[2]pacc
	for _, r := range fs.Order {
		if own != nil && !own[r] {
			continue
		}
		p.stats.RowsRead++
		p.stats.RowsLoaded++
		tm := t.Time[r]
		w, ok := p.window(tm)
		if !ok {
			continue
		}
		chain := t.Chains.Value(t.Chain[r])
		contract := t.Addrs.Addr(fs.Contract[r])
		a := t.Asset[r]
		ak := assetKey{contract, t.Assets.TokenID[a]}
		coll := CollKey{chain, contract}
		plat := t.Platforms.Value(t.Platform[r])
		k := 0
		buf[k] = &p.market
		k++
		if t.Platform[r] != 0 {
			buf[k] = get(p.plats, plat)
			k++
		}
		buf[k] = get(p.colls, coll)
		k++
		full := k // scopes taking every row; then the nfts and wallets
		f := flagged[r]
		s, b := fs.Seller[r], fs.Buyer[r]
		var sa, ba datasets.Address
		if s != features.NoWallet {
			sa = t.Addrs.Addr(s)
		}
		if b != features.NoWallet {
			ba = t.Addrs.Addr(b)
		}
		if f || !p.split {
			buf[k] = get(p.nfts, NFTKey{chain, contract, ak.TokenID})
			k++
			if s != features.NoWallet {
				buf[k] = get(p.wallets, sa)
				k++
			}
			if b != features.NoWallet && b != s {
				buf[k] = get(p.wallets, ba)
				k++
			}
		}
		usd := t.PriceUSD[r]
		hasUSD := !math.IsNaN(usd)
		var fa, ftx, fsa, fba uint32 // a flagged row's set elements
		if f {
			fa, ftx = p.ids.asset(ak), p.ids.tx(t.TxHash[r])
			if s != features.NoWallet {
				fsa = p.ids.wallet(sa)
			}
			if b != features.NoWallet {
				fba = p.ids.wallet(ba)
			}
		}
		row := func(x *pacc, total bool) {
			if total {
				x.total(chain, t.Price[r], usd, fs.Sale[r], fs.Native[r], hasUSD)
				if fs.Sale[r] && f {
					x.addFlagged(t.Price[r], usd, fs.Native[r], hasUSD)
				}
			} else if fs.Sale[r] && f { // a split partial's nft or wallet
				x.addFlagged(t.Price[r], usd, fs.Native[r], hasUSD)
			}
			if !f {
				return
			}
			x.flagged++
			x.assets.add(fa)
			x.txs.add(ftx)
			if s != features.NoWallet {
				x.wallets.add(fsa)
			}
			if b != features.NoWallet {
				x.wallets.add(fba)
			}
		}
		for i, x := range buf[:k] {
			row(&x[w], i < full || !p.split)
		}
		if w != cur {
			continue
		}
		if !p.hasFirst || tm < p.first {
			p.first, p.hasFirst = tm, true
		}
		fb := floorDiv(tm-p.fineOrig, p.fineLen)
		row(get(p.tMarket, fb), true)
		if t.Platform[r] != 0 {
			m := p.tPlats[plat]
			if m == nil {
				m = map[int64]*pacc{}
				p.tPlats[plat] = m
			}
			row(get(m, fb), true)
		}
		m := p.tColls[coll]
		if m == nil {
			m = map[int64]*pacc{}
			p.tColls[coll] = m
		}
		row(get(m, fb), true)
		if x := t.Price[r]; fs.Sale[r] && fs.Native[r] && x > 0 && !math.IsInf(x, 0) {
			g := SaleGroup{coll, ""}
			if t.Platform[r] != 0 {
				g.Platform = plat
			}
			p.sales[g] = append(p.sales[g], x)
		}
	}
}

// total adds what any row adds to x, flagged or not: its count, chain,
// and its sale's totals (addTotal) when sale.
func (x *pacc) total(chain string, price, usd float64, sale, native, hasUSD bool) {
	x.rows++
	if !x.hasChain {
		x.chain, x.hasChain = chain, true
	} else if x.chain != chain {
		x.mixed = true
	}
	if hasUSD {
		x.hasUSD = true
	}
	if sale {
		x.addTotal(price, usd, native, hasUSD)
	}
}

// AddTotals adds, for a partial of NewSplitPartial, what the rows of fs
// add to the nfts and wallets p holds whatever their verdicts: counts,
// chains, sale totals. Give it every row of the input exactly once
// (tables of whole files, say), after every verdict has been added.
func (p *Partial) AddTotals(fs *features.Set) {
	t := fs.T
	for r := range t.Len() {
		w, ok := p.window(t.Time[r])
		if !ok {
			continue
		}
		chain := t.Chains.Value(t.Chain[r])
		contract := t.Addrs.Addr(fs.Contract[r])
		usd := t.PriceUSD[r]
		hasUSD := !math.IsNaN(usd)
		add := func(x *[2]pacc) {
			if x != nil {
				x[w].total(chain, t.Price[r], usd, fs.Sale[r], fs.Native[r], hasUSD)
			}
		}
		add(p.nfts[NFTKey{chain, contract, t.Assets.TokenID[t.Asset[r]]}])
		s, b := fs.Seller[r], fs.Buyer[r]
		if s != features.NoWallet {
			add(p.wallets[t.Addrs.Addr(s)])
		}
		if b != features.NoWallet && b != s {
			add(p.wallets[t.Addrs.Addr(b)])
		}
	}
}

// Merge adds the rows of q to p; q must have the same window. q is not
// changed but p may share storage with it afterwards: do not use q again.
func (p *Partial) Merge(q *Partial) error {
	if p.rng != q.rng || p.asOf != q.asOf {
		return fmt.Errorf("metrics: merging partials of different windows (%s to %d, %s to %d)", p.rng.Name, p.asOf, q.rng.Name, q.asOf)
	}
	if p.split != q.split {
		return fmt.Errorf("metrics: merging a split partial with a whole one")
	}
	if q.ids != p.ids {
		q.renumber(p.ids)
	}
	if q.hasFirst && (!p.hasFirst || q.first < p.first) {
		p.first, p.hasFirst = q.first, true
	}
	for w := range p.market {
		p.market[w].merge(&q.market[w])
	}
	mergeScopes(p.plats, q.plats)
	mergeScopes(p.colls, q.colls)
	mergeScopes(p.nfts, q.nfts)
	mergeScopes(p.wallets, q.wallets)
	mergeBuckets(p.tMarket, q.tMarket)
	for k, m := range q.tPlats {
		if p.tPlats[k] == nil {
			p.tPlats[k] = map[int64]*pacc{}
		}
		mergeBuckets(p.tPlats[k], m)
	}
	for k, m := range q.tColls {
		if p.tColls[k] == nil {
			p.tColls[k] = map[int64]*pacc{}
		}
		mergeBuckets(p.tColls[k], m)
	}
	for g, xs := range q.sales {
		p.sales[g] = append(p.sales[g], xs...)
	}
	p.stats.RowsRead += q.stats.RowsRead
	p.stats.RowsLoaded += q.stats.RowsLoaded
	p.stats.RowsRejected += q.stats.RowsRejected
	p.stats.RowsDuplicate += q.stats.RowsDuplicate
	return nil
}

// renumber moves the elements of q's sets to the ids of d, changing q.
func (q *Partial) renumber(d *ids) {
	tx, asset, wallet := d.remap(q.ids)
	fix := func(a *pacc) {
		a.txs.mapped(func(i uint32) uint32 { return tx[i] })
		a.assets.mapped(func(i uint32) uint32 { return asset[i] })
		a.wallets.mapped(func(i uint32) uint32 { return wallet[i] })
	}
	scopes := func(x *[2]pacc) { fix(&x[0]); fix(&x[1]) }
	scopes(&q.market)
	for _, x := range q.plats {
		scopes(x)
	}
	for _, x := range q.colls {
		scopes(x)
	}
	for _, x := range q.nfts {
		scopes(x)
	}
	for _, x := range q.wallets {
		scopes(x)
	}
	buckets := func(m map[int64]*pacc) {
		for _, a := range m {
			fix(a)
		}
	}
	buckets(q.tMarket)
	for _, m := range q.tPlats {
		buckets(m)
	}
	for _, m := range q.tColls {
		buckets(m)
	}
	q.ids = d
}

func mergeScopes[K comparable](p, q map[K]*[2]pacc) {
	for k, b := range q {
		a := p[k]
		if a == nil {
			p[k] = b
			continue
		}
		a[0].merge(&b[0])
		a[1].merge(&b[1])
	}
}

func mergeBuckets(p, q map[int64]*pacc) {
	for k, b := range q {
		if a := p[k]; a == nil {
			p[k] = b
		} else {
			a.merge(b)
		}
	}
}

// Sales returns the market-test sale prices of the current window (native
// currency, price > 0 and finite) by scope, for markettest.RunGroups.
func (p *Partial) Sales() map[SaleGroup][]float64 { return p.sales }

// Stats returns the row accounting of the rows added (rows loaded).
func (p *Partial) Stats() datasets.LoadStats { return p.stats }

// Report returns the metrics document of the rows of p, equal to Compute's
// over one table of the same rows and verdicts. opt gives Provenance,
// Top, Files and Tests; its window must be p's. The input block's
// counts are p's unless opt.Stats is set.
func (p *Partial) Report(opt Options, stats *datasets.LoadStats) (*Report, error) {
	if opt.Range != p.rng || !opt.HasAsOf || opt.AsOf != p.asOf {
		return nil, fmt.Errorf("metrics: report window differs from the partial's")
	}
	rep := &Report{
		Washscan:     opt.Provenance,
		AsOf:         time.Unix(p.asOf, 0).UTC().Format(time.RFC3339),
		TimeRange:    opt.Range.Name,
		Input:        InputInfo{Files: opt.Files, LoadStats: p.stats},
		Marketplaces: []Marketplace{},
		Collections:  []Collection{},
		Wallets:      []Wallet{},
		NFTs:         []NFT{},
		Tests:        opt.Tests,
	}
	if stats != nil {
		rep.Input.LoadStats = *stats
	}
	if rep.Input.Files == nil {
		rep.Input.Files = []string{}
	}
	if rep.Washscan.Params == nil {
		rep.Washscan.Params = map[string]string{}
	}
	if rep.Tests == nil {
		rep.Tests = struct{}{}
	}
	all := opt.Range.Seconds <= 0
	m := func(x *[2]pacc) Metrics {
		c, q := x[cur].counts(), x[prev].counts()
		return metricsOf(&c, &q, all)
	}
	listed := func(x *[2]pacc) bool { return x[cur].rows > 0 || x[prev].rows > 0 }
	rep.Market.Metrics = m(&p.market)
	for name, x := range p.plats {
		if listed(x) {
			rep.Marketplaces = append(rep.Marketplaces, Marketplace{Platform: name, Metrics: m(x)})
		}
	}
	for k, x := range p.colls {
		if listed(x) {
			rep.Collections = append(rep.Collections, Collection{Blockchain: k.Chain, ContractAddress: k.Contract.String(), Metrics: m(x)})
		}
	}
	for k, x := range p.nfts {
		if x[cur].flagged > 0 {
			rep.NFTs = append(rep.NFTs, NFT{Blockchain: k.Chain, ContractAddress: k.Contract.String(), TokenID: k.TokenID, Metrics: m(x)})
		}
	}
	for k, x := range p.wallets {
		if x[cur].flagged > 0 {
			rep.Wallets = append(rep.Wallets, Wallet{Wallet: k.String(), Metrics: m(x)})
		}
	}
	sortLists(rep)
	// Trends: market, marketplaces, the first Top collections.
	first := p.first
	if !all {
		first = p.lo
	}
	tr := &bucketer{p: p, any: p.hasFirst}
	if tr.any {
		tr.start, tr.size, tr.n = Buckets(opt.Range, first, p.asOf)
		tr.dates = make([]string, tr.n)
		for i := range tr.dates {
			tr.dates[i] = time.Unix(tr.start+int64(i)*tr.size, 0).UTC().Format(time.RFC3339)
		}
	}
	c := p.market[cur].counts()
	rep.Market.Trends = tr.trends(p.tMarket, &c)
	for i := range rep.Marketplaces {
		e := &rep.Marketplaces[i]
		c := p.plats[e.Platform][cur].counts()
		e.Trends = tr.trends(p.tPlats[e.Platform], &c)
	}
	k := len(rep.Collections)
	if opt.Top > 0 {
		k = min(k, opt.Top)
	}
	for i := range rep.Collections[:k] {
		e := &rep.Collections[i]
		var key CollKey
		key.Chain = e.Blockchain
		addr, err := datasets.ParseAddress(e.ContractAddress)
		if err != nil {
			return nil, err
		}
		key.Contract = addr
		c := p.colls[key][cur].counts()
		e.Trends = tr.trends(p.tColls[key], &c)
	}
	if opt.Top > 0 {
		if len(rep.Wallets) > opt.Top {
			rep.Wallets = rep.Wallets[:opt.Top]
		}
		if len(rep.NFTs) > opt.Top {
			rep.NFTs = rep.NFTs[:opt.Top]
		}
	}
	return rep, nil
}

// sortLists sorts the lists of rep as Compute does.
func sortLists(rep *Report) {
	slices.SortFunc(rep.Marketplaces, func(a, b Marketplace) int {
		return cmp.Or(byVolume(&a.Metrics, &b.Metrics), cmp.Compare(a.Platform, b.Platform))
	})
	slices.SortFunc(rep.Collections, func(a, b Collection) int {
		return cmp.Or(byVolume(&a.Metrics, &b.Metrics), cmp.Compare(a.Blockchain, b.Blockchain),
			cmp.Compare(a.ContractAddress, b.ContractAddress))
	})
	slices.SortFunc(rep.Wallets, func(a, b Wallet) int {
		return cmp.Or(byVolume(&a.Metrics, &b.Metrics), cmp.Compare(a.Wallet, b.Wallet))
	})
	slices.SortFunc(rep.NFTs, func(a, b NFT) int {
		return cmp.Or(byVolume(&a.Metrics, &b.Metrics), cmp.Compare(a.Blockchain, b.Blockchain),
			cmp.Compare(a.ContractAddress, b.ContractAddress), datasets.CompareTokenIDs(a.TokenID, b.TokenID))
	})
}

// bucketer turns fine buckets into the report's trend buckets.
type bucketer struct {
	p           *Partial
	any         bool
	start, size int64
	n           int
	dates       []string
}

func (tr *bucketer) trends(fine map[int64]*pacc, a *acc) *Trends {
	if !tr.any {
		return renderTrends(nil, nil, a)
	}
	bs := make([]pacc, tr.n)
	for fb, x := range fine {
		at := tr.p.fineOrig + fb*tr.p.fineLen
		bs[(at-tr.start)/tr.size].merge(x)
	}
	bk := make([]bucket, tr.n)
	for i := range bs {
		x := &bs[i]
		bk[i] = bucket{saleSums: x.saleSums,
			assets: int64(x.assets.len()), txs: int64(x.txs.len()), wallets: int64(x.wallets.len()), hasUSD: x.hasUSD}
	}
	return renderTrends(tr.dates, bk, a)
}

// window says which window (cur or prev) a row at time tm counts in, and
// false for a row after asOf or before the previous window.
func (p *Partial) window(tm int64) (int, bool) {
	switch {
	case tm > p.asOf:
		return 0, false
	case tm > p.lo:
		return cur, true
	case tm > p.prevLo:
		return prev, true
	}
	return 0, false
}
