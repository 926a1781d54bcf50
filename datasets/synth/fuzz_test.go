package synth

import (
	"testing"
	"time"
)

// FuzzGenerate runs odd configurations: Generate either rejects them or
// writes exactly Trades rows whose NFT sellers own what they sell.
func FuzzGenerate(f *testing.F) {
	f.Add(int64(500), uint64(1), 0.08, 0, 0, 0, 0, 1.0)
	f.Add(int64(1), uint64(0), 0.9, 8, 30, 3, -1, 0.01)
	f.Add(int64(2000), uint64(99), 0.5, 20, 200, 20, 3, 1000.0)
	f.Fuzz(func(t *testing.T, trades int64, seed uint64, share float64, wallets, tokens, colls, erc int, days float64) {
		if trades > 5000 || wallets > 5000 || tokens > 5000 || colls > 100 {
			t.Skip()
		}
		cfg := Config{Trades: trades, Seed: seed, WashShare: share, Wallets: wallets, Tokens: tokens,
			Collections: colls, ERC20: erc, Days: days, Start: time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)}
		var c collector
		st, err := Generate(cfg, &c, nil)
		if err != nil {
			return
		}
		if st.Rows != trades || int64(len(c.rows)) != trades {
			t.Fatalf("%+v: %d rows", cfg, len(c.rows))
		}
		checkRunsLoose(t, cfg, c.rows, st)
	})
}
