package detect_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/washscan/washscan/datasets"
	"github.com/washscan/washscan/detect"
	"github.com/washscan/washscan/detect/internal/tradetest"
)

// fixture returns a five-row input: rows 0–4 in their own transactions.
func fixture() *detect.Input {
	rows := make([]tradetest.Row, 5)
	for i := range rows {
		rows[i] = tradetest.Row{Day: float64(i), Token: "1", Seller: "A", Buyer: "B", Price: 1}
	}
	return tradetest.Input(tradetest.Build(rows), nil)
}

func reporter(name string, report func(p *detect.Pass)) *detect.Detector {
	return &detect.Detector{Name: name, Doc: name + " reports fixed rows", Run: func(p *detect.Pass) (any, error) {
		report(p)
		return nil, nil
	}}
}

func TestValidate(t *testing.T) {
	ok := func(p *detect.Pass) (any, error) { return nil, nil }
	a := &detect.Detector{Name: "a", Doc: "a", Run: ok}
	cyc1 := &detect.Detector{Name: "c1", Doc: "c1", Run: ok}
	cyc2 := &detect.Detector{Name: "c2", Doc: "c2", Run: ok, Requires: []*detect.Detector{cyc1}}
	cyc1.Requires = []*detect.Detector{cyc2}
	tests := []struct {
		name string
		ds   []*detect.Detector
		want string // substring of the error; "" = valid
	}{
		{"valid", []*detect.Detector{a}, ""},
		{"bad name", []*detect.Detector{{Name: "Bad-Name", Doc: "x", Run: ok}}, "invalid name"},
		{"no doc", []*detect.Detector{{Name: "x", Run: ok}}, "no Doc"},
		{"no run", []*detect.Detector{{Name: "x", Doc: "x"}}, "no Run"},
		{"same name twice", []*detect.Detector{a, {Name: "a", Doc: "a", Run: ok}}, "name used twice"},
		{"cycle", []*detect.Detector{cyc1}, "dependency cycle"},
		{"bad default", []*detect.Detector{{Name: "x", Doc: "x", Run: ok,
			Params: []*detect.Param{{Name: "w", Doc: "w", Kind: detect.Duration, Default: "soon"}}}}, "not a duration"},
		{"param without doc", []*detect.Detector{{Name: "x", Doc: "x", Run: ok,
			Params: []*detect.Param{{Name: "w", Kind: detect.Number, Default: "1"}}}}, "no Doc"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := detect.Validate(tc.ds)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("Validate = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestRunRequiresAndResultOf(t *testing.T) {
	in := fixture()
	var runs atomic.Int32
	base := &detect.Detector{
		Name: "base", Doc: "shared computation", ResultType: reflect.TypeOf(0),
		Run: func(p *detect.Pass) (any, error) { runs.Add(1); return 3, nil },
	}
	user := func(name string) *detect.Detector {
		return &detect.Detector{Name: name, Doc: name, Requires: []*detect.Detector{base},
			Run: func(p *detect.Pass) (any, error) {
				row := int32(p.ResultOf[base].(int))
				p.Report(row, 0.5, name)
				return nil, nil
			}}
	}
	u1, u2 := user("u1"), user("u2")
	res, err := detect.Run(context.Background(), in, []*detect.Detector{u1, u2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := runs.Load(); got != 1 {
		t.Errorf("shared detector ran %d times, want 1", got)
	}
	if len(res.Ran) != 3 || res.Ran[0] != base {
		t.Errorf("Ran = %v, want base first of 3", res.Ran)
	}
	for _, name := range []string{"u1", "u2"} {
		if f := res.Findings[name]; len(f) != 1 || f[0].Row != 3 || f[0].Evidence != name {
			t.Errorf("findings of %s = %+v", name, f)
		}
	}
	if _, ok := res.Findings["base"]; ok {
		t.Error("shared computation has findings")
	}
}

func TestRunNormalizesFindings(t *testing.T) {
	d := reporter("dup", func(p *detect.Pass) {
		p.Report(2, 0.4, "weak")
		p.Report(0, 1, "z")
		p.Report(2, 0.9, "strong-b")
		p.Report(2, 0.9, "strong-a")
		p.Report(1, 0, "ignored: zero strength")
		p.Report(4, 7, "clamped")
	})
	res, err := detect.Run(context.Background(), fixture(), []*detect.Detector{d}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []detect.Finding{{Row: 0, Strength: 1, Evidence: "z"}, {Row: 2, Strength: 0.9, Evidence: "strong-a"}, {Row: 4, Strength: 1, Evidence: "clamped"}}
	if got := res.Findings["dup"]; !reflect.DeepEqual(got, want) {
		t.Errorf("findings = %+v\nwant %+v", got, want)
	}
}

func TestRunError(t *testing.T) {
	boom := errors.New("boom")
	bad := &detect.Detector{Name: "bad", Doc: "fails", Run: func(*detect.Pass) (any, error) { return nil, boom }}
	after := &detect.Detector{Name: "after", Doc: "needs bad", Requires: []*detect.Detector{bad},
		Run: func(*detect.Pass) (any, error) { t.Error("ran after a failed requirement"); return nil, nil }}
	_, err := detect.Run(context.Background(), fixture(), []*detect.Detector{after}, nil)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "detector bad") {
		t.Fatalf("err = %v, want boom naming the detector", err)
	}
	wrong := &detect.Detector{Name: "wrong", Doc: "wrong type", ResultType: reflect.TypeOf(""),
		Run: func(*detect.Pass) (any, error) { return 1, nil }}
	if _, err := detect.Run(context.Background(), fixture(), []*detect.Detector{wrong}, nil); err == nil {
		t.Fatal("a result of the wrong type was accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := detect.Run(ctx, fixture(), []*detect.Detector{wrong}, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: err = %v", err)
	}
}

func TestParams(t *testing.T) {
	var got struct {
		window int64
		factor float64
		count  int
	}
	window := &detect.Param{Name: "window", Doc: "w", Kind: detect.Duration, Default: "30d"}
	factor := &detect.Param{Name: "factor", Doc: "f", Kind: detect.Number, Default: "2.5", Min: 1, Max: 10}
	count := &detect.Param{Name: "count", Doc: "c", Kind: detect.Int, Default: "3", Min: 2}
	other := &detect.Param{Name: "other", Doc: "another detector's", Kind: detect.Int, Default: "7"}
	d := &detect.Detector{Name: "p", Doc: "params", Params: []*detect.Param{window, factor, count},
		Run: func(p *detect.Pass) (any, error) {
			got.window, got.factor, got.count = p.Duration(window), p.Float(factor), p.Int(count)
			if v := p.Int(other); v != 7 { // not its own: the default, no panic
				t.Errorf("another detector's parameter read %d", v)
			}
			return nil, nil
		}}
	ds := []*detect.Detector{d}
	p := detect.NewParams()
	if _, err := detect.Run(context.Background(), fixture(), ds, p); err != nil {
		t.Fatal(err)
	}
	if got.window != 30*86400 || got.factor != 2.5 || got.count != 3 {
		t.Errorf("defaults: got %+v", got)
	}
	p.Set("p.window", "12h")
	p.Set("p.count", "1e1")
	if err := p.Check(ds); err != nil {
		t.Fatal(err)
	}
	if _, err := detect.Run(context.Background(), fixture(), ds, p); err != nil {
		t.Fatal(err)
	}
	if got.window != 12*3600 || got.count != 10 {
		t.Errorf("window = %d, count = %d; want 43200, 10", got.window, got.count)
	}
	if v := p.Values(ds); v["p.window"] != "12h" || v["p.factor"] != "2.5" || v["p.count"] != "1e1" || len(v) != 3 {
		t.Errorf("Values = %v", v)
	}
	for key, val := range map[string]string{
		"p.nope": "1", "q.window": "1d", "p.factor": "many", "p.window": "-3d",
		"p.count": "2.5", "p.Count": "3", "p.factor ": "2",
	} {
		q := detect.NewParams()
		q.Set(key, val)
		if err := q.Check(ds); err == nil {
			t.Errorf("Check accepted %s=%s", key, val)
		}
	}
	for _, val := range []string{"NaN", "nan", "Inf", "-Inf", "+Inf", "0.5", "11", "1e400", ""} {
		q := detect.NewParams()
		q.Set("p.factor", val)
		if err := q.Check(ds); err == nil {
			t.Errorf("Check accepted p.factor=%s (want a finite number from 1 to 10)", val)
		}
		// Run checks the values too: an unchecked bad value is an error, not a panic.
		if _, err := detect.Run(context.Background(), fixture(), ds, q); err == nil {
			t.Errorf("Run accepted p.factor=%s", val)
		}
	}
	for _, val := range []string{"1e300d", "9999999999999999w"} {
		q := detect.NewParams()
		q.Set("p.window", val)
		if err := q.Check(ds); err == nil {
			t.Errorf("Check accepted p.window=%s", val)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]int64{"90s": 90, "15m": 900, "12h": 43200, "30d": 2592000, "2w": 1209600, "1.5d": 129600, "1h30m": 5400, "0": 0} {
		got, err := detect.ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "d", "soon", "-1d", "3x"} {
		if _, err := detect.ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) succeeded", bad)
		}
	}
}

func TestScore(t *testing.T) {
	in := fixture()
	a := reporter("a", func(p *detect.Pass) { p.Report(0, 1, "ea"); p.Report(1, 0.5, "") })
	b := reporter("b", func(p *detect.Pass) { p.Report(1, 1, "eb"); p.Report(3, 1, "eb3") })
	order := []*detect.Detector{a, b}
	res, err := detect.Run(context.Background(), in, order, nil)
	if err != nil {
		t.Fatal(err)
	}
	w := &detect.Weights{Bias: -1, Weights: map[string]float64{"a": 4, "b": 2}}
	s := detect.Score(in.Features.N, res, order, w)
	wantScore := []float64{detect.Sigmoid(3), detect.Sigmoid(-1 + 2 + 2), 0, detect.Sigmoid(1), 0}
	for i, want := range wantScore {
		want = math.Round(want*1e6) / 1e6 // scores carry the flags file's 6 decimals
		if s.Score[i] != want {
			t.Errorf("row %d: score %v, want %v", i, s.Score[i], want)
		}
		if s.Level[i] != detect.Level(want) {
			t.Errorf("row %d: level %d, want %d", i, s.Level[i], detect.Level(want))
		}
	}
	if s.Reasons(1) != "a|b" || s.Evidence(1) != "b: eb" || s.Reasons(2) != "" {
		t.Errorf("reasons/evidence: %q %q %q", s.Reasons(1), s.Evidence(1), s.Reasons(2))
	}
	rows, x := detect.FeatureMatrix(res, order)
	if !reflect.DeepEqual(rows, []int32{0, 1, 3}) || !reflect.DeepEqual(x, [][]float64{{1, 0}, {0.5, 1}, {0, 1}}) {
		t.Errorf("FeatureMatrix = %v %v", rows, x)
	}
}

func TestLevelBands(t *testing.T) {
	for _, tc := range []struct {
		score float64
		want  uint8
	}{{0, 0}, {0.19, 0}, {0.2, 1}, {0.39, 1}, {0.4, 2}, {0.59, 2}, {0.6, 3}, {0.79, 3}, {0.8, 4}, {1, 4}} {
		if got := detect.Level(tc.score); got != tc.want {
			t.Errorf("Level(%v) = %d, want %d", tc.score, got, tc.want)
		}
	}
}

func TestReadWeights(t *testing.T) {
	dir := t.TempDir()
	good := dir + "/w.json"
	if err := datasets.WriteFileAtomic(good, []byte(`{"bias": -2, "weights": {"self_trade": 6}}`)); err != nil {
		t.Fatal(err)
	}
	w, err := detect.ReadWeights(good)
	if err != nil || w.Bias != -2 || w.Weights["self_trade"] != 6 || w.Source != good {
		t.Fatalf("ReadWeights = %+v, %v", w, err)
	}
	for name, body := range map[string]string{"nojson": "{", "noweights": `{"bias": 1}`} {
		p := dir + "/" + name
		if err := datasets.WriteFileAtomic(p, []byte(body)); err != nil {
			t.Fatal(err)
		}
		if _, err := detect.ReadWeights(p); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := detect.ReadWeights(dir + "/missing.json"); err == nil {
		t.Error("missing file accepted")
	}
}

// The score of a row is the logistic function of the bias plus the weighted
// strengths of the detectors that reported it.
func ExampleSigmoid() {
	bias, wSelfTrade := -3.0, 6.0
	fmt.Printf("%.3f\n", detect.Sigmoid(bias+wSelfTrade*1.0))
	fmt.Println(detect.Level(detect.Sigmoid(bias + wSelfTrade*1.0)))
	// Output:
	// 0.953
	// 4
}

// TestExclusive checks that Run never runs two Exclusive detectors at once
// while another detector still runs beside one of them.
func TestExclusive(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("needs two detectors running at once (GOMAXPROCS ≥ 2)")
	}
	var running, most atomic.Int32
	excl := func(name string) *detect.Detector {
		return &detect.Detector{Name: name, Doc: name, Exclusive: true, Run: func(*detect.Pass) (any, error) {
			n := running.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			time.Sleep(20 * time.Millisecond)
			running.Add(-1)
			return nil, nil
		}}
	}
	beside := false
	plain := &detect.Detector{Name: "plain", Doc: "plain", Run: func(*detect.Pass) (any, error) {
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			if running.Load() > 0 {
				beside = true
				break
			}
		}
		return nil, nil
	}}
	ds := []*detect.Detector{excl("x1"), excl("x2"), excl("x3"), excl("x4"), plain}
	if _, err := detect.Run(context.Background(), fixture(), ds, nil); err != nil {
		t.Fatal(err)
	}
	if m := most.Load(); m != 1 {
		t.Errorf("%d exclusive detectors ran at once, want 1", m)
	}
	if !beside {
		t.Error("the plain detector never ran beside an exclusive one")
	}
}
