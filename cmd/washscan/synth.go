package main

import (
	"flag"
	"fmt"
	"github.com/washscan/washscan/analysis"
	"math"
	"time"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/datasets/synth"
)

var synthCmd = &command{
	name: "synth",
	usage: "--out FILE [--funders FILE] [--trades N] [--seed S] [flags]\n\n" +
		"Writes a labeled synthetic NFT and ERC-20 market (is_wash set on every row) to --out, in the\n" +
		"format its extension names (.csv, .parquet, .jsonl; text formats optionally .gz or .zst), and its\n" +
		"first funders to --funders (CSV wallet,funder,block_time). The same flags give byte-identical\n" +
		"files. The generative model is documented in the README and in package datasets/synth.",
	summary: "write a labeled synthetic market",
	flags: func(fs *flag.FlagSet) func(*env, []string) error {
		out := fs.String("out", "", "write the trades to `FILE` (.csv, .parquet, .jsonl, .ndjson; text formats optionally .gz/.zst; - for CSV on stdout)")
		funders := fs.String("funders", "", "write the first funders of the wallets to `FILE` (CSV wallet,funder,block_time)")
		trades := fs.Int64("trades", 100_000, "number of rows `N`")
		seed := fs.Uint64("seed", 1, "random seed `S`: the same seed and flags give the same files")
		washShare := fs.Float64("wash-share", 0.08, "target `FRACTION` of rows labeled wash, in [0, 0.9]")
		days := fs.Float64("days", 365, "span of the market in `DAYS`")
		start := fs.String("start", "2022-01-01T00:00:00Z", "`TIME` of the first trade (RFC 3339 or a date)")
		wallets := fs.Int("wallets", 0, "organic wallets `N` (0: trades/8, at least 50)")
		tokens := fs.Int("tokens", 0, "NFTs `N` over all collections (0: trades/10, at least 60)")
		collections := fs.Int("collections", 0, "NFT collections `N` (0: trades/3000, within [3, 3000])")
		erc20 := fs.Int("erc20", 0, "ERC-20 tokens `N` (0: 1, or 2 from 100k trades; -1: none)")
		erc20Share := fs.Float64("erc20-share", 0.08, "`FRACTION` of organic trades that are ERC-20 swaps")
		polygon := fs.Float64("polygon-share", 0.05, "`FRACTION` of collections on polygon (priced in POL)")
		quiet := fs.Bool("quiet", false, "do not print the summary to standard error")
		generator := fs.String("generator", "market", "labeled market generator `NAME`: market (the default model) or dealers (heavy-tailed dealers, treasuries, AMM market makers and arbitrage bots, airdrop farmers; CSV only, with a pattern column; honours --trades, --seed, --days, --wash-share)")
		return func(e *env, args []string) error {
			if len(args) > 0 {
				return usagef("unexpected arguments %q", args)
			}
			if *out == "" {
				return usagef("synth needs --out FILE")
			}
			outs := []analysis.Path{{Option: "--out", Name: *out}}
			if *funders != "" {
				outs = append(outs, analysis.Path{Option: "--funders", Name: *funders})
			}
			if err := analysis.CheckPaths(nil, nil, outs); err != nil {
				return err
			}
			st, err := datasets.ParseTime(*start, "")
			if err != nil {
				return usagef("--start %q: %v", *start, err)
			}
			if *washShare < 0 || *washShare > 0.9 || math.IsNaN(*washShare) {
				return usagef("--wash-share %v: want a fraction in [0, 0.9]", *washShare)
			}
			cfg := synth.Config{
				Trades: *trades, Seed: *seed, Start: time.Unix(st, 0).UTC(), Days: *days,
				WashShare: *washShare, Wallets: *wallets, Tokens: *tokens, Collections: *collections,
				ERC20: *erc20, ERC20Share: orNone(*erc20Share), PolygonShare: orNone(*polygon),
			}
			if *washShare == 0 {
				cfg.WashShare = synth.NoWash
			}
			if _, err := cfg.Normalize(); err != nil {
				return usagef("%v", err)
			}
			began := time.Now()
			switch *generator {
			case "market":
			case "dealers":
				n, w, err := synth.WriteDealers(e.ctx, synth.DealersConfig{Trades: *trades, Seed: *seed, Days: *days, WashShare: *washShare}, *out, *funders)
				if err != nil {
					return err
				}
				if !*quiet {
					fmt.Fprintf(e.stderr, "washscan synth: dealers market, %d rows (%d wash) in %.1fs to %s\n", n, w, time.Since(began).Seconds(), *out)
				}
				return nil
			default:
				return usagef("--generator %q: want one of %v", *generator, synth.Generators)
			}
			stats, err := synth.WriteFiles(e.ctx, cfg, *out, *funders)
			if err != nil {
				return err
			}
			fa := *funders != ""
			if !*quiet {
				el := time.Since(began).Seconds()
				fmt.Fprintf(e.stderr, "washscan synth: %d rows (%d wash, %.1f%%) in %.1fs (%.0f rows/s) to %s\n",
					stats.Rows, stats.WashRows, 100*stats.WashShare(), el, float64(stats.Rows)/max(el, 1e-9), *out)
				fmt.Fprintf(e.stderr, "  %d collections, %d NFTs, %d organic wallets, %d wash wallets; campaigns:",
					stats.Collections, stats.Tokens, stats.OrganicWallets, stats.WashWallets)
				for i, n := range stats.Campaigns {
					fmt.Fprintf(e.stderr, " %s=%d", synth.CampaignNames[i], n)
				}
				fmt.Fprintf(e.stderr, "\n  organic traps: buy-backs=%d rebuys=%d friend-trades=%d\n", stats.BuybacksDone, stats.RebuysDone, stats.FriendTrades)
				if fa {
					fmt.Fprintf(e.stderr, "  %d funders to %s\n", stats.FunderRows, *funders)
				}
			}
			return nil
		}
	},
}

// orNone maps a zero fraction flag to "none" (synth treats 0 as "default").
func orNone(v float64) float64 {
	if v == 0 {
		return -1
	}
	return v
}
