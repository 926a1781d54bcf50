package datasets

import (
	"context"
	"io"
	"io/fs"
)

// LoadOptions control how trade files are read (docs/contract.md §1.1, §2).
type LoadOptions struct {
	// Map renames columns: canonical name -> the file's header (--map).
	Map map[string]string
	// Set supplies a constant for a canonical column the file lacks (--set).
	Set map[string]string
	// TimeFormat is a Go time layout tried for block_time after the built-in forms (--time-format).
	TimeFormat string
	// SkipBadRows keeps going past bad rows, handing each to OnReject (--skip-bad-rows).
	// Without it the first bad row stops the load with its *RowError.
	SkipBadRows bool
	// OnReject receives every rejected row when SkipBadRows is set, in input order.
	OnReject func(*RowError)
	// Stdin is read for the file name "-" (CSV). Nil means os.Stdin.
	Stdin io.Reader
	// Progress, when non-nil, receives a progress bar for long loads (a terminal's stderr).
	Progress io.Writer
	// OnLoad, when set, is called as the trades start loading, and the
	// function it returns when the load ends. It is the program's hook for
	// process-wide settings, which the library never touches. washscan's
	// main sets none since session 6: collecting at GOGC 10 while loading
	// cut a 10M-row Parquet load's peak by 5% (below the run's later peak)
	// but took a load of 347 daily files from 2.8 to 7.3 s.
	OnLoad func() (done func())

	// Side tables, read after the trades into the returned table (see
	// [Trades.Funders], [Trades.DenyFunders]). The loader applies them in a
	// fixed order: funders first, since they intern funder addresses that no
	// trade names, then the allow list, so an allow-listed funder is unknown
	// too (never a wallet, node or link, docs/contract.md §1.3), then the
	// deny list.

	// Funders names a first-funder CSV (--funders, docs/contract.md §1.2);
	// read from FundersFS when that is set, else from the file system.
	Funders   string
	FundersFS fs.FS
	// Allow names an address list whose addresses are unknown parties
	// (--allow: escrows, aggregators, marketplace vaults).
	Allow string
	// DenyFunders names an address list of funders that never link wallets
	// (--deny-funders: exchanges, bridges, mixers).
	DenyFunders string
	// Context, when non-nil, cancels the load: it is checked between chunks
	// and while a compressed file is read, and a canceled load returns an
	// error that wraps the context's (context.Canceled on Ctrl-C).
	Context context.Context
}

// Row is one canonical trade as writers take it (synth, ingest). Amount, Price
// and PriceUSD are decimal text so that integer token units and wei-exact
// prices survive; PriceUSD "" means not given.
type Row struct {
	Chain       string
	BlockTime   int64 // unix seconds UTC
	BlockNumber uint64
	TxHash      Hash
	LogIndex    uint32
	Contract    Address
	TokenID     string // canonical decimal; "" for erc20
	Standard    Standard
	Seller      Address
	Buyer       Address
	Amount      string
	Price       string
	Currency    string
	PriceUSD    string
	Platform    string
	TxFrom      *Address // nil when not known
	Label       Label    // LabelNone writes an empty is_wash
	// The aggregator a sale was routed through (an extension that chain
	// ingest fills); written only by writers made with
	// WriterOptions.Aggregator, as aggregator_name and aggregator_address.
	AggregatorName    string
	AggregatorAddress *Address // nil when none
}

// RowWriter writes canonical rows to a file; Close commits it atomically,
// Abort discards it.
type RowWriter interface {
	Write(*Row) error
	Close() error
	Abort()
}
