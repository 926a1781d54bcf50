package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/washscan/washscan/datasets/chain"
)

var fundersCmd = &command{
	name: "funders",
	usage: "--rpc URL --wallets FILE --out FILE [flags]\n\n" +
		"Finds the first native-currency funder of each wallet (Dune's first_funded_by) and writes CSV\n" +
		"wallet,funder,block_time. The first funding block is found by binary search over eth_getBalance\n" +
		"and eth_getTransactionCount at historical blocks, which needs an archive node; in that block a\n" +
		"plain value transfer to the wallet names the funder, else (an internal transfer) the node's\n" +
		"debug_traceBlockByNumber or trace_block API does. Wallets whose funder cannot be told are left\n" +
		"out of the CSV and listed on standard error with the reason. --wallets holds one address a line\n" +
		"(# comments; a CSV keeps its first column).",
	summary: "first funders of wallets, where the node can tell",
	flags: func(fs *flag.FlagSet) func(*env, []string) error {
		rpcURL := fs.String("rpc", "", "JSON-RPC `URL` of the node (an archive node; a trace API helps)")
		wallets := fs.String("wallets", "", "`FILE` of wallet addresses, one a line")
		out := fs.String("out", "", "output CSV `FILE` (wallet,funder,block_time)")
		timeout := fs.Duration("timeout", 30*time.Second, "per-request `TIMEOUT`")
		retries := fs.Int("retries", 8, "retries of a failing request")
		maxAnswer := fs.Int64("max-answer", chain.DefaultMaxAnswer, "most `BYTES` of one node answer (a block trace can be large)")
		quiet := fs.Bool("quiet", false, "do not list unknown funders or the summary on standard error")
		return func(e *env, args []string) error {
			if len(args) > 0 {
				return usagef("unexpected arguments %q", args)
			}
			if *rpcURL == "" || *wallets == "" || *out == "" {
				return usagef("funders needs --rpc URL, --wallets FILE and --out FILE")
			}
			list, err := chain.ReadWallets(*wallets)
			if err != nil {
				return err
			}
			if *maxAnswer < 1<<10 {
				return usagef("--max-answer %d: want at least 1024 bytes", *maxAnswer)
			}
			cfg := chain.FundersConfig{RPC: *rpcURL, Wallets: list, RPCOptions: chain.RPCOptions{Timeout: *timeout, Retries: *retries, MaxAnswer: *maxAnswer}}
			if *retries == 0 {
				cfg.Retries = -1
			}
			found, err := chain.FirstFunders(e.ctx, cfg)
			if err != nil {
				return err
			}
			if err := chain.WriteFunders(*out, found); err != nil {
				return err
			}
			known := 0
			for _, f := range found {
				if !f.Funder.IsZero() {
					known++
				} else if !*quiet {
					fmt.Fprintf(e.stderr, "washscan funders: %s: funder unknown: %s\n", f.Wallet, f.Reason)
				}
			}
			if !*quiet {
				fmt.Fprintf(e.stderr, "washscan funders: %d of %d wallets have a known funder, written to %s\n", known, len(found), *out)
			}
			return nil
		}
	},
}
