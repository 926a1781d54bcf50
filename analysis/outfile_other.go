//go:build !linux

package analysis

import (
	"errors"
	"os"
)

// setDirect reports that direct I/O is not used outside Linux: the file is
// written the ordinary way.
func setDirect(f *os.File, on bool) error {
	if on {
		return errors.ErrUnsupported
	}
	return nil
}
