package metrics

import (
	"cmp"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/bits"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/features"
)

// Range is a --range value: a window length in seconds, 0 for "all".
type Range struct {
	Name    string // as given: 24h, 7d, 30d, 90d or all
	Seconds int64  // 0 for all
}

// Ranges lists the accepted --range values.
var Ranges = []Range{{"24h", 86400}, {"7d", 7 * 86400}, {"30d", 30 * 86400}, {"90d", 90 * 86400}, {"all", 0}}

// ParseRange returns the range called s.
func ParseRange(s string) (Range, error) {
	for _, r := range Ranges {
		if r.Name == s {
			return r, nil
		}
	}
	return Range{}, fmt.Errorf("bad range %q (want 24h, 7d, 30d, 90d or all)", s)
}

// Provenance is the "washscan" block: how the verdicts were made.
type Provenance struct {
	Version   string            `json:"version"`
	Preset    string            `json:"preset"`
	Threshold float64           `json:"threshold"`
	Weights   string            `json:"weights"` // "builtin" or the weights file
	Params    map[string]string `json:"params"`  // every detector parameter, "detector.name": value
	// Runner is the Beam runner of a washscan-beam run (dist/beam); analyze
	// leaves it empty and writes no "runner" entry.
	Runner string `json:"runner,omitempty"`
}

// InputInfo is the "input" block: the files read and the row accounting.
type InputInfo struct {
	Files []string `json:"files"`
	datasets.LoadStats
}

// InputOf returns the "input" block of t, read from files (nil: t's own
// Files).
func InputOf(t *datasets.Trades, files []string) InputInfo {
	if files == nil {
		files = t.Files
	}
	if files == nil {
		files = []string{}
	}
	return InputInfo{Files: files, LoadStats: t.Stats}
}

// FlagsMetadata returns the key-value metadata of a Parquet flags file:
// the run's "washscan" and "input" blocks as JSON.
func FlagsMetadata(p Provenance, in InputInfo) map[string]string {
	if p.Params == nil {
		p.Params = map[string]string{}
	}
	w, _ := json.Marshal(p)
	i, _ := json.Marshal(in)
	return map[string]string{"washscan": string(w), "input": string(i)}
}

// Options control Compute.
type Options struct {
	Range Range
	// AsOf is the end of the window (unix seconds) when HasAsOf is set;
	// otherwise the latest block_time of the input.
	AsOf    int64
	HasAsOf bool
	// Top caps the wallets and nfts lists; 0 means no cap.
	Top        int
	Provenance Provenance
	// Files names the inputs; nil means the Trades' own Files.
	Files []string
	// Tests is placed under "tests" as is: the hook for the market-level
	// statistical tests (detect/markettest). Nil writes an empty object.
	Tests any
}

// Metrics are the fields every scope object carries, in docs/contract.md order. Counts are
// integers; ratios, changes and volumes float64; null is a nil pointer.
type Metrics struct {
	WashtradeAssets                  int64    `json:"washtrade_assets"`
	WashtradeAssetsChange            *float64 `json:"washtrade_assets_change"`
	WashtradeSuspectSales            int64    `json:"washtrade_suspect_sales"`
	WashtradeSuspectSalesChange      *float64 `json:"washtrade_suspect_sales_change"`
	WashtradeSuspectSalesRatio       float64  `json:"washtrade_suspect_sales_ratio"`
	WashtradeSuspectSalesRatioChange *float64 `json:"washtrade_suspect_sales_ratio_change"`
	WashtradeSuspectTransactions     int64    `json:"washtrade_suspect_transactions"`
	WashtradeSuspectTransactionsChg  *float64 `json:"washtrade_suspect_transactions_change"`
	WashtradeVolume                  *float64 `json:"washtrade_volume"`
	WashtradeVolumeChange            *float64 `json:"washtrade_volume_change"`
	WashtradeVolumeUSD               *float64 `json:"washtrade_volume_usd"`
	WashtradeVolumeUSDChange         *float64 `json:"washtrade_volume_usd_change"`
	WashtradeWallets                 int64    `json:"washtrade_wallets"`
	WashtradeWalletsChange           *float64 `json:"washtrade_wallets_change"`
	WashtradeLevel                   int      `json:"washtrade_level"`
	TotalSales                       int64    `json:"total_sales"`
	TotalVolume                      *float64 `json:"total_volume"`
	TotalVolumeUSD                   *float64 `json:"total_volume_usd"`
}

// Market is the "market" object: its metrics and trends.
type Market struct {
	Metrics
	*Trends
}

// Marketplace is an entry of "marketplaces".
type Marketplace struct {
	Platform string `json:"platform"`
	Metrics
	*Trends
	id uint32 // platform id
}

// Collection is an entry of "collections"; the first Options.Top (all
// for 0) carry trends.
type Collection struct {
	Blockchain      string `json:"blockchain"`
	ContractAddress string `json:"contract_address"`
	Metrics
	*Trends
	id int32 // collection id
}

// Wallet is an entry of "wallets".
type Wallet struct {
	Wallet string `json:"wallet"`
	Metrics
}

// NFT is an entry of "nfts"; TokenID is "" for an ERC-20 asset.
type NFT struct {
	Blockchain      string `json:"blockchain"`
	ContractAddress string `json:"contract_address"`
	TokenID         string `json:"token_id"`
	Metrics
}

// Report is the metrics document of docs/contract.md §3.1.
type Report struct {
	Washscan     Provenance    `json:"washscan"`
	AsOf         string        `json:"as_of"`
	TimeRange    string        `json:"time_range"`
	Input        InputInfo     `json:"input"`
	Market       Market        `json:"market"`
	Marketplaces []Marketplace `json:"marketplaces"`
	Collections  []Collection  `json:"collections"`
	Wallets      []Wallet      `json:"wallets"`
	NFTs         []NFT         `json:"nfts"`
	Tests        any           `json:"tests"`
}

// WriteJSON writes r as indented JSON followed by a newline.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// Window returns the bounds of the current window (lo, hi] for opt over fs
// (lo = math.MinInt64 for "all") and the previous window's lower bound.
func Window(fs *features.Set, opt Options) (asOf, lo, prevLo int64) {
	asOf = opt.AsOf
	if !opt.HasAsOf {
		asOf = 0
		for i, t := range fs.T.Time {
			if i == 0 || t > asOf {
				asOf = t
			}
		}
	}
	if opt.Range.Seconds <= 0 {
		return asOf, math.MinInt64, math.MinInt64
	}
	return asOf, asOf - opt.Range.Seconds, asOf - 2*opt.Range.Seconds
}

// InWindow reports, per row of fs, whether the row lies in the metrics
// window of opt: (as_of − R, as_of], or up to as_of for "all". It is the
// row selection to hand to the market-level tests.
func InWindow(fs *features.Set, opt Options) []bool {
	asOf, lo, _ := Window(fs, opt)
	out := make([]bool, fs.N)
	for i, t := range fs.T.Time {
		out[i] = t > lo && t <= asOf
	}
	return out
}

const (
	cur  = 0
	prev = 1
	none = 2
)

// acc accumulates one scope in one window. Counts are int32 (a scope has at
// most N < 2^31 rows, rows being int32 ids); the volumes are exact sums.
// Laid out in three cache lines: the counters with vol (every row touches
// them; sales add to vol), then usd and wvol, then wusd.
type acc struct {
	rows, sales, fsales  int32
	assets, txs, wallets int32
	chain                uint32 // first chain id + 1; 0 none yet
	mixed, hasUSD        bool
	_                    [2]byte
	vol                  Sum
	usd, wvol            Sum
	wusd                 Sum
	_                    [32]byte
}

// pairIndex gives dense ids to (key, chain) pairs, keys being dense ids
// themselves: an array for each key's first chain (chain+1 and id side by
// side, one cache miss per lookup), a map for the rare others.
type pairIndex struct {
	first []pairFirst
	more  map[uint64]int32
	keys  [][2]uint32 // (key, chain) of each id
}

type pairFirst struct {
	chain uint32 // chain+1 of the first pair of the key; 0 none
	id    int32
}

func newPairIndex(n int) *pairIndex {
	return &pairIndex{first: make([]pairFirst, n)}
}

func (p *pairIndex) get(key, chain uint32) int32 {
	f := &p.first[key]
	switch f.chain {
	case 0:
		f.chain = chain + 1
		f.id = int32(len(p.keys))
		p.keys = append(p.keys, [2]uint32{key, chain})
		return f.id
	case chain + 1:
		return f.id
	}
	if p.more == nil {
		p.more = map[uint64]int32{}
	}
	k := uint64(key)<<32 | uint64(chain)
	if id, ok := p.more[k]; ok {
		return id
	}
	id := int32(len(p.keys))
	p.more[k] = id
	p.keys = append(p.keys, [2]uint32{key, chain})
	return id
}

// computer holds the state of one Compute.
type computer struct {
	fs      *features.Set
	flagged []bool
	win     []uint8 // cur, prev or none per row
	coll    []int32 // collection id per row
	nft     []int32 // nft id per row
	// scope index bases and per-id scope maps (-1: not a scope)
	platBase, collBase int32
	nftScope           []int32 // by nft id
	walletScope        []int32 // by address id
	nScopes            int
	nColls             int
	acc                [2][]acc // [window][scope]; acc[prev] nil for range all
	// txOf is the transaction id of each counted row (flagged, in a
	// window), by row, ntx the number of ids: set by distinct, read by the
	// trends.
	txOf []int32
	ntx  int
	// sink keeps the cache-touching loads of the block passes (see sums).
	sink atomic.Uint32
}

// scopes appends to buf the scope indices of row r.
func (c *computer) scopes(r int32, buf *[6]int32) int {
	n := c.fixedScopes(r, buf[:0])
	return n + len(c.walletScopes(r, c.nftScopes(r, buf[n:n])))
}

// fixedScopes appends to buf (of capacity ≥ 3) the scopes every row has:
// its platform's (if any), its collection's and the market (last, so that
// a caller may leave it out); it returns how many.
func (c *computer) fixedScopes(r int32, buf []int32) int {
	if p := c.fs.T.Platform[r]; p != 0 {
		buf = append(buf, c.platBase+int32(p)-1)
	}
	buf = append(buf, c.collBase+c.coll[r], 0)
	return len(buf)
}

// marketSums sets the fields sums writes of the market's accumulators
// from those of the collections: every windowed row is in exactly one
// collection, and the sums are exact, so the totals are those of adding
// the rows themselves.
func (c *computer) marketSums() {
	for w := range c.acc {
		accs := c.acc[w]
		if accs == nil { // no previous window
			continue
		}
		m := &accs[0]
		for g := c.collBase; g < c.collBase+int32(c.nColls); g++ {
			a := &accs[g] // by pointer: distinct writes other fields meanwhile
			if a.rows == 0 {
				continue
			}
			m.rows += a.rows
			m.sales += a.sales
			m.fsales += a.fsales
			if m.chain == 0 {
				m.chain = a.chain
			} else if m.chain != a.chain {
				m.mixed = true
			}
			m.mixed = m.mixed || a.mixed
			m.hasUSD = m.hasUSD || a.hasUSD
			m.vol.Merge(&a.vol)
			m.usd.Merge(&a.usd)
			m.wvol.Merge(&a.wvol)
			m.wusd.Merge(&a.wusd)
		}
	}
}

// nftScopes appends to buf the scope of row r's nft if it is listed.
func (c *computer) nftScopes(r int32, buf []int32) []int32 {
	if g := c.nftScope[c.nft[r]]; g >= 0 {
		buf = append(buf, g)
	}
	return buf
}

// walletScopes appends to buf the scopes of row r's listed wallets, the
// seller's then the buyer's (once when they are the same wallet).
func (c *computer) walletScopes(r int32, buf []int32) []int32 {
	s, b := c.fs.Seller[r], c.fs.Buyer[r]
	if s != features.NoWallet {
		if g := c.walletScope[s]; g >= 0 {
			buf = append(buf, g)
		}
	}
	if b != features.NoWallet && b != s {
		if g := c.walletScope[b]; g >= 0 {
			buf = append(buf, g)
		}
	}
	return buf
}

// sumBlock is the number of rows whose cache misses sums overlaps.
const sumBlock = 32

// scopeBlock lists the scopes of a block of rows lo … lo+sumBlock−1 for
// sums: those of row lo+i are g[3i : 3i+n[i]] (none for a row outside the
// windows).
type scopeBlock struct {
	g [3 * sumBlock]int32
	n [sumBlock]uint8
}

// at is the room of block row i in b, for the scopes of one row (at most
// three).
func (b *scopeBlock) at(i int) []int32 { return b.g[3*i : 3*i : 3*i+3] }

// fixedBlock sets b to the platform and collection scopes of rows [lo, hi)
// (fixedScopes less the market, whose sums are its collections').
func (c *computer) fixedBlock(lo, hi int, b *scopeBlock) {
	for i := range hi - lo {
		b.n[i] = 0
		if r := lo + i; c.win[r] != none {
			b.n[i] = uint8(c.fixedScopes(int32(r), b.at(i)) - 1)
		}
	}
}

// nftBlock sets b to the listed nft scopes of rows [lo, hi). The nft scope
// map is far larger than the caches: the block's entries are touched
// first, so that their misses overlap.
func (c *computer) nftBlock(lo, hi int, b *scopeBlock) {
	var sink int32
	for r := lo; r < hi; r++ {
		sink += c.nftScope[c.nft[r]]
	}
	for i := range hi - lo {
		b.n[i] = 0
		if r := lo + i; c.win[r] != none {
			b.n[i] = uint8(len(c.nftScopes(int32(r), b.at(i))))
		}
	}
	c.sink.Add(uint32(sink))
}

// walletBlock sets b to the listed wallet scopes of rows [lo, hi), the
// block's entries of the wallet scope map touched first as in nftBlock.
func (c *computer) walletBlock(lo, hi int, b *scopeBlock) {
	seller, buyer := c.fs.Seller[lo:hi], c.fs.Buyer[lo:hi]
	var sink int32
	for i := range seller {
		if s := seller[i]; s != features.NoWallet {
			sink += c.walletScope[s]
		}
		if w := buyer[i]; w != features.NoWallet {
			sink += c.walletScope[w]
		}
	}
	for i := range hi - lo {
		b.n[i] = 0
		if r := lo + i; c.win[r] != none {
			b.n[i] = uint8(len(c.walletScopes(int32(r), b.at(i))))
		}
	}
	c.sink.Add(uint32(sink))
}

// Compute builds the metrics document for the rows of fs with the per-row
// verdicts flagged (len fs.N). It does not change fs.
func Compute(fs *features.Set, flagged []bool, opt Options) *Report {
	t := fs.T
	n := fs.N
	asOf, lo, prevLo := Window(fs, opt)
	c := &computer{fs: fs, flagged: flagged}

	// Windows, collections and nfts per row.
	c.win = make([]uint8, n)
	cols := newPairIndex(t.Addrs.Len())
	nfts := newPairIndex(t.Assets.Len())
	c.coll = make([]int32, n)
	c.nft = make([]int32, n)
	var sink uint32
	for blo := 0; blo < n; blo += sumBlock {
		bhi := min(blo+sumBlock, n)
		// The nft index is far larger than the caches: touch the block's
		// entries first, so that their misses overlap (see sums).
		for i := blo; i < bhi; i++ {
			sink += nfts.first[t.Asset[i]].chain
		}
		for i := blo; i < bhi; i++ {
			tm := t.Time[i]
			switch {
			case tm > asOf:
				c.win[i] = none
			case tm > lo:
				c.win[i] = cur
			case tm > prevLo:
				c.win[i] = prev
			default:
				c.win[i] = none
			}
			c.coll[i] = cols.get(fs.Contract[i], t.Chain[i])
			c.nft[i] = nfts.get(t.Asset[i], t.Chain[i])
		}
	}
	c.sink.Add(sink)

	// Scope layout: market, platforms, collections, then the selected nfts
	// and wallets (those with a flagged row in the window).
	c.platBase = 1
	c.collBase = c.platBase + int32(t.Platforms.Len()-1)
	next := c.collBase + int32(len(cols.keys))
	c.nColls = len(cols.keys)
	c.nftScope = make([]int32, len(nfts.keys))
	c.walletScope = make([]int32, t.Addrs.Len())
	for i := range c.nftScope {
		c.nftScope[i] = -1
	}
	for i := range c.walletScope {
		c.walletScope[i] = -1
	}
	var nftList []int32 // nft ids in scope order
	var walletList []uint32
	for _, r := range fs.Order { // canonical order: deterministic scope ids
		if !flagged[r] || c.win[r] != cur {
			continue
		}
		if id := c.nft[r]; c.nftScope[id] < 0 {
			c.nftScope[id] = next
			next++
			nftList = append(nftList, id)
		}
		for _, w := range [2]uint32{fs.Seller[r], fs.Buyer[r]} {
			if w != features.NoWallet && c.walletScope[w] < 0 {
				c.walletScope[w] = next
				next++
				walletList = append(walletList, w)
			}
		}
	}
	c.nScopes = int(next)
	// Range all has no previous window: no row is in it, and its
	// accumulators would all stay empty.
	c.acc[cur] = make([]acc, c.nScopes)
	if opt.Range.Seconds > 0 {
		c.acc[prev] = make([]acc, c.nScopes)
	}

	// The sums of the platforms and collections, those of the listed nfts,
	// those of the listed wallets and the distinct counts touch different
	// accumulators or fields: four goroutines. The market's sums are its
	// collections' (every row has one collection; the sums are exact).
	var wg sync.WaitGroup
	wg.Add(3)
	go func() {
		defer wg.Done()
		c.sums(c.fixedBlock)
		c.marketSums()
	}()
	go func() { defer wg.Done(); c.distinct() }()
	go func() { defer wg.Done(); c.sums(c.nftBlock) }()
	c.sums(c.walletBlock)
	wg.Wait()

	rep := &Report{
		Washscan:     opt.Provenance,
		AsOf:         time.Unix(asOf, 0).UTC().Format(time.RFC3339),
		TimeRange:    opt.Range.Name,
		Input:        InputOf(t, opt.Files),
		Marketplaces: []Marketplace{},
		Collections:  []Collection{},
		Wallets:      []Wallet{},
		NFTs:         []NFT{},
		Tests:        opt.Tests,
	}
	if rep.Washscan.Params == nil {
		rep.Washscan.Params = map[string]string{}
	}
	if rep.Tests == nil {
		rep.Tests = struct{}{}
	}
	all := opt.Range.Seconds <= 0
	cw, pw := c.acc[cur], c.acc[prev]
	var empty acc
	pa := func(g int32) *acc {
		if pw == nil {
			return &empty
		}
		return &pw[g]
	}
	m := func(g int32) Metrics { return metricsOf(&cw[g], pa(g), all) }
	listed := func(g int32) bool { return cw[g].rows > 0 || pa(g).rows > 0 }

	rep.Market.Metrics = m(0)
	for p := 1; p < t.Platforms.Len(); p++ {
		g := c.platBase + int32(p) - 1
		if listed(g) {
			rep.Marketplaces = append(rep.Marketplaces, Marketplace{Platform: t.Platforms.Value(uint32(p)), Metrics: m(g), id: uint32(p)})
		}
	}
	for id, k := range cols.keys {
		g := c.collBase + int32(id)
		if listed(g) {
			rep.Collections = append(rep.Collections, Collection{
				Blockchain: t.Chains.Value(k[1]), ContractAddress: t.Addrs.String(k[0]), Metrics: m(g), id: int32(id)})
		}
	}
	// Only the candidates for the top entries of the capped lists are
	// built and sorted (see topCandidates).
	nftVol := func(i int) (float64, bool) { a := &cw[c.nftScope[nftList[i]]]; return a.wvol.Value(), a.mixed }
	for _, i := range topCandidates(len(nftList), opt.Top, nftVol) {
		id := nftList[i]
		k := nfts.keys[id]
		rep.NFTs = append(rep.NFTs, NFT{
			Blockchain:      t.Chains.Value(k[1]),
			ContractAddress: t.Addrs.String(t.Assets.Contract[k[0]]),
			TokenID:         t.Assets.TokenID[k[0]],
			Metrics:         m(c.nftScope[id]),
		})
	}
	walletVol := func(i int) (float64, bool) { a := &cw[c.walletScope[walletList[i]]]; return a.wvol.Value(), a.mixed }
	for _, i := range topCandidates(len(walletList), opt.Top, walletVol) {
		w := walletList[i]
		rep.Wallets = append(rep.Wallets, Wallet{Wallet: t.Addrs.String(w), Metrics: m(c.walletScope[w])})
	}

	sortLists(rep)
	c.addTrends(rep, opt, asOf, lo)
	if opt.Top > 0 {
		if len(rep.Wallets) > opt.Top {
			rep.Wallets = rep.Wallets[:opt.Top]
		}
		if len(rep.NFTs) > opt.Top {
			rep.NFTs = rep.NFTs[:opt.Top]
		}
	}
	return rep
}

// addTrends sets the trends of the market, the marketplaces and the first
// opt.Top collections of rep (sorted): the market's and the marketplaces'
// on one goroutine, the collections' on another, each with its own
// scratch.
func (c *computer) addTrends(rep *Report, opt Options, asOf, lo int64) {
	cw := c.acc[cur]
	tr := newTrender(c, opt.Range, asOf, lo)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		ids := make([]uint32, len(rep.Marketplaces))
		for i := range rep.Marketplaces {
			ids[i] = rep.Marketplaces[i].id
		}
		var plats []*Trends
		rep.Market.Trends, plats = tr.platformTrends(&cw[0], ids, func(id uint32) *acc { return &cw[c.platBase+int32(id)-1] })
		for i := range rep.Marketplaces {
			rep.Marketplaces[i].Trends = plats[i]
		}
	}()
	k := len(rep.Collections)
	if opt.Top > 0 {
		k = min(k, opt.Top)
	}
	slot := make([]int32, c.nColls) // by collection id; -1 none
	for i := range slot {
		slot[i] = -1
	}
	for i, e := range rep.Collections[:k] {
		slot[e.id] = int32(i)
	}
	sc := tr.scratch()
	rows, start := tr.groupRows(c.fs.Order, k, func(r int32) int32 { return slot[c.coll[r]] })
	for i := range rep.Collections[:k] {
		e := &rep.Collections[i]
		e.Trends = tr.trends(rows[start[i]:start[i+1]], &cw[c.collBase+e.id], sc)
	}
	wg.Wait()
}

// topCandidates returns, in increasing order, indices among the n entries of
// a list capped at top (0: no cap) that include every entry of the capped
// list: all of them when there is no cap to apply, else those whose raw
// washtrade volume vol(i) may still round into the top ones. Sorting the
// candidates by the list order and keeping the first top gives the same
// entries as sorting all n, since that order is total (the keys are
// unique) and so independent of the algorithm.
//
// Rounding to 9 decimals is non-decreasing and moves a value x by at most
// 5e-10 + 2^-53·|x|. Let v be the top-th largest raw volume among the
// non-null entries: at least top entries round to ≥ round(v) ≥ v − 5e-10 −
// 2^-53·v, so an entry with raw volume below v − margin, margin = 1e-8 +
// 1e-12·v, rounds strictly lower and cannot be listed; null volumes sort
// last, so they cannot be listed either. The shortcut needs finite,
// non-negative volumes (sums of sale prices, which are > 0) and at least
// top non-null entries; otherwise every entry is a candidate. Time
// O(n log top), and only the candidates have their metrics built.
func topCandidates(n, top int, vol func(i int) (v float64, null bool)) []int {
	all := func() []int {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	if top <= 0 || n <= top {
		return all()
	}
	// h: min-heap of the top largest non-null volumes seen so far.
	h := make([]float64, 0, top)
	for i := 0; i < n; i++ {
		v, null := vol(i)
		if null {
			continue
		}
		if !(v >= 0) || math.IsInf(v, 1) {
			return all()
		}
		if len(h) < top {
			h = append(h, v)
			for j := len(h) - 1; j > 0; {
				p := (j - 1) / 2
				if h[p] <= h[j] {
					break
				}
				h[p], h[j] = h[j], h[p]
				j = p
			}
			continue
		}
		if v <= h[0] {
			continue
		}
		h[0] = v
		for j := 0; ; {
			k := 2*j + 1
			if k >= len(h) {
				break
			}
			if k+1 < len(h) && h[k+1] < h[k] {
				k++
			}
			if h[j] <= h[k] {
				break
			}
			h[j], h[k] = h[k], h[j]
			j = k
		}
	}
	if len(h) < top {
		return all()
	}
	cut := h[0] - (1e-8 + 1e-12*h[0])
	var out []int
	for i := 0; i < n; i++ {
		if v, null := vol(i); !null && v >= cut {
			out = append(out, i)
		}
	}
	return out
}

// byVolume orders by washtrade_volume descending, null last.
func byVolume(a, b *Metrics) int {
	switch {
	case a.WashtradeVolume == nil && b.WashtradeVolume == nil:
		return 0
	case a.WashtradeVolume == nil:
		return 1
	case b.WashtradeVolume == nil:
		return -1
	}
	return cmp.Compare(*b.WashtradeVolume, *a.WashtradeVolume)
}

// sums adds every windowed row to the scopes resolve gives it, a block of
// sumBlock rows at a time, visiting the rows in table order (the sums are
// exact: the order does not matter, and reading the columns in order is
// cheaper than in canonical order). It writes only the accumulators of
// those scopes, and of them only the fields distinct does not.
//
// The accumulators of the listed scopes are far larger than the caches, so
// an update is a cache miss: as in the loader's merge (datasets/load.go,
// resolveAddrs), the block's accumulators are first touched in a loop of
// bare loads, independent of each other, so that the processor overlaps
// their misses, and the updates that follow find them in cache.
func (c *computer) sums(resolve func(lo, hi int, b *scopeBlock)) {
	fs, t := c.fs, c.fs.T
	var (
		b    scopeBlock
		sink int32
	)
	n := len(c.win)
	for lo := 0; lo < n; lo += sumBlock {
		hi := min(lo+sumBlock, n)
		resolve(lo, hi, &b)
		for i := range hi - lo {
			if k := b.n[i]; k > 0 {
				accs := c.acc[c.win[lo+i]]
				f := c.flagged[lo+i]
				for _, g := range b.g[3*i : 3*i+int(k)] {
					a := &accs[g] // the lines of the counters and of usd
					sink += a.rows + int32(a.usd.fn)
					if f { // and of wusd
						sink += int32(a.wusd.fn)
					}
				}
			}
		}
		for i := range hi - lo {
			k := b.n[i]
			if k == 0 {
				continue
			}
			r := lo + i
			accs := c.acc[c.win[r]]
			f := c.flagged[r]
			sale := fs.Sale[r]
			native := sale && fs.Native[r]
			price := t.Price[r]
			usd := t.PriceUSD[r]
			hasUSD := !math.IsNaN(usd)
			chain := t.Chain[r] + 1
			for _, g := range b.g[3*i : 3*i+int(k)] {
				a := &accs[g]
				a.rows++
				if a.chain == 0 {
					a.chain = chain
				} else if a.chain != chain {
					a.mixed = true
				}
				if hasUSD {
					a.hasUSD = true
				}
				if !sale {
					continue
				}
				a.sales++
				if native {
					a.vol.Add(price)
				}
				if hasUSD {
					a.usd.Add(usd)
				}
				if f {
					a.fsales++
					if native {
						a.wvol.Add(price)
					}
					if hasUSD {
						a.wusd.Add(usd)
					}
				}
			}
		}
	}
	c.sink.Add(uint32(sink))
}

// distinct counts, per scope and window, the distinct assets, transactions
// and wallets of flagged rows. The scopes of each counted row (flagged, in
// a window) are listed once; then, for each counted value, the rows are
// visited grouped by value (a counting sort) so that a stamp per (window,
// scope) detects the first sighting: O(F + assets + addresses) for F
// counted rows.
func (c *computer) distinct() {
	fs, t := c.fs, c.fs.T
	var rows []int32
	for i := 0; i < fs.N; i++ {
		if c.flagged[i] && c.win[i] != none {
			rows = append(rows, int32(i))
		}
	}
	// sc[j]: the scopes of rows[j], nsc[j] of them; win[j] its window.
	sc := make([][6]int32, len(rows))
	nsc := make([]uint8, len(rows))
	win := make([]uint8, len(rows))
	for j, r := range rows {
		nsc[j] = uint8(c.scopes(r, &sc[j]))
		win[j] = c.win[r]
	}
	stamp := [2][]int32{make([]int32, c.nScopes), make([]int32, c.nScopes)}
	count := func(idx, keys []int32, nkeys int, field func(*acc) *int32) {
		clear(stamp[cur])
		clear(stamp[prev])
		for _, kj := range groupBy(idx, keys, nkeys) {
			key, j := kj[0]+1, kj[1]
			w := win[j]
			st, accs := stamp[w], c.acc[w]
			for _, g := range sc[j][:nsc[j]] {
				if st[g] != key {
					st[g] = key
					*field(&accs[g])++
				}
			}
		}
	}

	// Assets.
	idx := make([]int32, len(rows))
	keys := make([]int32, len(rows))
	for j, r := range rows {
		idx[j] = int32(j)
		keys[j] = int32(t.Asset[r])
	}
	count(idx, keys, t.Assets.Len(), func(a *acc) *int32 { return &a.assets })

	// Transactions: intern the hashes of counted rows.
	c.ntx = internHashes(t.TxHash, rows, keys)
	c.txOf = make([]int32, fs.N)
	for j, r := range rows {
		c.txOf[r] = keys[j]
	}
	count(idx, keys, c.ntx, func(a *acc) *int32 { return &a.txs })

	// Wallets: each counted row once per distinct known party.
	var parties, owners []int32
	for j, r := range rows {
		s, b := fs.Seller[r], fs.Buyer[r]
		if s != features.NoWallet {
			parties = append(parties, int32(j))
			owners = append(owners, int32(s))
		}
		if b != features.NoWallet && b != s {
			parties = append(parties, int32(j))
			owners = append(owners, int32(b))
		}
	}
	count(parties, owners, t.Addrs.Len(), func(a *acc) *int32 { return &a.wallets })
}

// internHashes sets ids[j] to a dense id of hashes[rows[j]], ids given in
// order of first appearance, and returns how many there are. It is an
// open-addressing table of int32 (linear probing, load ≤ 1/2) over a
// multiplicative hash of the whole 32-byte hash, cheaper than a Go map
// keyed by the array: O(len(rows)) expected.
func internHashes(hashes []datasets.Hash, rows, ids []int32) int {
	size := 16
	for size < 2*len(rows) {
		size *= 2
	}
	mask := uint64(size - 1)
	table := make([]int32, size) // id+1; 0 empty
	var first []int32            // a row of each id
	for j, r := range rows {
		h := &hashes[r]
		x := binary.LittleEndian.Uint64(h[0:]) ^ bits.RotateLeft64(binary.LittleEndian.Uint64(h[8:]), 17) ^
			bits.RotateLeft64(binary.LittleEndian.Uint64(h[16:]), 31) ^ bits.RotateLeft64(binary.LittleEndian.Uint64(h[24:]), 47)
		x ^= x >> 33
		x *= 0xff51afd7ed558ccd
		x ^= x >> 33
		x *= 0xc4ceb9fe1a85ec53
		x ^= x >> 33
		for i := x & mask; ; i = (i + 1) & mask {
			e := table[i]
			if e == 0 {
				table[i] = int32(len(first)) + 1
				ids[j] = int32(len(first))
				first = append(first, r)
				break
			}
			if hashes[first[e-1]] == *h {
				ids[j] = e - 1
				break
			}
		}
	}
	return len(first)
}

// groupBy returns the (key, item) pairs of items ordered by key (a counting
// sort; keys in [0, nkeys)), items in their given order within a key.
func groupBy(items, keys []int32, nkeys int) [][2]int32 {
	start := make([]int32, nkeys+1)
	for _, k := range keys {
		start[k+1]++
	}
	for k := 0; k < nkeys; k++ {
		start[k+1] += start[k]
	}
	out := make([][2]int32, len(items))
	for j, r := range items {
		k := keys[j]
		out[start[k]] = [2]int32{k, r}
		start[k]++
	}
	return out
}

// round rounds v to d decimals through its decimal form; −0 becomes 0.
func round(v float64, d int) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', d, 64), 64)
	if r == 0 {
		return 0
	}
	return r
}

func ptr(v float64) *float64 { return &v }

// change returns the rounded relative change, nil when prev is 0 or unknown.
func change(cur, prev float64, known bool) *float64 {
	if !known || prev == 0 {
		return nil
	}
	return ptr(round((cur-prev)/prev, 6))
}

func ratio(a *acc) float64 {
	if a.sales == 0 {
		return 0
	}
	return float64(a.fsales) / float64(a.sales)
}

// metricsOf turns the accumulators of a scope's two windows into its fields.
func metricsOf(a, p *acc, all bool) Metrics {
	ch := !all
	m := Metrics{
		WashtradeAssets:              int64(a.assets),
		WashtradeAssetsChange:        change(float64(a.assets), float64(p.assets), ch),
		WashtradeSuspectSales:        int64(a.fsales),
		WashtradeSuspectSalesChange:  change(float64(a.fsales), float64(p.fsales), ch),
		WashtradeSuspectSalesRatio:   round(ratio(a), 6),
		WashtradeSuspectTransactions: int64(a.txs),
		WashtradeWallets:             int64(a.wallets),
		WashtradeWalletsChange:       change(float64(a.wallets), float64(p.wallets), ch),
		TotalSales:                   int64(a.sales),
	}
	m.WashtradeSuspectSalesRatioChange = change(ratio(a), ratio(p), ch)
	m.WashtradeSuspectTransactionsChg = change(float64(a.txs), float64(p.txs), ch)
	if !a.mixed {
		wvol := a.wvol.Value()
		m.WashtradeVolume = ptr(round(wvol, 9))
		m.TotalVolume = ptr(round(a.vol.Value(), 9))
		m.WashtradeVolumeChange = change(wvol, p.wvol.Value(), ch && !p.mixed)
	}
	if a.hasUSD {
		wusd := a.wusd.Value()
		m.WashtradeVolumeUSD = ptr(round(wusd, 9))
		m.TotalVolumeUSD = ptr(round(a.usd.Value(), 9))
		m.WashtradeVolumeUSDChange = change(wusd, p.wusd.Value(), ch && p.hasUSD)
	}
	m.WashtradeLevel = level(a)
	return m
}

// level maps a window's wash share to 0–4 (see the package doc).
func level(a *acc) int {
	if a.fsales == 0 {
		return 0
	}
	var share float64
	switch vol, usd := a.vol.Value(), a.usd.Value(); {
	case !a.mixed && vol > 0:
		share = a.wvol.Value() / vol
	case a.hasUSD && usd > 0:
		share = a.wusd.Value() / usd
	default:
		share = ratio(a)
	}
	switch {
	case share < 0.05:
		return 1
	case share < 0.2:
		return 2
	case share < 0.5:
		return 3
	}
	return 4
}
