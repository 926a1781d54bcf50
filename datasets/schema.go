package datasets

import (
	"github.com/apache/arrow-go/v18/arrow"
)

// CanonicalColumns are the columns of a canonical trade file (docs/contract.md §1.1), in
// the order the writers emit them.
var CanonicalColumns = []string{
	"chain", "block_time", "block_number", "tx_hash", "log_index", "contract",
	"token_id", "token_standard", "seller", "buyer", "amount", "price",
	"currency", "price_usd", "platform", "tx_from", "is_wash",
}

// Canonical column positions in CanonicalColumns.
const (
	colChain = iota
	colBlockTime
	colBlockNumber
	colTxHash
	colLogIndex
	colContract
	colTokenID
	colStandard
	colSeller
	colBuyer
	colAmount
	colPrice
	colCurrency
	colPriceUSD
	colPlatform
	colTxFrom
	colIsWash
	numCols
)

// CanonicalSchema is the Arrow schema of a canonical Parquet trade file, as
// [CreateWriter] writes it: block_time timestamp[s, UTC]; block_number uint64
// (null when absent); log_index uint32; amount, price and price_usd float64
// (price_usd null when absent); is_wash bool (null when unlabeled); tx_from
// null when unknown; every other column a string. All fields are nullable.
var CanonicalSchema = arrow.NewSchema([]arrow.Field{
	{Name: "chain", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "block_time", Type: &arrow.TimestampType{Unit: arrow.Second, TimeZone: "UTC"}, Nullable: true},
	{Name: "block_number", Type: arrow.PrimitiveTypes.Uint64, Nullable: true},
	{Name: "tx_hash", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "log_index", Type: arrow.PrimitiveTypes.Uint32, Nullable: true},
	{Name: "contract", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "token_id", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "token_standard", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "seller", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "buyer", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "price", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "currency", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "price_usd", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "platform", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "tx_from", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "is_wash", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
}, nil)

// columnIndex maps a canonical column name to its position.
var columnIndex = func() map[string]int {
	m := make(map[string]int, len(CanonicalColumns))
	for i, c := range CanonicalColumns {
		m[c] = i
	}
	return m
}()

// duneAliases are the Dune nft.trades spellings of canonical columns (docs/contract.md §1.1).
var duneAliases = map[string]string{
	"blockchain":           "chain",
	"nft_contract_address": "contract",
	"number_of_items":      "amount",
	"amount_original":      "price",
	"amount_usd":           "price_usd",
	"currency_symbol":      "currency",
	"project":              "platform",
	"evt_index":            "log_index",
}

// IsCanonicalColumn reports whether name is a column of docs/contract.md §1.1.
func IsCanonicalColumn(name string) bool { _, ok := columnIndex[name]; return ok }
