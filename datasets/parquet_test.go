package datasets

import (
	"errors"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// TestTypedParquet reads the kind of Parquet DuckDB and pyarrow write: int64
// block_number, int32 log_index, double price, timestamp[us, UTC] block_time,
// dictionary-encoded strings, a decimal amount, Dune column names.
func TestTypedParquet(t *testing.T) {
	mem := memory.NewGoAllocator()
	dictStr := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "Block_Time", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "block_number", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "tx_hash", Type: dictStr, Nullable: true},
		{Name: "evt_index", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "nft_contract_address", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "token_id", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "seller", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "buyer", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "amount_original", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "amount_usd", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "number_of_items", Type: &arrow.Decimal128Type{Precision: 38, Scale: 0}, Nullable: true},
		{Name: "blockchain", Type: dictStr, Nullable: true},
		{Name: "is_wash", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "ignored", Type: arrow.ListOf(arrow.PrimitiveTypes.Int8), Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, sc)
	defer b.Release()
	f := b.Fields()
	f[0].(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{1656592496_123456, 1656592500_000000, 1656592501_000000}, nil)
	f[1].(*array.Int64Builder).AppendValues([]int64{15000000, 0, 15000002}, []bool{true, false, true})
	for _, s := range []string{tx1, tx2, tx2} {
		f[2].(*array.BinaryDictionaryBuilder).AppendString(s)
	}
	f[3].(*array.Int32Builder).AppendValues([]int32{4, 0, 1}, nil)
	f[4].(*array.StringBuilder).AppendValues([]string{con, con, con}, nil)
	f[5].(*array.StringBuilder).AppendValues([]string{"1", "0002", "3"}, nil)
	f[6].(*array.StringBuilder).AppendValues([]string{sA, "", sA}, []bool{true, false, true})
	f[7].(*array.StringBuilder).AppendValues([]string{sB, sB, zero}, nil)
	f[8].(*array.Float64Builder).AppendValues([]float64{1.5, 0, 2}, nil)
	f[9].(*array.Float64Builder).AppendValues([]float64{3000, 0, 0}, []bool{true, false, false})
	f[10].(*array.Decimal128Builder).AppendValues([]decimal128.Num{decimal128.FromI64(1), decimal128.FromI64(2), decimal128.FromI64(1)}, nil)
	for _, s := range []string{"ethereum", "Polygon", "ethereum"} {
		f[11].(*array.BinaryDictionaryBuilder).AppendString(s)
	}
	f[12].(*array.BooleanBuilder).AppendValues([]bool{true, false, false}, []bool{true, true, false})
	for i := 0; i < 3; i++ {
		f[13].AppendNull()
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	path := filepath.Join(t.TempDir(), "typed.parquet")
	writeRecord(t, path, rec, parquet.NewWriterProperties(), pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	tr, err := Load([]string{path}, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Len() != 3 {
		t.Fatalf("%d rows", tr.Len())
	}
	h1, _ := ParseHash(tx1)
	c, _ := ParseAddress(con)
	a, _ := ParseAddress(sA)
	bb, _ := ParseAddress(sB)
	want := Row{Chain: "ethereum", BlockTime: 1656592496, BlockNumber: 15000000, TxHash: h1, LogIndex: 4, Contract: c, TokenID: "1",
		Seller: a, Buyer: bb, Amount: "1", Price: "1.5", PriceUSD: "3000", Label: LabelWash}
	if got := tr.Row(0); !reflect.DeepEqual(got, want) {
		t.Errorf("row 0:\n got %+v\nwant %+v", got, want)
	}
	if r := tr.Row(1); r.Chain != "polygon" || r.TokenID != "2" || r.BlockNumber != 0 || tr.Seller[1] != NoAddr || r.Amount != "2" || r.PriceUSD != "" || r.Label != LabelOrganic {
		t.Errorf("row 1: %+v", r)
	}
	if tr.Label[2] != LabelNone || !tr.Addrs.Unknown(tr.Buyer[2]) || tr.Origins.Line(2) != 3 {
		t.Errorf("row 2: label %d line %d", tr.Label[2], tr.Origins.Line(2))
	}
	// The same file with a bad value: FILE:row N, Raw as JSON.
	_, err = Load([]string{path}, LoadOptions{Map: map[string]string{"price": "blockchain"}})
	var re *RowError
	if !errors.As(err, &re) || !re.Parquet || re.Line != 1 || re.Column != "price" || re.Raw == "" || re.Raw[0] != '{' {
		t.Errorf("bad parquet row: %v (%+v)", err, re)
	}
}
