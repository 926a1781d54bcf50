package bench

import (
	"fmt"
	"image/color"
	"io"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

var palette = []color.Color{
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
	color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff},
	color.RGBA{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff},
}

// PlotFormat returns the image format of path by its extension (png or
// svg), or an error naming the extensions accepted.
func PlotFormat(path string) (string, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".png", ".svg":
		return ext[1:], nil
	default:
		return "", fmt.Errorf("plot %s: want a .png or .svg file name", path)
	}
}

// Plot draws the trade-level precision–recall curves of the report's preset
// and union runs (as steps: precision holds until recall next rises), with
// each run's average precision in the legend, and the operating point at the
// threshold marked; it writes a PNG or SVG (by the extension of path) to w.
func (r *Report) Plot(w io.Writer, path string) error {
	format, err := PlotFormat(path)
	if err != nil {
		return err
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Precision–recall, trade level (%d labeled rows, %d wash)", r.Dataset.Labeled, r.Dataset.Wash)
	p.X.Label.Text = "Recall"
	p.Y.Label.Text = "Precision"
	p.X.Min, p.X.Max = 0, 1
	p.Y.Min, p.Y.Max = 0, 1.02
	p.Add(plotter.NewGrid())
	p.Legend.Top = false
	p.Legend.Left = true
	p.Legend.YOffs = vg.Points(8)
	p.Legend.XOffs = vg.Points(8)
	k := 0
	for _, run := range r.Runs {
		if run.Kind == "detector" || len(run.FullCurve) == 0 {
			continue
		}
		col := palette[k%len(palette)]
		var xy plotter.XYs
		xy = append(xy, plotter.XY{X: 0, Y: run.FullCurve[0].Precision})
		prevP := run.FullCurve[0].Precision
		for _, pt := range run.FullCurve {
			xy = append(xy, plotter.XY{X: pt.Recall, Y: prevP}, plotter.XY{X: pt.Recall, Y: pt.Precision})
			prevP = pt.Precision
		}
		line, err := plotter.NewLine(xy)
		if err != nil {
			return fmt.Errorf("plot %s: %w", path, err)
		}
		line.Color = col
		line.Width = vg.Points(1.6)
		line.Dashes = [][]vg.Length{nil, {vg.Points(6), vg.Points(3)}, {vg.Points(2), vg.Points(2)}}[k%3]
		p.Add(line)
		p.Legend.Add(fmt.Sprintf("%s (AP %s, F1 %s)", run.Name, f3(run.Trades.PRAUC), f3(run.Trades.F1)), line)

		op, err := plotter.NewScatter(plotter.XYs{{X: run.Trades.Recall, Y: run.Trades.Precision}})
		if err != nil {
			return fmt.Errorf("plot %s: %w", path, err)
		}
		op.Color = col
		op.Shape = draw.CircleGlyph{}
		op.Radius = vg.Points(3.5)
		p.Add(op)
		k++
	}
	wt, err := p.WriterTo(7*vg.Inch, 5*vg.Inch, format)
	if err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	if _, err := wt.WriteTo(w); err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	return nil
}
