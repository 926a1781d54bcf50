package synth

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Mix weighs the kinds of wash campaign against each other. Weights are
// relative; zero switches a kind off. See the package documentation for what
// each kind generates.
type Mix struct {
	SelfTrade  float64 // seller == buyer, one row
	PingPong   float64 // A→B→A… on one token within days
	Ring       float64 // one token around 3–6 wallets
	RingTokens float64 // 3–6 wallets rotating different tokens of a collection
	Farming    float64 // 2–4 wallets trading many tokens on one marketplace
	SameTx     float64 // A→B→A inside one transaction
	Churn      float64 // position-neutral ERC-20 churn
}

// DefaultMix is the campaign mix used when Config.Mix is zero.
var DefaultMix = Mix{SelfTrade: 0.10, PingPong: 0.22, Ring: 0.14, RingTokens: 0.10, Farming: 0.18, SameTx: 0.10, Churn: 0.16}

func (m Mix) weights() [7]float64 {
	return [7]float64{m.SelfTrade, m.PingPong, m.Ring, m.RingTokens, m.Farming, m.SameTx, m.Churn}
}

// Config sets up a synthetic market. The zero value of every field but Trades
// means "derived from Trades" (see Normalize); Seed 0 is a valid seed.
type Config struct {
	// Trades is the number of rows to write (≥ 1).
	Trades int64
	// Seed selects the market; the same Config always yields the same rows.
	Seed uint64
	// Start is the time of the first trade (default 2022-01-01T00:00:00Z).
	Start time.Time
	// Days is the span of the market in days (default 365).
	Days float64
	// WashShare is the target fraction of rows labeled wash, in [0, 0.9]
	// (default 0.08; NoWash for none).
	WashShare float64
	// Wallets is the number of organic wallets (default max(50, Trades/8)).
	Wallets int
	// Tokens is the number of NFTs over all collections (default max(60, Trades/10)).
	Tokens int
	// Collections is the number of NFT collections (default clamp(Trades/3000, 3, 3000)).
	Collections int
	// ERC20 is the number of ERC-20 tokens (default 1, 2 from 100k trades;
	// negative for none).
	ERC20 int
	// ERC20Share is the fraction of organic trades that are ERC-20 swaps (default 0.08).
	ERC20Share float64
	// PolygonShare is the fraction of collections on polygon, priced in POL (default 0.05).
	PolygonShare float64
	// BuybackRate and RebuyRate are the per-resale probabilities of two
	// organic traps: a buy-back months later and a flipper buying the token
	// again weeks later (defaults 0.01 each). FriendRate is the probability
	// that a resale by a wallet of a friend group goes to a friend (default
	// 0.05). A negative value switches a trap off.
	BuybackRate, RebuyRate, FriendRate float64
	// Mix weighs the wash campaign kinds (default DefaultMix).
	Mix Mix
}

// NoWash is a WashShare that generates no wash campaigns.
const NoWash = -1

// Normalize returns cfg with defaults filled in, or an error naming the
// first invalid field.
func (cfg Config) Normalize() (Config, error) {
	n := cfg.Trades
	if n < 1 || n > 1<<40 {
		return cfg, fmt.Errorf("synth: trades %d out of range [1, 2^40]", n)
	}
	if cfg.Start.IsZero() {
		cfg.Start = time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	cfg.Start = cfg.Start.UTC().Truncate(time.Second)
	if cfg.Days == 0 {
		cfg.Days = 365
	}
	if !(cfg.Days > 0 && cfg.Days <= 36500) {
		return cfg, fmt.Errorf("synth: days %v out of range (0, 36500]", cfg.Days)
	}
	switch {
	case cfg.WashShare == NoWash:
		cfg.WashShare = 0
	case cfg.WashShare == 0:
		cfg.WashShare = 0.08
	case !(cfg.WashShare > 0 && cfg.WashShare <= 0.9):
		return cfg, fmt.Errorf("synth: wash share %v out of range [0, 0.9]", cfg.WashShare)
	}
	def := func(v *int, d int64, lo, hi int64, name string) error {
		if *v == 0 {
			*v = int(min(max(d, lo), hi))
		}
		if *v < 1 || int64(*v) > 1<<31 {
			return fmt.Errorf("synth: %s %d out of range", name, *v)
		}
		return nil
	}
	if err := def(&cfg.Wallets, n/8, 50, 1<<30, "wallets"); err != nil {
		return cfg, err
	}
	if err := def(&cfg.Collections, n/3000, 3, 3000, "collections"); err != nil {
		return cfg, err
	}
	if err := def(&cfg.Tokens, n/10, 60, 1<<30, "tokens"); err != nil {
		return cfg, err
	}
	if cfg.Wallets < 8 {
		return cfg, fmt.Errorf("synth: wallets %d: need at least 8", cfg.Wallets)
	}
	if cfg.Tokens < cfg.Collections*10 {
		return cfg, fmt.Errorf("synth: tokens %d: need at least 10 per collection (%d collections)", cfg.Tokens, cfg.Collections)
	}
	switch {
	case cfg.ERC20 < 0:
		cfg.ERC20 = 0
	case cfg.ERC20 == 0:
		cfg.ERC20 = 1
		if n >= 100_000 {
			cfg.ERC20 = 2
		}
	}
	if cfg.ERC20 > 100 {
		return cfg, fmt.Errorf("synth: erc20 tokens %d out of range [0, 100]", cfg.ERC20)
	}
	frac := func(v *float64, d float64, name string) error {
		if *v == 0 {
			*v = d
		}
		if *v < 0 {
			*v = 0 // negative means "none"
		}
		if !(*v >= 0 && *v <= 1) {
			return fmt.Errorf("synth: %s %v out of range [0, 1]", name, *v)
		}
		return nil
	}
	for _, f := range []struct {
		v    *float64
		d    float64
		name string
	}{
		{&cfg.ERC20Share, 0.08, "erc20 share"},
		{&cfg.PolygonShare, 0.05, "polygon share"},
		{&cfg.BuybackRate, 0.01, "buy-back rate"},
		{&cfg.RebuyRate, 0.01, "rebuy rate"},
		{&cfg.FriendRate, 0.05, "friend rate"},
	} {
		if err := frac(f.v, f.d, f.name); err != nil {
			return cfg, err
		}
	}
	if cfg.ERC20 == 0 {
		cfg.ERC20Share = 0
	}
	if cfg.Mix == (Mix{}) {
		cfg.Mix = DefaultMix
	}
	total := 0.0
	for _, w := range cfg.Mix.weights() {
		if w < 0 || math.IsNaN(w) || math.IsInf(w, 0) {
			return cfg, errors.New("synth: campaign mix weights must be finite and ≥ 0")
		}
		total += w
	}
	if total == 0 {
		return cfg, errors.New("synth: campaign mix is all zero")
	}
	if cfg.ERC20 == 0 && cfg.Mix.Churn > 0 && total == cfg.Mix.Churn {
		return cfg, errors.New("synth: campaign mix has only ERC-20 churn but there is no ERC-20 token")
	}
	return cfg, nil
}

// SampleConfig is the configuration of the market embedded in the binary
// (package datasets/sample): 3,000 rows over 180 days, 10% wash.
func SampleConfig() Config {
	return Config{Trades: 3000, Seed: 7, Days: 180, WashShare: 0.10}
}
