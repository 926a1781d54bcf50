package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// num is a float64 that marshals rounded to 6 decimals, NaN and ±Inf as null.
type num float64

func (n num) MarshalJSON() ([]byte, error) {
	v := float64(n)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	v = math.Round(v*1e6) / 1e6
	if v == 0 {
		v = 0 // no -0
	}
	return strconv.AppendFloat(nil, v, 'f', -1, 64), nil
}

func ms(d time.Duration) num { return num(math.Round(float64(d)/1e3) / 1e3) }

type jsonClass struct {
	Threshold num `json:"threshold"`
	Positives int `json:"positives"`
	Negatives int `json:"negatives"`
	TP        int `json:"tp"`
	FP        int `json:"fp"`
	FN        int `json:"fn"`
	TN        int `json:"tn"`
	Precision num `json:"precision"`
	Recall    num `json:"recall"`
	F1        num `json:"f1"`
	PRAUC     num `json:"pr_auc"`
	ROCAUC    num `json:"roc_auc"`
}

// MarshalJSON writes c with numbers rounded to 6 decimals and undefined
// values (NaN) as null.
func (c Classification) MarshalJSON() ([]byte, error) {
	return json.Marshal(jsonClass{num(c.Threshold), c.Positives, c.Negatives, c.TP, c.FP, c.FN, c.TN,
		num(c.Precision), num(c.Recall), num(c.F1), num(c.PRAUC), num(c.ROCAUC)})
}

// MarshalJSON writes p with numbers rounded to 6 decimals.
func (p PRPoint) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Threshold num `json:"threshold"`
		Precision num `json:"precision"`
		Recall    num `json:"recall"`
	}{num(p.Threshold), num(p.Precision), num(p.Recall)})
}

type jsonCollScore struct {
	Contract       string `json:"contract"`
	Sales          int    `json:"labeled_sales"`
	TrueShare      num    `json:"true_share"`
	PredictedRatio num    `json:"predicted_ratio"`
}

type jsonColl struct {
	Collections    int             `json:"collections"`
	Cut            num             `json:"cut"`
	MAE            num             `json:"mae"`
	RMSE           num             `json:"rmse"`
	Pearson        num             `json:"pearson"`
	Spearman       num             `json:"spearman"`
	Classification Classification  `json:"classification"`
	Each           []jsonCollScore `json:"each,omitempty"`
}

type jsonRun struct {
	Name        string    `json:"name"`
	Kind        string    `json:"kind"`
	Preset      string    `json:"preset"`
	Flagged     int       `json:"flagged_rows"`
	Trades      any       `json:"trades"`
	Wallets     any       `json:"wallets"`
	Collections jsonColl  `json:"collections"`
	Curve       []PRPoint `json:"pr_curve,omitempty"`
}

type jsonDet struct {
	Name string `json:"name"`
	Ms   num    `json:"ms"`
}

type jsonRunTiming struct {
	Preset       string    `json:"preset"`
	WallMs       num       `json:"wall_ms"`
	TradesPerSec num       `json:"trades_per_s"`
	Detectors    []jsonDet `json:"detectors"`
}

type jsonTiming struct {
	FeaturesMs num             `json:"features_ms"`
	Runs       []jsonRunTiming `json:"runs"`
}

type jsonReport struct {
	Threshold     num         `json:"threshold"`
	CollectionCut num         `json:"collection_cut"`
	Dataset       Dataset     `json:"dataset"`
	Runs          []jsonRun   `json:"runs"`
	Timing        *jsonTiming `json:"timing,omitempty"`
}

// WriteJSON writes r as indented JSON: numbers rounded to 6 decimals,
// undefined metrics (NaN) as null, runs in report order. Without timing the
// output depends only on the data and the configuration.
func (r *Report) WriteJSON(w io.Writer) error {
	j := jsonReport{Threshold: num(r.Threshold), CollectionCut: num(r.CollectionCut), Dataset: r.Dataset, Runs: []jsonRun{}}
	for _, run := range r.Runs {
		c := run.Collections
		jc := jsonColl{c.Collections, num(c.Cut), num(c.MAE), num(c.RMSE), num(c.Pearson), num(c.Spearman), c.Classification, nil}
		for _, e := range c.Each {
			jc.Each = append(jc.Each, jsonCollScore{e.Contract, e.Sales, num(e.TrueShare), num(e.PredictedRatio)})
		}
		j.Runs = append(j.Runs, jsonRun{run.Name, run.Kind, run.Preset, run.Flagged, run.Trades, run.Wallets, jc, run.Curve})
	}
	if t := r.Timing; t != nil {
		jt := &jsonTiming{FeaturesMs: ms(t.Features), Runs: []jsonRunTiming{}}
		for _, rt := range t.Runs {
			x := jsonRunTiming{Preset: rt.Preset, WallMs: ms(rt.Wall), TradesPerSec: num(math.Round(rt.TradesPerSec)), Detectors: []jsonDet{}}
			for _, d := range rt.Detectors {
				x.Detectors = append(x.Detectors, jsonDet{d.Name, ms(d.Elapsed)})
			}
			jt.Runs = append(jt.Runs, x)
		}
		j.Timing = jt
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(j); err != nil {
		return fmt.Errorf("bench: encode report: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// f3 formats a metric with 3 decimals, "–" when undefined.
func f3(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

// WriteMarkdown writes r as Markdown tables: one row per run with the
// trade-, wallet- and collection-level metrics, then the timings if present.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	d := r.Dataset
	fmt.Fprintf(&b, "Labeled rows %d of %d (%d wash); wallets %d (%d wash); collections %d. Threshold %s, collection cut-off %s.\n\n",
		d.Labeled, d.Rows, d.Wash, d.Wallets, d.WashWallets, d.Collections, f3(r.Threshold), f3(r.CollectionCut))
	b.WriteString("| run | flagged | P | R | F1 | PR-AUC | ROC-AUC | wallet P | wallet R | wallet F1 | wallet PR-AUC | coll. MAE | coll. Spearman | coll. F1 |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, run := range r.Runs {
		t, wl, c := run.Trades, run.Wallets, run.Collections
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			run.Name, run.Flagged, f3(t.Precision), f3(t.Recall), f3(t.F1), f3(t.PRAUC), f3(t.ROCAUC),
			f3(wl.Precision), f3(wl.Recall), f3(wl.F1), f3(wl.PRAUC), f3(c.MAE), f3(c.Spearman), f3(c.Classification.F1))
	}
	if t := r.Timing; t != nil {
		fmt.Fprintf(&b, "\nFeatures: %.1f ms.\n\n", float64(t.Features)/1e6)
		b.WriteString("| preset | wall ms | trades/s | detectors (ms) |\n|---|--:|--:|---|\n")
		for _, rt := range t.Runs {
			var ds []string
			for _, dt := range rt.Detectors {
				ds = append(ds, fmt.Sprintf("%s %.1f", dt.Name, float64(dt.Elapsed)/1e6))
			}
			fmt.Fprintf(&b, "| %s | %.1f | %.0f | %s |\n", rt.Preset, float64(rt.Wall)/1e6, rt.TradesPerSec, strings.Join(ds, ", "))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
