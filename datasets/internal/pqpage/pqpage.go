// Package pqpage reads the pages of one flat Parquet column chunk for the
// loader's fast path (datasets/parquetfast.go): it decodes definition
// levels and dictionary indices and checks every count a page header
// claims against the page's bytes and the row group's rows, handing the
// caller the page's values to turn into rows. It trusts nothing in its
// input: a damaged page is an error wrapping ErrPage, never a panic or an
// allocation larger than the row group.
package pqpage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/washscan/washscan/datasets/internal/pqrle"
)

// ErrPage marks a page the fast path cannot read.
var ErrPage = errors.New("malformed Parquet page")

// Column is how a column's values are laid out.
type Column struct {
	MaxDef int16 // 0: required, 1: optional (deeper levels are not flat)
	// Width is the PLAIN width of a value in bytes: 0 for byte arrays,
	// 4 or 8 for numbers; booleans are bits (Bool).
	Width int
	Bool  bool // booleans: bit-packed PLAIN, or RLE in data pages v2
	Clone bool // PLAIN byte arrays are copied: the caller keeps strings of them
}

// Cursor reads a column chunk's data pages one at a time. The page fields
// stay valid until the next call of Next.
type Cursor struct {
	col  Column
	pr   file.PageReader
	rows int // in the row group: no page holds more values
	// The current data page.
	Enc  parquet.Encoding // Plain, or RLEDict: Idx holds dictionary indices (or RLE booleans)
	N    int              // values (rows) in the page
	Def  []uint32         // definition levels; nil when every value is present
	Idx  []uint32         // dictionary indices (or RLE booleans) of the present values
	Vals []byte           // PLAIN values
	// DictN is the entry count of the column chunk's dictionary (< 0: none yet).
	DictN int
	defs  []uint32 // Def's buffer
}

// Start begins column chunk pr of a row group of rows rows.
func (c *Cursor) Start(col Column, pr file.PageReader, rows int) {
	c.col, c.pr, c.rows = col, pr, rows
	c.N, c.DictN = 0, -1
}

// Close hands the page reader's buffers back.
func (c *Cursor) Close() {
	if c.pr != nil {
		c.pr.Close()
		c.pr = nil
	}
}

// Next reads the next data page that has values, handing each dictionary
// page on the way to dict (its bytes and claimed entry count; an error
// stops the read); false at the end of the column chunk.
func (c *Cursor) Next(dict func(data []byte, n int) error) (bool, error) {
	col := c.col
	for c.pr.Next() {
		pg := c.pr.Page()
		var (
			defs, vals []byte
			defEnc     = parquet.Encodings.RLE
			v1         bool
		)
		switch p := pg.(type) {
		case *file.DictionaryPage:
			n := int(p.NumValues())
			if err := dict(p.Data(), n); err != nil {
				return false, err
			}
			c.DictN = n
			continue
		case *file.DataPageV1:
			vals, defEnc, v1 = p.Data(), p.DefinitionLevelEncoding(), true
		case *file.DataPageV2:
			data := p.Data()
			rl, dl := int(p.RepetitionLevelByteLen()), int(p.DefinitionLevelByteLen())
			if rl < 0 || dl < 0 || rl+dl > len(data) {
				return false, ErrPage
			}
			defs, vals = data[rl:rl+dl], data[rl+dl:]
		default:
			continue
		}
		n := int(pg.NumValues())
		if n < 0 || n > c.rows {
			return false, fmt.Errorf("%w: %d values in a page", ErrPage, n)
		}
		if n == 0 {
			continue
		}
		if col.MaxDef > 0 && v1 {
			if len(vals) < 4 {
				return false, ErrPage
			}
			l := int(binary.LittleEndian.Uint32(vals))
			if l < 0 || l > len(vals)-4 {
				return false, ErrPage
			}
			defs, vals = vals[4:4+l], vals[4+l:]
		}
		present := n
		c.Def = nil
		if col.MaxDef > 0 {
			if defEnc != parquet.Encodings.RLE {
				return false, fmt.Errorf("%w: definition levels in %s", ErrPage, defEnc)
			}
			c.defs = Sized(c.defs, n)
			r := pqrle.New(defs, 1)
			if err := r.Fill(c.defs); err != nil {
				return false, err
			}
			c.Def = c.defs
			present = 0
			for _, v := range c.Def {
				present += int(v)
			}
		}
		enc := parquet.Encoding(pg.Encoding())
		switch enc {
		case parquet.Encodings.RLEDict, parquet.Encodings.PlainDict:
			if c.DictN < 0 {
				return false, fmt.Errorf("%w: dictionary-encoded page without a dictionary", ErrPage)
			}
			if len(vals) < 1 || vals[0] > 32 {
				return false, ErrPage
			}
			c.Idx = Sized(c.Idx, present)
			r := pqrle.New(vals[1:], uint(vals[0]))
			if err := r.Fill(c.Idx); err != nil {
				return false, err
			}
			for _, e := range c.Idx {
				if int(e) >= c.DictN {
					return false, fmt.Errorf("%w: dictionary index %d of %d entries", ErrPage, e, c.DictN)
				}
			}
			enc = parquet.Encodings.RLEDict
		case parquet.Encodings.RLE:
			// RLE booleans (data page v2): a 4-byte length, then bit width 1.
			if !col.Bool || len(vals) < 4 {
				return false, fmt.Errorf("%w: %s values", ErrPage, enc)
			}
			c.Idx = Sized(c.Idx, present)
			r := pqrle.New(vals[4:], 1)
			if err := r.Fill(c.Idx); err != nil {
				return false, err
			}
		case parquet.Encodings.Plain:
			switch {
			case col.Bool:
				if len(vals)*8 < present {
					return false, ErrPage
				}
			case col.Width == 0:
				if col.Clone {
					vals = bytes.Clone(vals)
				}
			default:
				if len(vals) < col.Width*present {
					return false, ErrPage
				}
			}
			c.Vals = vals
		default:
			return false, fmt.Errorf("%w: %s values", ErrPage, enc)
		}
		c.Enc, c.N = enc, n
		return true, nil
	}
	return false, c.pr.Err()
}

// Sized returns s resized to n elements, reallocated (zeroed, with room to
// grow) when too small.
func Sized[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n, max(n, 2*cap(s)))
	}
	return s[:n]
}
