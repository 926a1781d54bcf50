// Package graphtest builds small trade tables and seeded synthetic markets
// for the tests and benchmarks of washscan's graph detectors.
package graphtest

import (
	"crypto/sha256"
	"strconv"
	"sync"
	"testing"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/internal/tradetest"
	"github.com/washscan/washscan/features"
)

// Row is one trade of a fixture. Wallet and contract names are short labels
// turned into addresses by [Addr]; "" is an unknown party.
type Row struct {
	Time     int64 // unix seconds
	Contract string
	Token    string // "" for erc20
	Seller   string
	Buyer    string
	Amount   float64 // 0 means 1
	Price    float64
	Platform string
	Wash     bool
}

// Addr turns a label into a deterministic address: the first 20 bytes of
// its SHA-256. "" is the zero (unknown) address.
func Addr(name string) datasets.Address {
	if name == "" {
		return datasets.Address{}
	}
	h := sha256.Sum256([]byte(name))
	var a datasets.Address
	copy(a[:], h[:])
	return a
}

// Table holds a trade table under construction.
type Table struct{ T *datasets.Trades }

// NewTable returns an empty table.
func NewTable() *Table { return &Table{T: datasets.NewTrades()} }

// Add appends one row; std is the token standard.
func (b *Table) Add(time int64, contract datasets.Address, token string, std datasets.Standard,
	seller, buyer datasets.Address, amount, price float64, platform string, label datasets.Label) {
	t := b.T
	i := t.Len()
	var h datasets.Hash
	copy(h[:], strconv.AppendInt(nil, int64(i)+1, 10))
	t.Chain = append(t.Chain, t.Chains.Intern("ethereum"))
	t.Time = append(t.Time, time)
	t.Block = append(t.Block, uint64(time/12))
	t.TxHash = append(t.TxHash, h)
	t.LogIndex = append(t.LogIndex, 0)
	t.Asset = append(t.Asset, t.Assets.Intern(t.Addrs.Intern(contract), token))
	t.Standard = append(t.Standard, std)
	t.Seller = append(t.Seller, b.addr(seller))
	t.Buyer = append(t.Buyer, b.addr(buyer))
	t.Amount = append(t.Amount, amount)
	t.Price = append(t.Price, price)
	t.Currency = append(t.Currency, 0)
	t.PriceUSD = append(t.PriceUSD, price*2000)
	t.Platform = append(t.Platform, t.Platforms.Intern(platform))
	t.TxFrom = append(t.TxFrom, datasets.NoAddr)
	t.Label = append(t.Label, label)
	t.Origins.Append(0, int64(i)+2)
}

func (b *Table) addr(a datasets.Address) datasets.AddrID {
	if a.IsZero() {
		return datasets.NoAddr // empty: unknown
	}
	return b.T.Addrs.Intern(a)
}

// Trades builds a table from fixture rows (erc721 when Token is set, erc20
// otherwise).
func Trades(rows []Row) *datasets.Trades {
	b := NewTable()
	for _, r := range rows {
		std := datasets.ERC721
		if r.Token == "" {
			std = datasets.ERC20
		}
		amt := r.Amount
		if amt == 0 {
			amt = 1
		}
		label := datasets.LabelOrganic
		if r.Wash {
			label = datasets.LabelWash
		}
		b.Add(r.Time, Addr(r.Contract), r.Token, std, Addr(r.Seller), Addr(r.Buyer), amt, r.Price, r.Platform, label)
	}
	b.T.Stats.RowsRead = int64(len(rows))
	b.T.Stats.RowsLoaded = int64(len(rows))
	return b.T
}

// Run runs d (and what it requires) over t with the given parameters and
// returns d's findings indexed by row (strength 0 = not flagged) and the
// findings themselves.
func Run(tb testing.TB, t *datasets.Trades, d *detect.Detector, params map[string]string) (strength []float64, findings []detect.Finding) {
	tb.Helper()
	return RunFeatures(tb, features.Compute(t), d, params)
}

// CheckFlags runs d over rows with the given parameters and fails tb for
// every row whose flag differs from its Wash field and for every finding
// with a strength outside (0, 1] or no evidence.
func CheckFlags(tb testing.TB, rows []Row, d *detect.Detector, params map[string]string) {
	tb.Helper()
	got, fs := Run(tb, Trades(rows), d, params)
	for i, r := range rows {
		if (got[i] > 0) != r.Wash {
			tb.Errorf("row %d (%s→%s token %q amount %g): strength %.3f, want flagged=%v", i, r.Seller, r.Buyer, r.Token, r.Amount, got[i], r.Wash)
		}
	}
	for _, f := range fs {
		if f.Strength <= 0 || f.Strength > 1 || f.Evidence == "" {
			tb.Errorf("row %d: bad finding %+v", f.Row, f)
		}
	}
}

// RunFeatures is Run on features computed beforehand (for benchmarks).
func RunFeatures(tb testing.TB, fs *features.Set, d *detect.Detector, params map[string]string) (strength []float64, findings []detect.Finding) {
	tb.Helper()
	t := fs.T
	findings = tradetest.Findings(tb, &detect.Input{Features: fs}, d, params)
	strength = make([]float64, t.Len())
	for _, f := range findings {
		strength[f.Row] = f.Strength
	}
	return strength, findings
}

// Confusion counts a detector's flags against the labels: a row is flagged
// when strength ≥ minStrength.
type Confusion struct{ TP, FP, FN, TN int }

// Count compares flags with the labels of t.
func Count(t *datasets.Trades, strength []float64, minStrength float64) Confusion {
	var c Confusion
	for i, l := range t.Label {
		flagged := strength[i] > 0 && strength[i] >= minStrength
		switch {
		case l == datasets.LabelWash && flagged:
			c.TP++
		case l == datasets.LabelWash:
			c.FN++
		case flagged:
			c.FP++
		default:
			c.TN++
		}
	}
	return c
}

// Precision is TP/(TP+FP), 1 with no flags.
func (c Confusion) Precision() float64 {
	if c.TP+c.FP == 0 {
		return 1
	}
	return float64(c.TP) / float64(c.TP+c.FP)
}

// Recall is TP/(TP+FN), 1 with no positives.
func (c Confusion) Recall() float64 {
	if c.TP+c.FN == 0 {
		return 1
	}
	return float64(c.TP) / float64(c.TP+c.FN)
}

var (
	testOnce, benchOnce   sync.Once
	testMarket, benchMark *datasets.Trades
)

// TestMarket returns the seeded 60k-row labeled market the detector tests
// share, built once per test binary.
func TestMarket() *datasets.Trades {
	testOnce.Do(func() { testMarket = Market(MarketConfig{Seed: 1, Trades: 60000}) })
	return testMarket
}

// CheckDeterministic runs d twice over t and fails tb unless both runs give
// the same findings.
func CheckDeterministic(tb testing.TB, t *datasets.Trades, d *detect.Detector) {
	tb.Helper()
	_, a := Run(tb, t, d, nil)
	_, b := Run(tb, t, d, nil)
	if len(a) != len(b) {
		tb.Fatalf("%d vs %d findings", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			tb.Fatalf("finding %d differs: %+v vs %+v", i, a[i], b[i])
		}
	}
}

// Bench runs d b.N times over a seeded 1M-row market (built once per
// binary, features computed outside the timer) and reports trades/s.
func Bench(b *testing.B, d *detect.Detector) {
	benchOnce.Do(func() { benchMark = Market(MarketConfig{Seed: 7, Trades: 1_000_000}) })
	fs := features.Compute(benchMark)
	b.ResetTimer()
	for b.Loop() {
		RunFeatures(b, fs, d, nil)
	}
	b.ReportMetric(float64(benchMark.Len())*float64(b.N)/b.Elapsed().Seconds(), "trades/s")
}

// WindowShare is graph.ActivityTable.Share written plainly: every row of f
// is read to count each wallet's rows (seller or buyer, a self-trade once)
// with time in [t0, t1). The reference tests of the graph detectors score
// with it.
func WindowShare(f *features.Set, wallets []uint32, inside []int32, t0, t1 int64) float64 {
	var in, tot float64
	for i, w := range wallets {
		n := 0
		for r := 0; r < f.N; r++ {
			if tm := f.T.Time[r]; tm >= t0 && tm < t1 && w != features.NoWallet && (f.Seller[r] == w || f.Buyer[r] == w) {
				n++
			}
		}
		x := int(inside[i])
		in += float64(x)
		tot += float64(max(n, x, 1))
	}
	if tot == 0 {
		return 0
	}
	return in / tot
}
