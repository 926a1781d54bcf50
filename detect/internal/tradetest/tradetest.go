// Package tradetest builds small in-memory trade tables for detector tests:
// rows are written with short wallet names ("A", "B") and short transaction
// names, so a fixture reads like the pattern it encodes.
package tradetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"testing"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/features"
)

// Day is one day in seconds.
const Day = 86400

// T0 is the time of day 0 of every fixture: 2022-01-01T00:00:00Z.
const T0 = 1640995200

// Row is one fixture trade. Seller and Buyer are short names ("" = empty
// address, "0" = the zero address); Tx is a short transaction name (""
// gives every row its own transaction). Day is added to T0 (fractions allowed).
type Row struct {
	Day      float64
	Tx       string
	Log      uint32
	Contract string // short name; "" = "C"
	Token    string // decimal token id; "" for erc20
	Std      datasets.Standard
	Seller   string
	Buyer    string
	Price    float64
	Currency string
	Platform string
	Label    datasets.Label // use Wash/Organic/None below
}

// Addr returns the address a short name stands for: "" and "0" give the
// zero address; a name of 40 hex digits after 0x is parsed as is.
func Addr(name string) datasets.Address {
	var a datasets.Address
	if name == "" || name == "0" {
		return a
	}
	if len(name) == 42 && name[:2] == "0x" {
		if b, err := hex.DecodeString(name[2:]); err == nil {
			copy(a[:], b)
			return a
		}
	}
	h := sha256.Sum256([]byte("wallet:" + name))
	copy(a[:], h[:])
	return a
}

// Hash returns the transaction hash a short name stands for.
func Hash(name string) datasets.Hash {
	return datasets.Hash(sha256.Sum256([]byte("tx:" + name)))
}

// Build returns the trades table of rows, in the order given.
func Build(rows []Row) *datasets.Trades {
	t := datasets.NewTrades()
	chain := t.Chains.Intern("ethereum")
	for i, r := range rows {
		contract := r.Contract
		if contract == "" {
			contract = "C"
		}
		tx := r.Tx
		if tx == "" {
			tx = fmt.Sprintf("row%d", i)
		}
		t.Chain = append(t.Chain, chain)
		t.Time = append(t.Time, T0+int64(math.Round(r.Day*Day)))
		t.Block = append(t.Block, 0)
		t.TxHash = append(t.TxHash, Hash(tx))
		t.LogIndex = append(t.LogIndex, r.Log)
		t.Asset = append(t.Asset, t.Assets.Intern(t.Addrs.Intern(Addr(contract)), r.Token))
		t.Standard = append(t.Standard, r.Std)
		t.Seller = append(t.Seller, intern(t, r.Seller))
		t.Buyer = append(t.Buyer, intern(t, r.Buyer))
		t.Amount = append(t.Amount, 1)
		t.Price = append(t.Price, r.Price)
		t.Currency = append(t.Currency, t.Currencies.Intern(r.Currency))
		t.PriceUSD = append(t.PriceUSD, math.NaN())
		t.Platform = append(t.Platform, t.Platforms.Intern(r.Platform))
		t.TxFrom = append(t.TxFrom, datasets.NoAddr)
		t.Label = append(t.Label, r.Label)
		t.Origins.Append(0, int64(i+2))
	}
	t.Files = []string{"fixture"}
	t.Stats = datasets.LoadStats{RowsRead: int64(len(rows)), RowsLoaded: int64(len(rows))}
	return t
}

func intern(t *datasets.Trades, name string) datasets.AddrID {
	if name == "" {
		return datasets.NoAddr
	}
	return t.Addrs.Intern(Addr(name))
}

// Funders builds a funder table: wallet name -> funder name.
func Funders(t *datasets.Trades, m map[string]string) *datasets.Funders {
	f := datasets.NewFunders()
	for w, fu := range m {
		f.Set(t.Addrs.Intern(Addr(w)), t.Addrs.Intern(Addr(fu)), 0)
	}
	return f
}

// Input returns the detector input of t with funders f (may be nil) and the
// deny-listed funder names.
func Input(t *datasets.Trades, f *datasets.Funders, deny ...string) *detect.Input {
	in := &detect.Input{Features: features.Compute(t), Funders: f, DenyFunders: map[datasets.AddrID]bool{}}
	for _, d := range deny {
		in.DenyFunders[t.Addrs.Intern(Addr(d))] = true
	}
	return in
}

// Run runs d over in with params (key "param" → value, for d) and returns
// its findings by row.
func Run(tb testing.TB, in *detect.Input, d *detect.Detector, params map[string]string) map[int32]detect.Finding {
	tb.Helper()
	out := map[int32]detect.Finding{}
	for _, f := range Findings(tb, in, d, params) {
		out[f.Row] = f
	}
	return out
}

// Findings runs d over in with params (key "param" → value, for d), checked
// as the command line checks them, and returns its findings.
func Findings(tb testing.TB, in *detect.Input, d *detect.Detector, params map[string]string) []detect.Finding {
	tb.Helper()
	p := detect.NewParams()
	for k, v := range params {
		p.Set(d.Name+"."+k, v)
	}
	if err := p.Check([]*detect.Detector{d}); err != nil {
		tb.Fatal(err)
	}
	res, err := detect.Run(context.Background(), in, []*detect.Detector{d}, p)
	if err != nil {
		tb.Fatal(err)
	}
	return res.Findings[d.Name]
}

// WithReference runs detector d and its reference ref (a detector with the
// same parameters under another name) together over in, both with params
// (name → value), and returns their findings and the run's result.
func WithReference(tb testing.TB, in *detect.Input, d, ref *detect.Detector, params map[string]string) (got, want []detect.Finding, res *detect.Result) {
	tb.Helper()
	p := detect.NewParams()
	for k, v := range params {
		p.Set(d.Name+"."+k, v)
		p.Set(ref.Name+"."+k, v)
	}
	res, err := detect.Run(context.Background(), in, []*detect.Detector{d, ref}, p)
	if err != nil {
		tb.Fatal(err)
	}
	return res.Findings[d.Name], res.Findings[ref.Name], res
}

// Label shorthands.
const (
	None    = datasets.LabelNone
	Organic = datasets.LabelOrganic
	Wash    = datasets.LabelWash
)

// Bench runs d over the Big market b.N times and reports trades/s.
func Bench(b *testing.B, d *detect.Detector) {
	t, f := Big()
	in := Input(t, f)
	b.ResetTimer()
	for b.Loop() {
		if _, err := detect.Run(context.Background(), in, []*detect.Detector{d}, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(t.Len())*float64(b.N)/b.Elapsed().Seconds(), "trades/s")
}

// Diff compares a detector's findings got with an independent reference's
// want (both one per row, in row order as detect.Run returns them): the
// same rows and evidence strings, strengths within tol (a reference that
// computes a formula in another order may differ in the last bits). It
// returns "" when they agree, else the first difference.
func Diff(got, want []detect.Finding, tol float64) string {
	for i := 0; i < max(len(got), len(want)); i++ {
		switch {
		case i >= len(got):
			return fmt.Sprintf("%d findings, reference %d: missing row %d %.9g %q", len(got), len(want), want[i].Row, want[i].Strength, want[i].Evidence)
		case i >= len(want):
			return fmt.Sprintf("%d findings, reference %d: extra row %d %.9g %q", len(got), len(want), got[i].Row, got[i].Strength, got[i].Evidence)
		}
		a, b := got[i], want[i]
		if a.Row != b.Row || a.Evidence != b.Evidence || math.Abs(a.Strength-b.Strength) > tol {
			return fmt.Sprintf("%d findings, reference %d: row %d %.9g %q, reference row %d %.9g %q", len(got), len(want), a.Row, a.Strength, a.Evidence, b.Row, b.Strength, b.Evidence)
		}
	}
	return ""
}
