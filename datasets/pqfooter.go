package datasets

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// A Parquet file's footer is a Thrift (compact protocol) FileMetaData that
// arrow-go decodes trusting its counts: a list may declare 2^31 elements, a
// schema element 2^31 children, and a schema nested a million levels deep
// overflows the goroutine stack while arrow-go builds its tree (a fatal
// error, which recover cannot catch). checkParquetFooter walks the footer
// first, without building anything, and refuses such a file.

// Limits of checkParquetFooter. Honest files are far inside them: writers
// nest a handful of levels (a list of structs of lists is 6), and a schema
// of 100,000 elements is a wider table than any trade export.
const (
	pqMaxDepth        = 64
	pqMaxSchemaElems  = 100_000
	pqMaxFooter       = 256 << 20 // bytes
	pqMaxStructs      = 4 << 20   // struct values: arrow-go allocates a few hundred bytes for each
	pqMaxElems        = 32 << 20  // list, set and map elements
	thriftMaxNesting  = 64
	thriftTypeStop    = 0
	thriftTypeTrue    = 1
	thriftTypeFalse   = 2
	thriftTypeByte    = 3
	thriftTypeI16     = 4
	thriftTypeI32     = 5
	thriftTypeI64     = 6
	thriftTypeDouble  = 7
	thriftTypeBinary  = 8
	thriftTypeList    = 9
	thriftTypeSet     = 10
	thriftTypeMap     = 11
	thriftTypeStruct  = 12
	thriftTypeUUID    = 13
	fileMetaSchemaFld = 2 // FileMetaData.schema: list<SchemaElement>
	schemaChildrenFld = 5 // SchemaElement.num_children: i32
)

var errFooter = errors.New("malformed Parquet footer")

// checkParquetFooter reads the footer of a Parquet file of size bytes and
// checks its Thrift structure: every list, set, map and string fits in the
// bytes left, structs nest at most thriftMaxNesting deep, and the schema is
// a tree of at most pqMaxSchemaElems elements and pqMaxDepth levels whose
// children counts add up. A file with an encrypted footer ("PARE") is left
// to arrow-go, which refuses it without keys.
func checkParquetFooter(r io.ReaderAt, size int64) error {
	if size < 12 {
		return fmt.Errorf("%w: %d bytes is too short for Parquet", errNotFormat, size)
	}
	var tail [8]byte
	if _, err := r.ReadAt(tail[:], size-8); err != nil {
		return err
	}
	if string(tail[4:]) == "PARE" {
		return nil
	}
	if string(tail[4:]) != "PAR1" {
		return fmt.Errorf("%w: no Parquet magic at the end", errNotFormat)
	}
	n := int64(binary.LittleEndian.Uint32(tail[:4]))
	if n > size-12 || n > pqMaxFooter {
		return fmt.Errorf("%w: %w: footer of %d bytes in a file of %d", errNotFormat, errFooter, n, size)
	}
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, size-8-n); err != nil {
		return err
	}
	t := &thriftScan{b: buf}
	if err := t.fileMeta(); err != nil {
		return fmt.Errorf("%w: %w: %v", errNotFormat, errFooter, err)
	}
	return nil
}

// thriftScan walks compact-protocol Thrift.
type thriftScan struct {
	b       []byte
	pos     int
	depth   int
	structs int // struct values seen
	elems   int // list, set and map elements seen
}

func (t *thriftScan) byte() (byte, error) {
	if t.pos >= len(t.b) {
		return 0, io.ErrUnexpectedEOF
	}
	c := t.b[t.pos]
	t.pos++
	return c, nil
}

func (t *thriftScan) uvarint() (uint64, error) {
	v, n := binary.Uvarint(t.b[t.pos:])
	if n <= 0 {
		return 0, errors.New("bad varint")
	}
	t.pos += n
	return v, nil
}

// varint reads a zigzag varint.
func (t *thriftScan) varint() (int64, error) {
	u, err := t.uvarint()
	return int64(u>>1) ^ -int64(u&1), err
}

func (t *thriftScan) left() int { return len(t.b) - t.pos }

// field reads a field header: type 0 (stop) ends the struct.
func (t *thriftScan) field(last int16) (id int16, typ byte, err error) {
	c, err := t.byte()
	if err != nil || c == 0 {
		return 0, 0, err
	}
	typ = c & 0x0f
	if d := int16(c >> 4); d != 0 {
		return last + d, typ, nil
	}
	v, err := t.varint()
	return int16(v), typ, err
}

// listHeader reads a list or set header and checks its size against the
// bytes left (every element takes at least one byte).
func (t *thriftScan) listHeader() (n int, elem byte, err error) {
	c, err := t.byte()
	if err != nil {
		return 0, 0, err
	}
	n, elem = int(c>>4), c&0x0f
	if n == 15 {
		u, err := t.uvarint()
		if err != nil {
			return 0, 0, err
		}
		if u > uint64(t.left()) {
			return 0, 0, fmt.Errorf("a list of %d elements in %d bytes", u, t.left())
		}
		n = int(u)
	}
	if t.elems += n; t.elems > pqMaxElems {
		return 0, 0, fmt.Errorf("more than %d list elements", pqMaxElems)
	}
	return n, elem, nil
}

// skip skips one value of type typ.
func (t *thriftScan) skip(typ byte) error {
	switch typ {
	case thriftTypeTrue, thriftTypeFalse:
		return nil // a field's value is in its type; see list elements below
	case thriftTypeByte:
		_, err := t.byte()
		return err
	case thriftTypeI16, thriftTypeI32, thriftTypeI64:
		_, err := t.uvarint()
		return err
	case thriftTypeDouble:
		return t.advance(8)
	case thriftTypeUUID:
		return t.advance(16)
	case thriftTypeBinary:
		u, err := t.uvarint()
		if err != nil {
			return err
		}
		if u > uint64(t.left()) {
			return fmt.Errorf("a string of %d bytes in %d", u, t.left())
		}
		return t.advance(int(u))
	case thriftTypeList, thriftTypeSet:
		n, elem, err := t.listHeader()
		if err != nil {
			return err
		}
		for range n {
			if elem == thriftTypeTrue || elem == thriftTypeFalse {
				if _, err := t.byte(); err != nil { // a boolean element is a byte
					return err
				}
				continue
			}
			if err := t.skip(elem); err != nil {
				return err
			}
		}
		return nil
	case thriftTypeMap:
		u, err := t.uvarint()
		if err != nil {
			return err
		}
		if u == 0 {
			return nil
		}
		if u > uint64(t.left()) {
			return fmt.Errorf("a map of %d entries in %d bytes", u, t.left())
		}
		if t.elems += int(u); t.elems > pqMaxElems {
			return fmt.Errorf("more than %d list elements", pqMaxElems)
		}
		kv, err := t.byte()
		if err != nil {
			return err
		}
		for range u {
			for _, typ := range []byte{kv >> 4, kv & 0x0f} {
				if typ == thriftTypeTrue || typ == thriftTypeFalse {
					if _, err := t.byte(); err != nil {
						return err
					}
				} else if err := t.skip(typ); err != nil {
					return err
				}
			}
		}
		return nil
	case thriftTypeStruct:
		return t.structFields(func(int16, byte) (bool, error) { return false, nil })
	}
	return fmt.Errorf("unknown Thrift type %d", typ)
}

func (t *thriftScan) advance(n int) error {
	if n > t.left() {
		return io.ErrUnexpectedEOF
	}
	t.pos += n
	return nil
}

// structFields walks a struct's fields: f handles a field itself (true) or
// lets it be skipped.
func (t *thriftScan) structFields(f func(id int16, typ byte) (bool, error)) error {
	t.depth++
	defer func() { t.depth-- }()
	if t.depth > thriftMaxNesting {
		return fmt.Errorf("structs nested more than %d deep", thriftMaxNesting)
	}
	if t.structs++; t.structs > pqMaxStructs {
		return fmt.Errorf("more than %d structs", pqMaxStructs)
	}
	var last int16
	for {
		id, typ, err := t.field(last)
		if err != nil {
			return err
		}
		if typ == thriftTypeStop {
			return nil
		}
		last = id
		done, err := f(id, typ)
		if err != nil {
			return err
		}
		if !done {
			if err := t.skip(typ); err != nil {
				return err
			}
		}
	}
}

// fileMeta walks FileMetaData and checks its schema tree.
func (t *thriftScan) fileMeta() error {
	var children []int64
	err := t.structFields(func(id int16, typ byte) (bool, error) {
		if id != fileMetaSchemaFld || typ != thriftTypeList {
			return false, nil
		}
		n, elem, err := t.listHeader()
		if err != nil {
			return true, err
		}
		if elem != thriftTypeStruct {
			return true, errors.New("schema is not a list of structs")
		}
		if n > pqMaxSchemaElems {
			return true, fmt.Errorf("a schema of %d elements (at most %d)", n, pqMaxSchemaElems)
		}
		children = make([]int64, n)
		for i := range n {
			if err := t.structFields(func(id int16, typ byte) (bool, error) {
				if id != schemaChildrenFld || typ != thriftTypeI32 {
					return false, nil
				}
				v, err := t.varint()
				children[i] = v
				return true, err
			}); err != nil {
				return true, err
			}
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	return checkSchemaTree(children)
}

// checkSchemaTree checks the schema elements' children counts, in the
// depth-first order of the footer: the root's subtree covers every element,
// no element claims more children than elements follow, and no path is
// deeper than pqMaxDepth.
func checkSchemaTree(children []int64) error {
	if len(children) == 0 {
		return errors.New("no schema")
	}
	// open[i] is the number of children the i-th group on the path still
	// expects.
	var open []int64
	for i, c := range children {
		if i > 0 {
			if len(open) == 0 {
				return fmt.Errorf("schema element %d is outside the root", i)
			}
			open[len(open)-1]--
		}
		if c < 0 || c > int64(len(children)-1-i) {
			return fmt.Errorf("schema element %d claims %d children, %d elements follow", i, c, len(children)-1-i)
		}
		if c > 0 {
			if len(open) >= pqMaxDepth {
				return fmt.Errorf("schema nested more than %d levels deep", pqMaxDepth)
			}
			open = append(open, c)
		}
		for len(open) > 0 && open[len(open)-1] == 0 {
			open = open[:len(open)-1]
		}
	}
	if len(open) != 0 {
		return errors.New("schema ends inside a group")
	}
	return nil
}
