package datasets

import (
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progressDelay is how long a load runs before it shows a progress bar.
const progressDelay = 2 * time.Second

// progress shows a progress bar on w for loads that take longer than
// progressDelay; a nil *progress or one with a nil writer shows nothing.
type progress struct {
	w     io.Writer
	start time.Time
	bar   *progressbar.ProgressBar
	name  string
	size  int64 // of the current file, -1 unknown
	done  int64 // of the current file
	bytes bool
}

func newProgress(w io.Writer) *progress {
	if w == nil {
		return nil
	}
	return &progress{w: w, start: time.Now()}
}

// file starts a new file of size units (bytes, or rows when bytes is false).
func (p *progress) file(name string, size int64, bytes bool) {
	if p == nil {
		return
	}
	if p.bar != nil {
		p.bar.Finish()
		p.bar = nil
	}
	p.name, p.size, p.done, p.bytes = name, size, 0, bytes
}

// add records n units of progress on the current file.
func (p *progress) add(n int64) {
	if p == nil {
		return
	}
	p.done += n
	if p.bar == nil {
		if time.Since(p.start) < progressDelay {
			return
		}
		opts := []progressbar.Option{
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription("loading " + p.name),
			progressbar.OptionThrottle(200 * time.Millisecond),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionSetWidth(30),
		}
		if p.bytes {
			opts = append(opts, progressbar.OptionShowBytes(true))
		} else {
			opts = append(opts, progressbar.OptionShowCount(), progressbar.OptionSetItsString("rows"))
		}
		p.bar = progressbar.NewOptions64(p.size, opts...)
		p.bar.Add64(p.done)
		return
	}
	p.bar.Add64(n)
}

func (p *progress) finish() {
	if p != nil && p.bar != nil {
		p.bar.Finish()
		p.bar = nil
	}
}

// reader counts the bytes read from r as progress on a file of size bytes.
func (p *progress) reader(r io.Reader, name string, size int64) io.Reader {
	if p == nil {
		return r
	}
	p.file(name, size, true)
	return &countingReader{r: r, p: p}
}

type countingReader struct {
	r io.Reader
	p *progress
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.p.add(int64(n))
	return n, err
}
