package datasets

import (
	"encoding/binary"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
)

// pagesReader is a file.PageReader over pages made in memory.
type pagesReader struct {
	pages []file.Page
	cur   file.Page
}

func (r *pagesReader) SetMaxPageHeaderSize(int) {}
func (r *pagesReader) Page() file.Page          { return r.cur }
func (r *pagesReader) Err() error               { return nil }
func (r *pagesReader) Close() error             { return nil }
func (r *pagesReader) Reset(parquet.BufferedReader, int64, compress.Compression, *file.CryptoContext) {
}
func (r *pagesReader) GetDictionaryPage() (*file.DictionaryPage, error) { return nil, nil }
func (r *pagesReader) SeekToPageWithRow(int64) error                    { return nil }
func (r *pagesReader) Next() bool {
	if len(r.pages) == 0 {
		return false
	}
	r.cur, r.pages = r.pages[0], r.pages[1:]
	return true
}

// FuzzParquetPages feeds the Parquet fast path's page decoder (dictionary
// pages, PLAIN and dictionary-index data pages v1 and v2, definition
// levels) with arbitrary page bytes and header counts, without arrow-go's
// file layer around it (fast to fuzz): it must never panic, hang or
// allocate past what the bytes can hold, and must decode exactly the rows
// asked for or fail.
func FuzzParquetPages(f *testing.F) {
	f.Add([]byte{}, plainStrings(tx1, tx2), uint8(0), uint8(colTxHash), false, int32(2), int32(2), uint8(0))
	f.Add(plainStrings(sA, sB), []byte{1, 2, 0}, uint8(8), uint8(colSeller), true, int32(2), int32(2), uint8(1))
	f.Add(binary.LittleEndian.AppendUint64(nil, 5), []byte{1, 0, 0, 0, 0}, uint8(8), uint8(colPrice), false, int32(1), int32(1), uint8(0))
	f.Add([]byte{0xff, 0xff, 0xff, 0x7f}, []byte{3, 1}, uint8(8), uint8(colIsWash), true, int32(1<<30), int32(3), uint8(2))
	f.Fuzz(func(t *testing.T, dict, data []byte, enc, k uint8, optional bool, dictN, n int32, kind uint8) {
		col := &pqColumn{k: int(k) % numCols}
		switch kind % 4 {
		case 0:
			col.kind, col.binary = pqText, rawWidth(col.k) > 0
		case 1:
			col.kind = pqInt64
		case 2:
			col.kind = pqFloat64
		default:
			col.kind = pqBool
		}
		if col.k == colIsWash && col.kind == pqText {
			col.kind = pqBool
		}
		if optional {
			col.maxDef = 1
		}
		cfg, _ := newLoadConfig(&LoadOptions{})
		fp := &pqFast{cfg: cfg}
		for j := range numCols {
			fp.null[j].reset()
			fp.nullErr[j] = cfg.setText(j, "", &fp.null[j])
		}
		var pages []file.Page
		if len(dict) > 0 {
			pages = append(pages, file.NewDictionaryPage(memory.NewBufferBytes(dict), dictN, parquet.Encodings.Plain))
		}
		e := parquet.Encodings.Plain
		if enc%2 == 1 {
			e = parquet.Encodings.RLEDict
		}
		if enc&2 != 0 {
			pages = append(pages, file.NewDataPageV2(memory.NewBufferBytes(data), n, 0, n, e, 0, 0, int32(len(data)), false))
		} else {
			pages = append(pages, file.NewDataPageV1(memory.NewBufferBytes(data), n, e, parquet.Encodings.RLE, parquet.Encodings.RLE, int32(len(data))))
		}
		rows := int(min(max(n, 0), 4096))
		var d colCursor
		d.start(col, &pagesReader{pages: pages}, int64(rows))
		out := make([]prow, rows)
		for i := range out {
			out[i].reset()
		}
		if err := d.fill(fp, out); err != nil {
			return
		}
		d.end(fp)
	})
}
