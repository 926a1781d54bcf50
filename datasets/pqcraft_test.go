package datasets

import (
	"bytes"
	"encoding/binary"

	"github.com/klauspost/compress/zstd"
)

// Hand-made Parquet files for the hostile-input tests: the writers a test
// could use never write a negative row count, a 60 GiB zstd frame or a
// schema a million levels deep, so these bytes are assembled here from the
// Parquet format's Thrift definitions (compact protocol).

// thriftW writes compact-protocol Thrift.
type thriftW struct {
	bytes.Buffer
	last []int16 // the last field id of each open struct
}

func (w *thriftW) uvarint(v uint64) { w.Write(binary.AppendUvarint(nil, v)) }
func (w *thriftW) zigzag(v int64)   { w.uvarint(uint64(v<<1) ^ uint64(v>>63)) }

func (w *thriftW) field(id int16, typ byte) {
	last := &w.last[len(w.last)-1]
	if d := id - *last; d > 0 && d < 16 {
		w.WriteByte(byte(d)<<4 | typ)
	} else {
		w.WriteByte(typ)
		w.zigzag(int64(id))
	}
	*last = id
}

func (w *thriftW) begin()                { w.last = append(w.last, 0) }
func (w *thriftW) end()                  { w.WriteByte(0); w.last = w.last[:len(w.last)-1] }
func (w *thriftW) i32(id int16, v int32) { w.field(id, thriftTypeI32); w.zigzag(int64(v)) }
func (w *thriftW) i64(id int16, v int64) { w.field(id, thriftTypeI64); w.zigzag(v) }
func (w *thriftW) str(id int16, s string) {
	w.field(id, thriftTypeBinary)
	w.uvarint(uint64(len(s)))
	w.WriteString(s)
}

// list writes a list header of n elements of type typ (the field header
// first when id > 0).
func (w *thriftW) list(id int16, typ byte, n int) {
	if id > 0 {
		w.field(id, thriftTypeList)
	}
	if n < 15 {
		w.WriteByte(byte(n)<<4 | typ)
	} else {
		w.WriteByte(0xf0 | typ)
		w.uvarint(uint64(n))
	}
}

// structField opens a struct-valued field.
func (w *thriftW) structField(id int16) { w.field(id, thriftTypeStruct); w.begin() }

// craftPage is one page of a crafted column chunk.
type craftPage struct {
	dict         bool  // a dictionary page (else a PLAIN data page v1)
	values       int32 // num_values the header claims
	uncompressed int32 // uncompressed_page_size the header claims
	body         []byte
}

// craftParquet assembles a file of one required BYTE_ARRAY (UTF8) column
// named col, in one row group claiming rows rows, whose pages are pages
// compressed with codec (0 none, 6 zstd; the bodies are given already
// compressed).
func craftParquet(col string, rows int64, codec int32, pages []craftPage) []byte {
	var f bytes.Buffer
	f.WriteString("PAR1")
	start := int64(f.Len())
	for _, p := range pages {
		var h thriftW
		h.begin()
		typ := int32(0)
		if p.dict {
			typ = 2
		}
		h.i32(1, typ)
		h.i32(2, p.uncompressed)
		h.i32(3, int32(len(p.body)))
		if p.dict {
			h.structField(7)
			h.i32(1, p.values)
			h.i32(2, 0) // PLAIN
			h.end()
		} else {
			h.structField(5)
			h.i32(1, p.values)
			h.i32(2, 0) // PLAIN
			h.i32(3, 3) // RLE
			h.i32(4, 3)
			h.end()
		}
		h.end()
		f.Write(h.Bytes())
		f.Write(p.body)
	}
	size := int64(f.Len()) - start
	dataOff := start
	if len(pages) > 0 && pages[0].dict {
		dataOff = -1 // set below: the second page
	}
	var m thriftW
	m.begin()
	m.i32(1, 1)
	m.list(2, thriftTypeStruct, 2)
	m.begin()
	m.str(4, "schema")
	m.i32(5, 1)
	m.end()
	m.begin()
	m.i32(1, 6) // BYTE_ARRAY
	m.i32(3, 0) // REQUIRED
	m.str(4, col)
	m.i32(6, 0) // UTF8
	m.end()
	m.i64(3, rows)
	m.list(4, thriftTypeStruct, 1)
	m.begin()
	m.list(1, thriftTypeStruct, 1)
	m.begin()
	m.i64(2, start)
	m.structField(3)
	m.i32(1, 6)
	m.list(2, thriftTypeI32, 1)
	m.zigzag(0)
	m.list(3, thriftTypeBinary, 1)
	m.uvarint(uint64(len(col)))
	m.WriteString(col)
	m.i32(4, codec)
	m.i64(5, rows)
	m.i64(6, size)
	m.i64(7, size)
	if dataOff < 0 {
		m.i64(9, start+1) // not checked before the dictionary is read
		m.i64(11, start)
	} else {
		m.i64(9, dataOff)
	}
	m.end()
	m.end()
	m.i64(2, size)
	m.i64(3, rows)
	m.end()
	m.end()
	f.Write(m.Bytes())
	f.Write(binary.LittleEndian.AppendUint32(nil, uint32(m.Len())))
	f.WriteString("PAR1")
	return f.Bytes()
}

// deepSchemaParquet is a file whose schema nests depth groups.
func deepSchemaParquet(depth int) []byte {
	var m thriftW
	m.begin()
	m.i32(1, 1)
	m.list(2, thriftTypeStruct, depth+1)
	for i := range depth {
		m.begin()
		m.str(4, "g")
		m.i32(5, 1)
		if i > 0 {
			m.i32(3, 1)
		}
		m.end()
	}
	m.begin()
	m.i32(1, 6)
	m.i32(3, 1)
	m.str(4, "tx_hash")
	m.end()
	m.i64(3, 0)
	m.list(4, thriftTypeStruct, 0)
	m.end()
	var f bytes.Buffer
	f.WriteString("PAR1")
	f.Write(m.Bytes())
	f.Write(binary.LittleEndian.AppendUint32(nil, uint32(m.Len())))
	f.WriteString("PAR1")
	return f.Bytes()
}

// zstdFrameClaiming is a zstd frame whose header claims size bytes of
// content but holds the few bytes of body (one raw block).
func zstdFrameClaiming(size uint64, body []byte) []byte {
	// Magic; an 8-byte content size, not single-segment, so that a small
	// window (1 KiB) passes the decoder's window check.
	b := []byte{0x28, 0xb5, 0x2f, 0xfd, 0xc0, 0x00}
	b = binary.LittleEndian.AppendUint64(b, size)
	h := uint32(len(body))<<3 | 1 // raw block, last
	b = append(b, byte(h), byte(h>>8), byte(h>>16))
	return append(b, body...)
}

// zstdCompress compresses b.
func zstdCompress(b []byte) []byte {
	e, _ := zstd.NewWriter(nil)
	defer e.Close()
	return e.EncodeAll(b, nil)
}

// plainStrings is the PLAIN encoding of ss.
func plainStrings(ss ...string) []byte {
	var b []byte
	for _, s := range ss {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	return b
}

// bombs are inputs that once made the loader allocate what a file claims
// (tens of GiB): each must now fail cleanly with a FileError. They run in a
// child process whose address space is limited to bombLimit, so that a
// regression is a crash of the child (and a failed test), not an
// exhausted machine: debug.SetMemoryLimit is only a collector target.
var bombs = map[string]func() []byte{
	// A data page whose zstd frame header claims 60 GiB.
	"zstd-frame-60GiB": func() []byte {
		return craftParquet("tx_hash", 1, 6, []craftPage{{values: 1, uncompressed: 68,
			body: zstdFrameClaiming(60<<30, plainStrings(tx1))}})
	},
	// A dictionary page claiming 2^31 entries in 255 MiB of zeros (zstd: a
	// few KiB): the fast path's old check let it size 32 GiB of tables.
	"dictionary-2^31": func() []byte {
		zeros := make([]byte, 255<<20)
		return craftParquet("tx_hash", 1, 6, []craftPage{
			{dict: true, values: 1<<31 - 1, uncompressed: int32(len(zeros)), body: zstdCompress(zeros)},
			{values: 1, uncompressed: 2, body: zstdCompress([]byte{1, 0})}})
	},
	// A snappy block claiming 4 GiB.
	"snappy-4GiB": func() []byte {
		body := append([]byte{0xff, 0xff, 0xff, 0xff, 0x0f}, 0)
		return craftParquet("tx_hash", 1, 1, []craftPage{{values: 1, uncompressed: 68, body: body}})
	},
	// 2^40 rows claimed: the table reservation trusted it.
	"rows-2^40": func() []byte {
		body := plainStrings(tx1)
		return craftParquet("tx_hash", 1<<40, 0, []craftPage{{values: 1, uncompressed: int32(len(body)), body: body}})
	},
	// A schema nested a million levels deep (a stack overflow, fatal).
	"schema-depth-1e6": func() []byte { return deepSchemaParquet(1_000_000) },
	// A footer whose schema list claims 2^31 elements.
	"footer-list-2^31": func() []byte {
		var m thriftW
		m.begin()
		m.i32(1, 1)
		m.list(2, thriftTypeStruct, 1<<31-1)
		m.end()
		var f bytes.Buffer
		f.WriteString("PAR1")
		f.Write(m.Bytes())
		f.Write([]byte{byte(m.Len()), 0, 0, 0})
		f.WriteString("PAR1")
		return f.Bytes()
	},
}
