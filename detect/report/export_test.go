package report

// SetRowGroupRows sets the rows per Parquet row group for a test and
// returns the function that restores the default.
func SetRowGroupRows(n int) (restore func()) {
	old := parquetRowGroupRows
	parquetRowGroupRows = n
	return func() { parquetRowGroupRows = old }
}
