package datasets

import "errors"

// Load reads trade files into one dataset. Owned by the loaders work; this
// placeholder is replaced by the real reader.
func Load(paths []string, opt LoadOptions) (*Trades, error) {
	return nil, errors.New("load: not built yet")
}

// LoadFunders reads a funders CSV (SPEC §1.2), interning addresses into t.Addrs.
func LoadFunders(path string, t *Trades) (*Funders, error) {
	return nil, errors.New("funders: not built yet")
}

// ReadAddressList reads a plain-text address list (SPEC §1.3).
func ReadAddressList(path string) ([]Address, error) {
	return nil, errors.New("address list: not built yet")
}
