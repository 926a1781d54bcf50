package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/datasets/chain"
)

var ingestCmd = &command{
	name: "ingest",
	usage: "--rpc URL --contract ADDR... --from-block N --to-block M|latest --out FILE [flags]\n\n" +
		"Reads the ERC-721/ERC-20 Transfer and ERC-1155 TransferSingle/TransferBatch events of the\n" +
		"contracts from an Ethereum JSON-RPC node and writes one canonical row per transferred item\n" +
		"(.csv, .parquet, .jsonl). Sale events of known marketplaces (Seaport 1.1-1.6, CryptoPunks,\n" +
		"LooksRare v1/v2, Blur v1/v2, X2Y2, Element, Sudoswap) set price, currency and platform; otherwise a row gets the\n" +
		"transaction's ETH value or the WETH paid to its seller, else price 0. Range-limit errors split\n" +
		"the query, rate limits and dropped connections are retried, and a checkpoint beside --out lets an\n" +
		"interrupted ingest continue with --resume. The output appears only when complete.",
	summary: "pull transfer and sale history from an Ethereum JSON-RPC node",
	flags: func(fs *flag.FlagSet) func(*env, []string) error {
		rpcURL := fs.String("rpc", "", "JSON-RPC `URL` of the node (http, https, ws, or an IPC path)")
		var contracts, markets, erc721 multiFlag
		fs.Var(&contracts, "contract", "token contract `ADDR` to ingest (repeatable, or comma-separated)")
		fs.Var(&erc721, "erc721", "read the Transfer of contract `ADDR` as ERC-721 when its shape fits ERC-20 too (no indexed token id; repeatable, or comma-separated)")
		fs.Var(&markets, "marketplace", "trust sale events of `NAME=ADDR` (adds to the built-in mainnet list; repeatable)")
		noDefault := fs.Bool("no-default-marketplaces", false, "clear the built-in marketplace list (and the Sudoswap factories)")
		from := fs.Uint64("from-block", 0, "first block `N` to read")
		to := fs.String("to-block", "latest", "last block `M` to read, or latest (the head less --confirmations)")
		out := fs.String("out", "", "output `FILE` (.csv, .parquet, .jsonl; text formats optionally .gz/.zst)")
		chainName := fs.String("chain", "ethereum", "chain `NAME` written to the rows (Dune spelling); picks the native currency")
		weth := fs.String("wrapped-native", "", "wrapped native coin `ADDR` whose payment to a seller prices a transfer (default mainnet WETH on ethereum)")
		confirmations := fs.Uint64("confirmations", 0, "stay `N` blocks behind the head")
		chunk := fs.Uint64("chunk", 2000, "most `BLOCKS` per log query (halved automatically on range-limit errors)")
		timeout := fs.Duration("timeout", 30*time.Second, "per-request `TIMEOUT`")
		retries := fs.Int("retries", 8, "retries of a failing request (429, 5xx, timeouts, dropped connections)")
		batch := fs.Int("batch", 100, "most calls per JSON-RPC batch")
		concurrency := fs.Int("concurrency", 4, "chunks fetched at once")
		rate := fs.Float64("rate-limit", 0, "most requests per `N` per second to the node, shared by all fetches (0: no limit)")
		resume := fs.Bool("resume", false, "continue an interrupted ingest from the checkpoint beside --out")
		skipBad := fs.Bool("skip-bad-logs", false, "warn about a log of a watched event that does not decode and go on (default: exit 65 naming its block and log index)")
		chainID := fs.Uint64("chain-id", 0, "chain `ID` the node's eth_chainId must report (default: the id of --chain; unknown chains are not checked)")
		punkLookback := fs.Uint64("punk-bid-lookback", chain.DefaultPunkBidLookback, "search `BLOCKS` before an accepted CryptoPunks bid for the bid that prices it")
		maxAnswer := fs.Int64("max-answer", chain.DefaultMaxAnswer, "most `BYTES` of one node answer (a larger log answer splits the query; other calls fail)")
		quiet := fs.Bool("quiet", false, "do not print the summary or warnings to standard error")
		return func(e *env, args []string) error {
			if len(args) > 0 {
				return usagef("unexpected arguments %q", args)
			}
			if *rpcURL == "" {
				return usagef("ingest needs --rpc URL")
			}
			if *out == "" || *out == "-" {
				return usagef("ingest needs --out FILE (the checkpoint lives beside it)")
			}
			cfg := chain.Config{
				RPC: *rpcURL, Chain: *chainName, FromBlock: *from, Confirmations: *confirmations,
				ChunkBlocks: *chunk, Out: *out, Resume: *resume, Create: createIngestWriter,
				SkipBadLogs: *skipBad, ChainID: *chainID, PunkBidLookback: *punkLookback, Concurrency: *concurrency,
				RPCOptions: chain.RPCOptions{Timeout: *timeout, Retries: *retries, BatchSize: *batch, MaxAnswer: *maxAnswer, RateLimit: *rate},
			}
			if *concurrency < 1 || *concurrency > 64 {
				return usagef("--concurrency %d: want 1 to 64", *concurrency)
			}
			if !(*rate >= 0) || math.IsInf(*rate, 0) {
				return usagef("--rate-limit %v: want a finite number of requests per second, 0 for none", *rate)
			}
			if *punkLookback == 0 {
				return usagef("--punk-bid-lookback must be at least 1")
			}
			if *maxAnswer < 1<<10 {
				return usagef("--max-answer %d: want at least 1024 bytes", *maxAnswer)
			}
			if *retries == 0 {
				cfg.Retries = -1 // no retries
			}
			var err error
			if cfg.Contracts, err = addressList("contract", contracts); err != nil {
				return err
			}
			if cfg.ERC721, err = addressList("erc721", erc721); err != nil {
				return err
			}
			if len(cfg.Contracts) == 0 {
				return usagef("ingest needs at least one --contract ADDR")
			}
			if !*noDefault {
				cfg.Marketplaces = append(cfg.Marketplaces, chain.DefaultMarketplaces...)
			}
			cfg.NoDefaultContracts = *noDefault
			for _, m := range markets {
				mp, err := chain.ParseMarketplace(m)
				if err != nil {
					return usagef("--marketplace: %v", err)
				}
				cfg.Marketplaces = append(cfg.Marketplaces, mp)
			}
			if *weth != "" {
				a, err := chain.ParseAddress(*weth)
				if err != nil {
					return usagef("--wrapped-native: %v", err)
				}
				cfg.WrappedNative = a
			}
			if *to == "latest" {
				cfg.ToLatest = true
			} else {
				n, err := strconv.ParseUint(*to, 10, 64)
				if err != nil {
					return usagef("--to-block %q: want a block number or latest", *to)
				}
				if n < *from {
					return usagef("--to-block %d is before --from-block %d", n, *from)
				}
				cfg.ToBlock = n
			}
			if !*quiet {
				cfg.Warn = e.stderr
			}
			var bar *progressbar.ProgressBar
			if f, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
				cfg.Progress = func(done, total uint64) {
					if bar == nil {
						bar = progressbar.NewOptions64(int64(total), progressbar.OptionSetWriter(f),
							progressbar.OptionSetDescription("ingest blocks"), progressbar.OptionShowCount(),
							progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
					}
					bar.Set64(int64(done))
				}
			}
			res, err := chain.Ingest(e.ctx, cfg)
			if bar != nil {
				bar.Finish()
			}
			if err != nil {
				if st, _ := chain.CheckpointPaths(*out); res != nil && fileExists(st) && !*quiet {
					fmt.Fprintf(e.stderr, "washscan ingest: progress kept in %s; rerun with --resume to continue\n", st)
				}
				return err
			}
			if !*quiet {
				resumed := ""
				if res.Resumed {
					resumed = ", resumed"
				}
				skipped := ""
				if res.Malformed > 0 {
					skipped = fmt.Sprintf(", %d bad logs skipped", res.Malformed)
				}
				reorgs := ""
				if res.Reorgs > 0 {
					reorgs = fmt.Sprintf(", %d reorganisations re-read", res.Reorgs)
				}
				fmt.Fprintf(e.stderr, "washscan ingest: %d rows from blocks %d-%d to %s (%d requests, %d retries, %d range splits%s%s%s)\n",
					res.Rows, res.FromBlock, res.ToBlock, *out, res.RPC.Requests, res.RPC.Retries, res.RPC.Splits, resumed, skipped, reorgs)
			}
			return nil
		}
	},
}

// addressList parses the repeatable, comma-separated address flag name.
func addressList(name string, lists multiFlag) ([]datasets.Address, error) {
	var out []datasets.Address
	for _, list := range lists {
		for _, s := range strings.Split(list, ",") {
			a, err := chain.ParseAddress(strings.TrimSpace(s))
			if err != nil {
				return nil, usagef("--%s: %v", name, err)
			}
			out = append(out, a)
		}
	}
	return out, nil
}

// createIngestWriter writes ingest rows with the aggregator extension columns.
func createIngestWriter(path string) (datasets.RowWriter, error) {
	return datasets.CreateWriterOptions(path, datasets.WriterOptions{Aggregator: true})
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
