package datasets

import (
	"encoding/binary"
	"fmt"

	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/klauspost/compress/zstd"
)

// arrow-go decompresses a Parquet page into a buffer of the size its page
// header declares (at most ReaderProperties.MaxUncompressedPageSize, 256 MiB),
// but two of its codecs first believe a size written inside the compressed
// bytes: a zstd frame header may claim 60 GiB, which the zstd decoder
// allocates before it decodes a byte, and a snappy block may claim 4 GiB.
// The codecs below decode the same data, refusing any output larger than the
// page's buffer. Registering them replaces arrow-go's decoding for these two
// codecs in the whole program; their encoding is arrow-go's own.

func init() {
	for _, c := range []compress.Compression{compress.Codecs.Zstd, compress.Codecs.Snappy} {
		if orig, err := compress.GetCodec(c); err == nil {
			compress.RegisterCodec(c, boundedCodec{Codec: orig, zstd: c == compress.Codecs.Zstd})
		}
	}
}

// boundedCodec is a Parquet codec whose decoding never grows dst.
type boundedCodec struct {
	compress.Codec
	zstd bool
}

// pageZstd decodes zstd pages: no more memory than the page, and no window
// larger than it.
var pageZstd, _ = zstd.NewReader(nil,
	zstd.WithDecoderConcurrency(0),
	zstd.WithDecoderMaxMemory(256<<20),
	zstd.WithDecoderMaxWindow(256<<20),
	zstd.WithDecodeAllCapLimit(true))

func (c boundedCodec) Decode(dst, src []byte) []byte {
	out, err := c.DecodeWithError(dst, src)
	if err != nil {
		panic(err)
	}
	return out
}

func (c boundedCodec) DecodeWithError(dst, src []byte) ([]byte, error) {
	if c.zstd {
		// With WithDecodeAllCapLimit the output may not outgrow cap(dst),
		// whatever the frame header says.
		return pageZstd.DecodeAll(src, dst[:0])
	}
	// A snappy block starts with its decoded length (a uvarint).
	n, k := binary.Uvarint(src)
	if k <= 0 || n > uint64(len(dst)) {
		return nil, fmt.Errorf("snappy: a block of %d bytes for a page of %d", n, len(dst))
	}
	return compress.Decode(c.Codec, dst, src)
}
