package metrics_test

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect/metrics"
	"github.com/washscan/washscan/features"
)

type row struct {
	chain    string
	t        int64
	tx       int
	contract string
	token    string // "" for erc20
	seller   string
	buyer    string
	price    float64
	currency string
	usd      float64 // NaN: not given
	platform string
	flagged  bool
}

func addr(name string) datasets.Address {
	var a datasets.Address
	if name == "" || name == "0" {
		return a
	}
	a[0] = 0xab
	copy(a[20-len(name):], name)
	return a
}

func build(rows []row) (*features.Set, []bool) {
	t := datasets.NewTrades()
	flagged := make([]bool, len(rows))
	id := func(n string) datasets.AddrID {
		if n == "" {
			return datasets.NoAddr
		}
		return t.Addrs.Intern(addr(n))
	}
	for i, r := range rows {
		chain := r.chain
		if chain == "" {
			chain = "ethereum"
		}
		t.Chain = append(t.Chain, t.Chains.Intern(chain))
		t.Time = append(t.Time, r.t)
		t.Block = append(t.Block, 0)
		t.TxHash = append(t.TxHash, datasets.Hash{byte(r.tx), byte(r.tx >> 8)})
		t.LogIndex = append(t.LogIndex, 0)
		t.Asset = append(t.Asset, t.Assets.Intern(id(r.contract), r.token))
		std := datasets.ERC721
		if r.token == "" {
			std = datasets.ERC20
		}
		t.Standard = append(t.Standard, std)
		t.Seller = append(t.Seller, id(r.seller))
		t.Buyer = append(t.Buyer, id(r.buyer))
		t.Amount = append(t.Amount, 1)
		t.Price = append(t.Price, r.price)
		t.Currency = append(t.Currency, t.Currencies.Intern(r.currency))
		t.PriceUSD = append(t.PriceUSD, r.usd)
		t.Platform = append(t.Platform, t.Platforms.Intern(r.platform))
		t.TxFrom = append(t.TxFrom, 0)
		t.Label = append(t.Label, datasets.LabelNone)
		t.Origins.Append(0, int64(i+2))
		flagged[i] = r.flagged
	}
	t.Files = []string{"test.csv"}
	t.Stats = datasets.LoadStats{RowsRead: int64(len(rows)), RowsLoaded: int64(len(rows))}
	return features.Compute(t), flagged
}

var nan = math.NaN()

const day = 86400

// market is a small hand-checked market: day 10 is as_of.
var market = []row{
	// previous 7d window (day 0, 3]: one flagged sale
	{t: 2 * day, tx: 1, contract: "C1", token: "1", seller: "A", buyer: "B", price: 1, usd: 2000, platform: "opensea", flagged: true},
	// current 7d window (3, 10]
	{t: 4 * day, tx: 2, contract: "C1", token: "1", seller: "B", buyer: "A", price: 2, usd: 4000, platform: "opensea", flagged: true},
	{t: 5 * day, tx: 2, contract: "C1", token: "2", seller: "B", buyer: "A", price: 0, usd: nan, platform: "opensea", flagged: true},
	{t: 6 * day, tx: 3, contract: "C1", token: "10", seller: "C", buyer: "D", price: 3, usd: 6000, platform: "blur"},
	{t: 7 * day, tx: 4, contract: "C2", token: "", seller: "D", buyer: "", price: 5, currency: "USDC", usd: 5, platform: "", flagged: true},
	{t: 10 * day, tx: 5, contract: "C1", token: "10", seller: "D", buyer: "C", price: 4, usd: nan, platform: "blur"},
	// after as_of when as_of is day 10
	{t: 11 * day, tx: 6, contract: "C1", token: "1", seller: "A", buyer: "A", price: 9, usd: 9, platform: "opensea", flagged: true},
}

func f(v float64) *float64 { return &v }

func eqp(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func TestMarketHandChecked(t *testing.T) {
	fs, flagged := build(market)
	rep := metrics.Compute(fs, flagged, metrics.Options{
		Range: metrics.Range{Name: "7d", Seconds: 7 * day}, AsOf: 10 * day, HasAsOf: true,
	})
	if rep.AsOf != "1970-01-11T00:00:00Z" || rep.TimeRange != "7d" {
		t.Errorf("as_of %s range %s", rep.AsOf, rep.TimeRange)
	}
	m := rep.Market
	// current: rows 1..5; sales 1,3,4,5 (row 2 is a transfer); flagged rows 1,2,4.
	checks := []struct {
		name      string
		got, want any
	}{
		{"assets", m.WashtradeAssets, int64(3)},              // C1/1, C1/2, C2
		{"assets change", *m.WashtradeAssetsChange, 2.0},     // prev 1
		{"suspect sales", m.WashtradeSuspectSales, int64(2)}, // rows 1, 4
		{"suspect sales change", *m.WashtradeSuspectSalesChange, 1.0},
		{"ratio", m.WashtradeSuspectSalesRatio, 0.5},
		{"ratio change", *m.WashtradeSuspectSalesRatioChange, -0.5}, // prev 1/1
		{"transactions", m.WashtradeSuspectTransactions, int64(2)},  // tx 2, 4
		{"volume", *m.WashtradeVolume, 2.0},                         // USDC not native
		{"volume change", *m.WashtradeVolumeChange, 1.0},
		{"volume usd", *m.WashtradeVolumeUSD, 4005.0},
		{"volume usd change", *m.WashtradeVolumeUSDChange, 1.0025},
		{"wallets", m.WashtradeWallets, int64(3)}, // A, B, D
		{"wallets change", *m.WashtradeWalletsChange, 0.5},
		{"level", m.WashtradeLevel, 3}, // 2 / (2+3+4) = 22%
		{"total sales", m.TotalSales, int64(4)},
		{"total volume", *m.TotalVolume, 9.0},
		{"total volume usd", *m.TotalVolumeUSD, 10005.0},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("market %s = %v, want %v", c.name, c.got, c.want)
		}
	}
	// Marketplaces: empty platform omitted; sorted by wash volume desc.
	if len(rep.Marketplaces) != 2 || rep.Marketplaces[0].Platform != "opensea" || rep.Marketplaces[1].Platform != "blur" {
		t.Fatalf("marketplaces %+v", rep.Marketplaces)
	}
	if bl := rep.Marketplaces[1]; bl.WashtradeLevel != 0 || bl.TotalSales != 2 || *bl.WashtradeVolume != 0 || bl.WashtradeVolumeChange != nil {
		t.Errorf("blur %+v", bl.Metrics)
	}
	// Wallets: A, B, D; A and B have volume 2, D has 0 (USDC).
	var ws []string
	for _, w := range rep.Wallets {
		ws = append(ws, w.Wallet)
	}
	want := []string{addr("A").String(), addr("B").String(), addr("D").String()}
	if strings.Join(ws, ",") != strings.Join(want, ",") {
		t.Errorf("wallets %v, want %v", ws, want)
	}
	// D's metrics cover rows where D is a party: rows 3, 4, 5.
	if d := rep.Wallets[2]; d.TotalSales != 3 || *d.TotalVolume != 7 || d.WashtradeSuspectSales != 1 {
		t.Errorf("wallet D %+v", d.Metrics)
	}
	// NFTs: C1/1 (vol 2), then C1/2 and C2 (vol 0), keys ordered.
	var ns []string
	for _, n := range rep.NFTs {
		ns = append(ns, n.TokenID)
	}
	if strings.Join(ns, ",") != "1,2," {
		t.Errorf("nft token ids %q", ns)
	}
	if len(rep.Collections) != 2 {
		t.Errorf("collections %+v", rep.Collections)
	}
}

func TestRangesAndAsOf(t *testing.T) {
	fs, flagged := build(market)
	tests := []struct {
		rng        string
		asOf       int64
		hasAsOf    bool
		wantAsOf   string
		wantSales  int64
		wantChange bool
	}{
		{"all", 0, false, "1970-01-12T00:00:00Z", 6, false},
		{"all", 10 * day, true, "1970-01-11T00:00:00Z", 5, false},
		{"24h", 0, false, "1970-01-12T00:00:00Z", 1, false}, // prev window (10, 11] has one sale
		{"24h", 10 * day, true, "1970-01-11T00:00:00Z", 1, false},
		{"7d", 0, false, "1970-01-12T00:00:00Z", 4, true}, // (4d, 11d]: row at 5d is a transfer
		{"30d", 0, false, "1970-01-12T00:00:00Z", 6, false},
		{"90d", 10 * day, true, "1970-01-11T00:00:00Z", 5, false},
	}
	for _, tc := range tests {
		r, err := metrics.ParseRange(tc.rng)
		if err != nil {
			t.Fatal(err)
		}
		rep := metrics.Compute(fs, flagged, metrics.Options{Range: r, AsOf: tc.asOf, HasAsOf: tc.hasAsOf})
		if rep.AsOf != tc.wantAsOf || rep.Market.TotalSales != tc.wantSales {
			t.Errorf("%s as_of %d: as_of %s sales %d, want %s %d", tc.rng, tc.asOf, rep.AsOf, rep.Market.TotalSales, tc.wantAsOf, tc.wantSales)
		}
		if got := rep.Market.WashtradeSuspectSalesChange != nil; got != tc.wantChange {
			t.Errorf("%s as_of %d: change present %v, want %v", tc.rng, tc.asOf, got, tc.wantChange)
		}
		if tc.rng == "all" && (rep.Market.WashtradeAssetsChange != nil || rep.Market.WashtradeVolumeChange != nil) {
			t.Errorf("range all has a change")
		}
	}
	for _, bad := range []string{"", "1d", "ALL", "30"} {
		if _, err := metrics.ParseRange(bad); err == nil {
			t.Errorf("ParseRange(%q) accepted", bad)
		}
	}
}

func TestNulls(t *testing.T) {
	tests := []struct {
		name             string
		rows             []row
		volNull, usdNull bool
		level            int
	}{
		{"no usd", []row{{t: 1, contract: "C", token: "1", seller: "A", buyer: "B", price: 1, usd: nan, flagged: true}}, false, true, 4},
		{"mixed chains", []row{
			{t: 1, contract: "C", token: "1", seller: "A", buyer: "B", price: 1, usd: 10, flagged: true},
			{chain: "polygon", t: 2, tx: 1, contract: "C", token: "2", seller: "A", buyer: "B", price: 100, usd: 90},
		}, true, false, 2}, // share from usd: 10/100
		{"mixed chains no usd", []row{
			{t: 1, contract: "C", token: "1", seller: "A", buyer: "B", price: 1, usd: nan, flagged: true},
			{chain: "polygon", t: 2, tx: 1, contract: "C", token: "2", seller: "A", buyer: "B", price: 100, usd: nan},
		}, true, true, 4}, // share from counts: 1/2
		{"empty", nil, false, true, 0},
	}
	for _, tc := range tests {
		fs, flagged := build(tc.rows)
		rep := metrics.Compute(fs, flagged, metrics.Options{Range: metrics.Ranges[4]})
		m := rep.Market
		if (m.WashtradeVolume == nil) != tc.volNull || (m.TotalVolume == nil) != tc.volNull {
			t.Errorf("%s: volume null = %v, want %v", tc.name, m.WashtradeVolume == nil, tc.volNull)
		}
		if (m.WashtradeVolumeUSD == nil) != tc.usdNull || (m.TotalVolumeUSD == nil) != tc.usdNull {
			t.Errorf("%s: usd null = %v, want %v", tc.name, m.WashtradeVolumeUSD == nil, tc.usdNull)
		}
		if m.WashtradeLevel != tc.level {
			t.Errorf("%s: level %d, want %d", tc.name, m.WashtradeLevel, tc.level)
		}
	}
}

func TestLevels(t *testing.T) {
	for _, tc := range []struct {
		wash  float64
		level int
	}{{0, 1}, {4.9, 1}, {5, 2}, {19.99, 2}, {20, 3}, {49, 3}, {50, 4}, {100, 4}} {
		rows := []row{{t: 1, contract: "C", token: "1", seller: "A", buyer: "B", price: tc.wash, usd: nan, flagged: true}}
		if tc.wash == 0 {
			rows[0].currency = "USDC"
			rows[0].price = 1
		}
		rows = append(rows, row{t: 2, tx: 1, contract: "C", token: "2", seller: "A", buyer: "B", price: 100 - tc.wash, usd: nan})
		fs, flagged := build(rows)
		rep := metrics.Compute(fs, flagged, metrics.Options{Range: metrics.Ranges[4]})
		if rep.Market.WashtradeLevel != tc.level {
			t.Errorf("wash %v%%: level %d, want %d", tc.wash, rep.Market.WashtradeLevel, tc.level)
		}
	}
}

func TestTopAndTokenOrder(t *testing.T) {
	var rows []row
	for i, tok := range []string{"100", "9", "20", "1000"} {
		rows = append(rows, row{t: int64(i), tx: i, contract: "C", token: tok, seller: "A", buyer: "B", price: 0, usd: nan, flagged: true})
	}
	fs, flagged := build(rows)
	for _, tc := range []struct {
		top  int
		want string
	}{{0, "9,20,100,1000"}, {2, "9,20"}, {100, "9,20,100,1000"}} {
		rep := metrics.Compute(fs, flagged, metrics.Options{Range: metrics.Ranges[4], Top: tc.top})
		var ns []string
		for _, n := range rep.NFTs {
			ns = append(ns, n.TokenID)
		}
		if got := strings.Join(ns, ","); got != tc.want {
			t.Errorf("top %d: nfts %s, want %s", tc.top, got, tc.want)
		}
		if tc.top == 2 && len(rep.Wallets) != 2 {
			t.Errorf("top 2: %d wallets", len(rep.Wallets))
		}
	}
}

// TestJSONShape checks key order, that every field is present and that nil
// blocks are written as empty values.
func TestJSONShape(t *testing.T) {
	fs, flagged := build(market)
	rep := metrics.Compute(fs, flagged, metrics.Options{Range: metrics.Ranges[4]})
	var buf bytes.Buffer
	if err := rep.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	order := []string{`"washscan"`, `"version"`, `"preset"`, `"threshold"`, `"weights"`, `"params": {}`, `"as_of"`, `"time_range"`,
		`"input"`, `"files"`, `"rows_read"`, `"rows_loaded"`, `"rows_rejected"`, `"rows_duplicate"`, `"market"`,
		`"marketplaces"`, `"collections"`, `"wallets"`, `"nfts"`, `"tests": {}`}
	pos := 0
	for _, k := range order {
		i := strings.Index(s[pos:], k)
		if i < 0 {
			t.Fatalf("key %s missing or out of order in\n%s", k, s)
		}
		pos += i
	}
	fields := []string{"washtrade_assets", "washtrade_assets_change", "washtrade_suspect_sales", "washtrade_suspect_sales_change",
		"washtrade_suspect_sales_ratio", "washtrade_suspect_sales_ratio_change", "washtrade_suspect_transactions",
		"washtrade_suspect_transactions_change", "washtrade_volume", "washtrade_volume_change", "washtrade_volume_usd",
		"washtrade_volume_usd_change", "washtrade_wallets", "washtrade_wallets_change", "washtrade_level", "total_sales",
		"total_volume", "total_volume_usd",
		"block_dates", "washtrade_assets_trend", "washtrade_suspect_sales_trend", "washtrade_suspect_transactions_trend",
		"washtrade_volume_trend", "washtrade_volume_usd_trend", "washtrade_wallets_trend", "total_sales_trend",
		"total_volume_trend", "total_volume_usd_trend"}
	var doc struct {
		Market       map[string]any   `json:"market"`
		Marketplaces []map[string]any `json:"marketplaces"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range fields {
		if _, ok := doc.Market[k]; !ok {
			t.Errorf("market lacks %s", k)
		}
		if _, ok := doc.Marketplaces[0][k]; !ok {
			t.Errorf("marketplace lacks %s", k)
		}
	}
	if len(doc.Market) != len(fields) {
		t.Errorf("market has %d keys, want %d", len(doc.Market), len(fields))
	}
	mk := s[strings.Index(s, `"market"`):]
	p := 0
	for _, k := range fields {
		i := strings.Index(mk[p:], `"`+k+`"`)
		if i < 0 {
			t.Fatalf("market field %s out of order", k)
		}
		p += i + len(k)
	}
}

// TestRounding checks decimal rounding and that no -0 is printed.
func TestRounding(t *testing.T) {
	rows := []row{
		{t: 1, contract: "C", token: "1", seller: "A", buyer: "B", price: 0.1, usd: nan, flagged: true},
		{t: 2, tx: 1, contract: "C", token: "1", seller: "B", buyer: "A", price: 0.2, usd: nan, flagged: true},
		{t: 3, tx: 2, contract: "C", token: "1", seller: "A", buyer: "C", price: 1e-10, usd: nan, flagged: true},
		{t: 4, tx: 3, contract: "C", token: "2", seller: "E", buyer: "F", price: 2, usd: nan},
	}
	fs, flagged := build(rows)
	rep := metrics.Compute(fs, flagged, metrics.Options{Range: metrics.Ranges[4]})
	if got := *rep.Market.WashtradeVolume; got != 0.3 {
		t.Errorf("volume %v, want 0.3 (0.1+0.2+1e-10 rounded to 9 decimals)", got)
	}
	if got := rep.Market.WashtradeSuspectSalesRatio; got != 0.75 {
		t.Errorf("ratio %v", got)
	}
	var buf bytes.Buffer
	rep.WriteJSON(&buf)
	if strings.Contains(buf.String(), "-0,") || strings.Contains(buf.String(), "-0\n") {
		t.Errorf("negative zero printed:\n%s", buf.String())
	}
}

// reference computes one scope's metrics the slow, obvious way.
type refAcc struct {
	sales, fsales, rows  int64
	vol, wvol, usd, wusd float64 // exact sums (refSum)
	vols, wvols, usds    []float64
	wusds                []float64
	assets, txs, wallets map[any]bool
	chains               map[uint32]bool
	hasUSD               bool
}

func reference(fs *features.Set, flagged []bool, in func(r int32) bool, lo, hi int64) *refAcc {
	t := fs.T
	a := &refAcc{assets: map[any]bool{}, txs: map[any]bool{}, wallets: map[any]bool{}, chains: map[uint32]bool{}}
	for _, r := range fs.Order {
		if t.Time[r] <= lo || t.Time[r] > hi || !in(r) {
			continue
		}
		a.rows++
		a.chains[t.Chain[r]] = true
		usd := !math.IsNaN(t.PriceUSD[r])
		a.hasUSD = a.hasUSD || usd
		if flagged[r] {
			a.assets[t.Asset[r]] = true
			a.txs[t.TxHash[r]] = true
			if fs.Seller[r] != 0 {
				a.wallets[fs.Seller[r]] = true
			}
			if fs.Buyer[r] != 0 {
				a.wallets[fs.Buyer[r]] = true
			}
		}
		if t.Price[r] <= 0 {
			continue
		}
		a.sales++
		if fs.Native[r] {
			a.vols = append(a.vols, t.Price[r])
		}
		if usd {
			a.usds = append(a.usds, t.PriceUSD[r])
		}
		if flagged[r] {
			a.fsales++
			if fs.Native[r] {
				a.wvols = append(a.wvols, t.Price[r])
			}
			if usd {
				a.wusds = append(a.wusds, t.PriceUSD[r])
			}
		}
	}
	a.vol, a.wvol, a.usd, a.wusd = refSum(a.vols), refSum(a.wvols), refSum(a.usds), refSum(a.wusds)
	return a
}

func checkRef(t *testing.T, what string, m *metrics.Metrics, a *refAcc) {
	t.Helper()
	bad := m.WashtradeAssets != int64(len(a.assets)) || m.WashtradeSuspectTransactions != int64(len(a.txs)) ||
		m.WashtradeWallets != int64(len(a.wallets)) || m.WashtradeSuspectSales != a.fsales || m.TotalSales != a.sales
	if len(a.chains) > 1 {
		bad = bad || m.WashtradeVolume != nil || m.TotalVolume != nil
	} else {
		bad = bad || !eqp(m.WashtradeVolume, f(math.Round(a.wvol*1e9)/1e9)) || !eqp(m.TotalVolume, f(math.Round(a.vol*1e9)/1e9))
	}
	if a.hasUSD {
		bad = bad || !eqp(m.WashtradeVolumeUSD, f(math.Round(a.wusd*1e9)/1e9)) || !eqp(m.TotalVolumeUSD, f(math.Round(a.usd*1e9)/1e9))
	} else {
		bad = bad || m.WashtradeVolumeUSD != nil || m.TotalVolumeUSD != nil
	}
	if bad {
		t.Errorf("%s: got %+v\nreference sales %d/%d assets %d txs %d wallets %d vol %v/%v usd %v/%v chains %d",
			what, *m, a.fsales, a.sales, len(a.assets), len(a.txs), len(a.wallets), a.wvol, a.vol, a.wusd, a.usd, len(a.chains))
	}
}

// TestAgainstReference compares every scope of random markets with the
// obvious per-scope computation.
func TestAgainstReference(t *testing.T) {
	for seed := uint64(1); seed <= 30; seed++ {
		r := rand.New(rand.NewPCG(seed, 3))
		n := r.IntN(300)
		pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
		rows := make([]row, n)
		for i := range rows {
			usd := nan
			if r.IntN(3) > 0 {
				usd = float64(r.IntN(1000)) / 7
			}
			chain := "ethereum"
			if seed%3 == 0 && r.IntN(4) == 0 {
				chain = "polygon"
			}
			rows[i] = row{
				chain: chain, t: int64(r.IntN(60 * day)), tx: r.IntN(n/2 + 1),
				contract: pick("C1", "C2", "C3"), token: pick("", "1", "2", "3", "17"),
				seller: pick("", "0", "A", "B", "C", "D"), buyer: pick("", "A", "B", "C", "D", "E"),
				price: float64(r.IntN(5)) / 3, currency: pick("", "", "WETH", "USDC", "MATIC"),
				usd: usd, platform: pick("", "opensea", "blur"), flagged: r.IntN(3) == 0,
			}
		}
		fs, flagged := build(rows)
		rng := metrics.Ranges[r.IntN(len(metrics.Ranges))]
		opt := metrics.Options{Range: rng, AsOf: int64(r.IntN(70 * day)), HasAsOf: r.IntN(2) == 0}
		rep := metrics.Compute(fs, flagged, opt)
		asOf, lo, _ := metrics.Window(fs, opt)
		tt := fs.T
		all := func(int32) bool { return true }
		checkRef(t, "market", &rep.Market.Metrics, reference(fs, flagged, all, lo, asOf))
		for _, mp := range rep.Marketplaces {
			p, _ := tt.Platforms.Lookup(mp.Platform)
			checkRef(t, "marketplace "+mp.Platform, &mp.Metrics, reference(fs, flagged, func(r int32) bool { return tt.Platform[r] == p }, lo, asOf))
		}
		for _, c := range rep.Collections {
			checkRef(t, "collection "+c.ContractAddress, &c.Metrics, reference(fs, flagged, func(r int32) bool {
				return tt.Chains.Value(tt.Chain[r]) == c.Blockchain && tt.Addrs.String(fs.Contract[r]) == c.ContractAddress
			}, lo, asOf))
		}
		for _, w := range rep.Wallets {
			checkRef(t, "wallet "+w.Wallet, &w.Metrics, reference(fs, flagged, func(r int32) bool {
				return tt.Addrs.String(fs.Seller[r]) == w.Wallet || tt.Addrs.String(fs.Buyer[r]) == w.Wallet
			}, lo, asOf))
		}
		for _, nf := range rep.NFTs {
			checkRef(t, "nft "+nf.TokenID, &nf.Metrics, reference(fs, flagged, func(r int32) bool {
				return tt.Chains.Value(tt.Chain[r]) == nf.Blockchain && tt.Addrs.String(fs.Contract[r]) == nf.ContractAddress &&
					tt.Assets.TokenID[tt.Asset[r]] == nf.TokenID
			}, lo, asOf))
		}
		// wallets listed = wallets with a flagged row in the window
		want := reference(fs, flagged, all, lo, asOf).wallets
		if len(rep.Wallets) != len(want) {
			t.Errorf("seed %d: %d wallets listed, want %d", seed, len(rep.Wallets), len(want))
		}
	}
}

// TestInputOrderInvariance: permuting the input rows (distinct times) gives
// byte-identical JSON.
func TestInputOrderInvariance(t *testing.T) {
	rows := make([]row, len(market))
	copy(rows, market)
	for i := range rows {
		rows[i].t += int64(i) // distinct times
	}
	out := func(rows []row) string {
		fs, flagged := build(rows)
		var b bytes.Buffer
		metrics.Compute(fs, flagged, metrics.Options{Range: metrics.Ranges[1]}).WriteJSON(&b)
		return b.String()
	}
	want := out(rows)
	r := rand.New(rand.NewPCG(5, 5))
	for k := 0; k < 10; k++ {
		r.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
		if got := out(rows); got != want {
			t.Fatalf("shuffled input changed the output:\n%s\nwant\n%s", got, want)
		}
	}
}

func BenchmarkCompute(b *testing.B) {
	n := 1 << 20
	if testing.Short() {
		n = 1 << 16
	}
	r := rand.New(rand.NewPCG(1, 1))
	rows := make([]row, n)
	names := make([]string, 20000)
	for i := range names {
		names[i] = string([]byte{byte('A' + i%26), byte('a' + i/26%26), byte('a' + i/676%30)})
	}
	for i := range rows {
		rows[i] = row{t: int64(r.IntN(365 * day)), tx: i, contract: names[r.IntN(50)], token: string([]byte{byte('1' + r.IntN(9)), byte('0' + r.IntN(10)), byte('0' + r.IntN(10))}),
			seller: names[r.IntN(len(names))], buyer: names[r.IntN(len(names))], price: float64(r.IntN(100)) / 10, usd: float64(r.IntN(1000)),
			platform: []string{"opensea", "blur", "x2y2"}[r.IntN(3)], flagged: r.IntN(10) == 0}
	}
	fs, flagged := build(rows)
	b.ResetTimer()
	for b.Loop() {
		metrics.Compute(fs, flagged, metrics.Options{Range: metrics.Ranges[2], Top: 100})
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "trades/s")
}

// TestTopMatchesFullSort: the capped wallets and nfts lists are the first
// entries of the uncapped ones, on markets full of equal and nearly equal
// volumes (which round to the same 9 decimals or not) and of mixed-chain
// (null) volumes, so that the top cut falls inside ties.
func TestTopMatchesFullSort(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		r := rand.New(rand.NewPCG(seed, 7))
		n := 1 + r.IntN(400)
		prices := []float64{1, 1 + 1e-10, 1 + 4e-10, 1 + 6e-10, 1 - 3e-10, 2, 0.5, 1e-9, 3e-10, 1e7 + 1e-9, 1e7}
		rows := make([]row, n)
		for i := range rows {
			chain := "ethereum"
			if r.IntN(8) == 0 {
				chain = "polygon"
			}
			rows[i] = row{
				chain: chain, t: int64(r.IntN(10 * day)), tx: i,
				contract: []string{"C1", "C2", "C3"}[r.IntN(3)], token: strconv.Itoa(r.IntN(40)),
				seller: strconv.Itoa(1 + r.IntN(60)), buyer: strconv.Itoa(1 + r.IntN(60)),
				price: prices[r.IntN(len(prices))], usd: nan, flagged: r.IntN(2) == 0,
			}
		}
		fs, flagged := build(rows)
		for _, rng := range metrics.Ranges {
			full := metrics.Compute(fs, flagged, metrics.Options{Range: rng})
			for _, top := range []int{1, 2, 3, 5, 10, 30} {
				capped := metrics.Compute(fs, flagged, metrics.Options{Range: rng, Top: top})
				wantW, wantN := full.Wallets[:min(top, len(full.Wallets))], full.NFTs[:min(top, len(full.NFTs))]
				if !reflect.DeepEqual(capped.Wallets, wantW) {
					t.Fatalf("seed %d range %s top %d: wallets\n%+v\nwant\n%+v", seed, rng.Name, top, capped.Wallets, wantW)
				}
				if !reflect.DeepEqual(capped.NFTs, wantN) {
					t.Fatalf("seed %d range %s top %d: nfts\n%+v\nwant\n%+v", seed, rng.Name, top, capped.NFTs, wantN)
				}
			}
		}
	}
}
