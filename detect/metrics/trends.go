package metrics

import (
	"time"

	"github.com/washscan/washscan/features"
)

// Trends are the per-bucket figures of a scope (README "Trends"; the
// contract is docs/contract.md §3.1): block_dates lists the bucket starts,
// and each *_trend one number per bucket. A trend whose window figure is
// null is all null; a USD figure is null in a bucket without a price_usd.
type Trends struct {
	BlockDates                        []string   `json:"block_dates"`
	WashtradeAssetsTrend              []int64    `json:"washtrade_assets_trend"`
	WashtradeSuspectSalesTrend        []int64    `json:"washtrade_suspect_sales_trend"`
	WashtradeSuspectTransactionsTrend []int64    `json:"washtrade_suspect_transactions_trend"`
	WashtradeVolumeTrend              []*float64 `json:"washtrade_volume_trend"`
	WashtradeVolumeUSDTrend           []*float64 `json:"washtrade_volume_usd_trend"`
	WashtradeWalletsTrend             []int64    `json:"washtrade_wallets_trend"`
	TotalSalesTrend                   []int64    `json:"total_sales_trend"`
	TotalVolumeTrend                  []*float64 `json:"total_volume_trend"`
	TotalVolumeUSDTrend               []*float64 `json:"total_volume_usd_trend"`
}

// MaxBuckets is the most weekly buckets of the range "all" before the
// bucket length doubles.
const MaxBuckets = 520

// mondayEpoch is Monday 1970-01-05 00:00 UTC, the origin of weekly buckets.
const mondayEpoch = 4 * 86400

// Buckets returns the trend buckets of a window: the start of the first
// (unix seconds), the length L in seconds and their number. A window ends at
// asOf; lo is the start of (lo, asOf] for a range, and for "all" (rng.Seconds
// = 0) the earliest block_time ≤ asOf. Buckets are [start, start+L) in UTC:
// hours for 24h; days for 7d, 30d and 90d; weeks from Monday for all,
// doubled (2, 4, 8 … weeks from Monday 1970-01-05) until at most MaxBuckets
// are needed. They run from the bucket holding the window's first instant to
// the one holding asOf.
func Buckets(rng Range, lo, asOf int64) (start, length int64, n int) {
	var origin int64
	switch {
	case rng.Seconds <= 0:
		length, origin = 7*86400, mondayEpoch
	case rng.Seconds <= 86400:
		length = 3600
	default:
		length = 86400
	}
	for {
		start = origin + floorDiv(lo-origin, length)*length
		last := origin + floorDiv(asOf-origin, length)*length
		n = int((last-start)/length) + 1
		if rng.Seconds > 0 || n <= MaxBuckets {
			return start, length, n
		}
		length *= 2
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// bucket accumulates one scope in one bucket.
type bucket struct {
	saleSums
	assets, txs, wallets int64
	hasUSD               bool
}

// saleSums are the sale counts and volumes a bucket and a pacc share.
type saleSums struct {
	vol, wvol, usd, wusd Sum
	sales, fsales        int64
}

// addSale adds one sale at price (native currency, counted in vol only when
// native) and usd (counted only when hasUSD); a flagged sale also counts in
// fsales, wvol and wusd.
func (b *saleSums) addSale(price, usd float64, native, hasUSD, flagged bool) {
	b.addTotal(price, usd, native, hasUSD)
	if flagged {
		b.addFlagged(price, usd, native, hasUSD)
	}
}

// addTotal is the part of addSale that every sale adds.
func (b *saleSums) addTotal(price, usd float64, native, hasUSD bool) {
	b.sales++
	if native {
		b.vol.Add(price)
	}
	if hasUSD {
		b.usd.Add(usd)
	}
}

// addFlagged is the part of addSale that only a flagged sale adds.
func (b *saleSums) addFlagged(price, usd float64, native, hasUSD bool) {
	b.fsales++
	if native {
		b.wvol.Add(price)
	}
	if hasUSD {
		b.wusd.Add(usd)
	}
}

// merge adds o's sales to b.
func (b *saleSums) merge(o *saleSums) {
	b.vol.Merge(&o.vol)
	b.wvol.Merge(&o.wvol)
	b.usd.Merge(&o.usd)
	b.wusd.Merge(&o.wusd)
	b.sales += o.sales
	b.fsales += o.fsales
}

// trender computes the trends of the scopes of one Compute. Its fields
// are read only once made; each goroutine computing trends has its own
// trendScratch.
type trender struct {
	c           *computer
	start, size int64
	n           int
	dates       []string
	flagged     []int32 // the flagged window rows, in canonical order
	txOf        []int32 // tx id of each flagged window row, by row (computer.txOf)
	ntx         int
}

// trendScratch is the working memory of one goroutine computing trends:
// the buckets of the scope at hand and the stamps of the distinct counts.
type trendScratch struct {
	bk          []bucket
	stampAsset  []int32
	stampTx     []int32
	stampWallet []int32
	epoch       int32
}

// scratch returns new working memory for tr's trends.
func (tr *trender) scratch() *trendScratch {
	if tr.n == 0 {
		return &trendScratch{}
	}
	t := tr.c.fs.T
	return &trendScratch{
		bk:          make([]bucket, tr.n),
		stampAsset:  make([]int32, t.Assets.Len()),
		stampTx:     make([]int32, tr.ntx),
		stampWallet: make([]int32, t.Addrs.Len()),
	}
}

func newTrender(c *computer, rng Range, asOf, lo int64) *trender {
	fs, t := c.fs, c.fs.T
	tr := &trender{c: c}
	first, any := int64(0), false
	for i, w := range c.win { // table order: sequential reads
		if w == cur && (!any || t.Time[i] < first) {
			first, any = t.Time[i], true
		}
	}
	if !any {
		return tr // no rows in the window: empty trends
	}
	var flaggedRows []int32
	for _, r := range fs.Order {
		if c.flagged[r] && c.win[r] == cur {
			flaggedRows = append(flaggedRows, r)
		}
	}
	if rng.Seconds > 0 {
		first = lo
	}
	tr.start, tr.size, tr.n = Buckets(rng, first, asOf)
	tr.dates = make([]string, tr.n)
	for i := range tr.dates {
		tr.dates[i] = time.Unix(tr.start+int64(i)*tr.size, 0).UTC().Format(time.RFC3339)
	}
	tr.flagged = flaggedRows
	// The flagged window rows are among those distinct counted: their
	// transaction ids serve the stamps.
	tr.txOf, tr.ntx = c.txOf, c.ntx
	return tr
}

// trends returns the trends of the scope whose window rows are rows (in
// canonical order, so in time order) and whose window accumulator is a,
// computed in sc.
func (tr *trender) trends(rows []int32, a *acc, sc *trendScratch) *Trends {
	if tr.n == 0 {
		return renderTrends(nil, nil, a)
	}
	for i := range sc.bk {
		sc.bk[i].reset()
	}
	tr.scan(rows, sc.bk, sc, true)
	return renderTrends(tr.dates, sc.bk, a)
}

// bucketOf is the bucket of a window row at time tm.
func (tr *trender) bucketOf(tm int64) int {
	return int((tm - tr.start) / tr.size) // window rows are ≥ start
}

// reset empties b, keeping its sums' storage.
func (b *bucket) reset() {
	b.vol.Reset()
	b.wvol.Reset()
	b.usd.Reset()
	b.wusd.Reset()
	b.sales, b.fsales, b.assets, b.txs, b.wallets, b.hasUSD = 0, 0, 0, 0, 0, false
}

// addRow adds window row r's sale and price_usd to b.
func (tr *trender) addRow(b *bucket, r int32) {
	fs, t := tr.c.fs, tr.c.fs.T
	usd := t.PriceUSD[r]
	hasUSD := usd == usd // not NaN
	if hasUSD {
		b.hasUSD = true
	}
	if fs.Sale[r] {
		b.addSale(t.Price[r], usd, fs.Native[r], hasUSD, tr.c.flagged[r])
	}
}

// countRow counts the asset, transaction and wallets of flagged window row
// r in b, those not yet stamped with sc's epoch: the rows of a bucket of a
// scope come one after another, each new bucket with a new epoch.
func (tr *trender) countRow(b *bucket, r int32, sc *trendScratch) {
	fs, t := tr.c.fs, tr.c.fs.T
	e := sc.epoch
	if as := t.Asset[r]; sc.stampAsset[as] != e {
		sc.stampAsset[as] = e
		b.assets++
	}
	if tx := tr.txOf[r]; sc.stampTx[tx] != e {
		sc.stampTx[tx] = e
		b.txs++
	}
	for _, w := range [2]uint32{fs.Seller[r], fs.Buyer[r]} {
		if w != features.NoWallet && sc.stampWallet[w] != e {
			sc.stampWallet[w] = e
			b.wallets++
		}
	}
}

// scan adds the window rows of a scope, rows (in canonical order, so in
// time order), to its buckets bk: their distinct values, and with sums
// their sales too.
func (tr *trender) scan(rows []int32, bk []bucket, sc *trendScratch, sums bool) {
	t := tr.c.fs.T
	prevB := -1
	for _, r := range rows {
		bi := tr.bucketOf(t.Time[r])
		if bi != prevB {
			// A new bucket is a new distinct set.
			sc.epoch++
			prevB = bi
		}
		b := &bk[bi]
		if sums {
			tr.addRow(b, r)
		}
		if tr.c.flagged[r] {
			tr.countRow(b, r, sc)
		}
	}
}

// platformTrends returns the trends of the market, whose window
// accumulator is market, and those of the platforms ids (none is 0),
// whose window accumulators are accOf(id). The sale sums are
// additive: one pass over the window rows in table order (sequential
// reads, where canonical order reads the columns out of order) adds each
// row to its platform's buckets (platform 0: none), and the market's
// buckets are all the platforms' merged (the sums are exact, so the
// totals are those of adding the rows). The distinct counts come from the
// flagged window rows only, in canonical order: all of them for the
// market, grouped by platform for the platforms. This replaces a pass
// over every window row in canonical order for the market and another for
// the platforms.
func (tr *trender) platformTrends(market *acc, ids []uint32, accOf func(id uint32) *acc) (mt *Trends, plats []*Trends) {
	plats = make([]*Trends, len(ids))
	if tr.n == 0 {
		for i, id := range ids {
			plats[i] = renderTrends(nil, nil, accOf(id))
		}
		return renderTrends(nil, nil, market), plats
	}
	c, t := tr.c, tr.c.fs.T
	np := t.Platforms.Len()
	bk := make([]bucket, (np+1)*tr.n) // platform p's buckets at p·n, the market's at np·n
	for i, w := range c.win {
		if w == cur {
			tr.addRow(&bk[int(t.Platform[i])*tr.n+tr.bucketOf(t.Time[i])], int32(i))
		}
	}
	mk := bk[np*tr.n:]
	for p := 0; p < np; p++ {
		for j := range mk {
			b := &bk[p*tr.n+j]
			mk[j].merge(&b.saleSums)
			mk[j].hasUSD = mk[j].hasUSD || b.hasUSD
		}
	}
	sc := tr.scratch()
	tr.scan(tr.flagged, mk, sc, false)
	mt = renderTrends(tr.dates, mk, market)
	rows, start := tr.groupRows(tr.flagged, np, func(r int32) int32 { return int32(t.Platform[r]) })
	for i, id := range ids {
		pb := bk[int(id)*tr.n : int(id+1)*tr.n]
		tr.scan(rows[start[id]:start[id+1]], pb, sc, false)
		plats[i] = renderTrends(tr.dates, pb, accOf(id))
	}
	return mt, plats
}

// renderTrends returns the trends of buckets bk starting at dates (none:
// empty trends) of a scope whose window accumulator is a.
func renderTrends(dates []string, bk []bucket, a *acc) *Trends {
	out := &Trends{BlockDates: dates}
	if len(bk) == 0 {
		out.BlockDates = []string{}
		out.WashtradeAssetsTrend, out.WashtradeSuspectSalesTrend = []int64{}, []int64{}
		out.WashtradeSuspectTransactionsTrend, out.WashtradeWalletsTrend = []int64{}, []int64{}
		out.TotalSalesTrend = []int64{}
		out.WashtradeVolumeTrend, out.WashtradeVolumeUSDTrend = []*float64{}, []*float64{}
		out.TotalVolumeTrend, out.TotalVolumeUSDTrend = []*float64{}, []*float64{}
		return out
	}
	n := len(bk)
	out.WashtradeAssetsTrend = make([]int64, n)
	out.WashtradeSuspectSalesTrend = make([]int64, n)
	out.WashtradeSuspectTransactionsTrend = make([]int64, n)
	out.WashtradeWalletsTrend = make([]int64, n)
	out.TotalSalesTrend = make([]int64, n)
	out.WashtradeVolumeTrend = make([]*float64, n)
	out.WashtradeVolumeUSDTrend = make([]*float64, n)
	out.TotalVolumeTrend = make([]*float64, n)
	out.TotalVolumeUSDTrend = make([]*float64, n)
	for i := range bk {
		b := &bk[i]
		out.WashtradeAssetsTrend[i] = b.assets
		out.WashtradeSuspectSalesTrend[i] = b.fsales
		out.WashtradeSuspectTransactionsTrend[i] = b.txs
		out.WashtradeWalletsTrend[i] = b.wallets
		out.TotalSalesTrend[i] = b.sales
		if !a.mixed {
			out.WashtradeVolumeTrend[i] = ptr(round(b.wvol.Value(), 9))
			out.TotalVolumeTrend[i] = ptr(round(b.vol.Value(), 9))
		}
		if a.hasUSD && b.hasUSD {
			out.WashtradeVolumeUSDTrend[i] = ptr(round(b.wusd.Value(), 9))
			out.TotalVolumeUSDTrend[i] = ptr(round(b.usd.Value(), 9))
		}
	}
	return out
}

// groupRows returns the window rows among rows (in canonical order: every
// row, fs.Order, or a subset such as the flagged window rows) grouped by
// key(r), in their order within a key (keys in [0, nkeys); a negative key
// leaves the row out): rows of key k are out[start[k]:start[k+1]].
func (tr *trender) groupRows(rows []int32, nkeys int, key func(r int32) int32) (out []int32, start []int32) {
	c := tr.c
	start = make([]int32, nkeys+1)
	for _, r := range rows {
		if c.win[r] == cur {
			if k := key(r); k >= 0 {
				start[k+1]++
			}
		}
	}
	for k := 0; k < nkeys; k++ {
		start[k+1] += start[k]
	}
	out = make([]int32, start[nkeys])
	next := append([]int32(nil), start[:nkeys]...)
	for _, r := range rows {
		if c.win[r] == cur {
			if k := key(r); k >= 0 {
				out[next[k]] = r
				next[k]++
			}
		}
	}
	return out, start
}
