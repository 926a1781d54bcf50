package datasets

import (
	"context"
	"io"
)

// LoadOptions control how trade files are read (SPEC §1.1, §2).
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
}

// RowWriter writes canonical rows to a file; Close commits it atomically,
// Abort discards it.
type RowWriter interface {
	Write(*Row) error
	Close() error
	Abort()
}
