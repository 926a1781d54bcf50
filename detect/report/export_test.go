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
