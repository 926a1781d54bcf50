package report

// SetRowGroupRows sets the rows per Parquet row group for a test and
// returns the function that restores the default.
func SetRowGroupRows(n int) (restore func()) {
	old := parquetRowGroupRows
	parquetRowGroupRows = n
	return func() { parquetRowGroupRows = old }
}

// SetDirectDict turns the direct dictionary paths (writeDict, smallInts) on
// or off for a test and returns the function that restores them.
func SetDirectDict(on bool) (restore func()) {
	old := directDict
	directDict = on
	return func() { directDict = old }
}

// AppendJSONString and AppendJSONFloat expose the JSON encoders for tests.
var (
	AppendJSONString = appendJSONString
	AppendJSONFloat  = appendJSONFloat
)

// EvidenceJSONWith returns appendEvidenceJSON's JSON of text, with one
// scratch per returned function, reused from call to call as the writers
// reuse theirs.
func EvidenceJSONWith() func(strength float64, text string) []byte {
	var sc evScratch
	return func(strength float64, text string) []byte { return appendEvidenceJSON(nil, strength, text, &sc) }
}

// SetStreamChunkRows sets the rows per chunk of a streamed column for a
// test and returns the function that restores the default.
func SetStreamChunkRows(n int) (restore func()) {
	old := streamChunkRows
	streamChunkRows = n
	return func() { streamChunkRows = old }
}

// SetEarlyClose turns writeRowGroup's early closing of columns on or off
// for a test and returns the function that restores it.
func SetEarlyClose(on bool) (restore func()) {
	old := earlyClose
	earlyClose = on
	return func() { earlyClose = old }
}
