package htmlreport

import "html/template"

var page = template.Must(template.New("page").Funcs(template.FuncMap{"short": short, "shortTime": shortTime}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src '{{.CSP}}'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>{{.Style}}</style>
</head>
<body>
<header>
<h1>{{.Title}}</h1>
<p>Window: <b id="time-range">{{.Range}}</b> up to <b id="as-of">{{.AsOf}}</b>. Verdicts from {{.Origin}}.</p>
<nav><a href="#market">Market</a><a href="#marketplaces">Marketplaces</a><a href="#collections">Collections</a><a href="#wallets">Wallets</a><a href="#rings">Rings</a><a href="#method">Method</a><a href="#provenance">Provenance</a></nav>
</header>
<main>
<section id="market">
<h2>Market</h2>
<div class="grid">{{range .Market}}<div class="fig" data-field="{{.Name}}"><span>{{.Name}}</span><b>{{.Value}}</b></div>{{end}}</div>
<h3>Sales over time</h3>
{{.SalesChart}}
<h3>Volume over time</h3>
{{.VolChart}}
</section>

<section id="marketplaces">
<h2>Marketplaces</h2>
{{if .Marketplaces}}<input class="filter" data-for="mp-table" placeholder="filter marketplaces" hidden>
<table id="mp-table" class="sortable"><thead><tr><th>platform</th><th>wash sales</th><th>sales</th><th>wash sales ratio</th><th>wash volume</th><th>volume</th><th>wash volume USD</th><th>wash wallets</th><th>level</th><th>trend</th></tr></thead>
<tbody>{{range .Marketplaces}}<tr data-platform="{{.Name}}"><td>{{.Name}}</td>{{range $i, $f := .Figs}}<td class="n" data-field="{{$f.Name}}">{{$f.Value}}</td>{{end}}<td>{{.Trend}}</td></tr>
{{end}}</tbody></table>{{if .MarketplacesMore}}<p class="note">{{.MarketplacesMore}} more marketplaces not listed (--top {{$.Top}}).</p>{{end}}
{{else}}<p class="note">No marketplace in the window.</p>{{end}}
</section>

<section id="collections">
<h2>Collections</h2>
{{if .Collections}}<input class="filter" data-for="coll-table" placeholder="filter collections" hidden>
<table id="coll-table" class="sortable"><thead><tr><th>collection</th><th>chain</th><th>wash sales</th><th>sales</th><th>wash sales ratio</th><th>wash volume</th><th>volume</th><th>wash volume USD</th><th>wash wallets</th><th>level</th><th>trend</th></tr></thead>
<tbody>{{range .Collections}}<tr><td class="addr">{{if .HasSection}}<a href="#{{.Anchor}}">{{.Name}}</a>{{else}}{{.Name}}{{end}}</td><td>{{.Sub}}</td>{{range $i, $f := .Figs}}<td class="n" data-field="{{$f.Name}}">{{$f.Value}}</td>{{end}}<td>{{.Trend}}</td></tr>
{{end}}</tbody></table>{{if .CollectionsMore}}<p class="note">{{.CollectionsMore}} more collections not listed (--top {{$.Top}}).</p>{{end}}
{{else}}<p class="note">No collection in the window.</p>{{end}}
{{range .Sections}}
<section id="{{.Anchor}}" class="collection">
<h3>Collection <span class="addr">{{.Contract}}</span> ({{.Chain}})</h3>
{{.Chart}}
<h4>Top wallets in its flagged sales</h4>
{{if .Wallets}}<table class="sortable"><thead><tr><th>wallet</th><th>flagged sales</th><th>wash volume</th></tr></thead><tbody>
{{range .Wallets}}<tr><td class="addr">{{.Wallet}}</td><td class="n">{{.Sales}}</td><td class="n">{{if .VolumeUnknown}}—{{else}}{{.Volume}}{{end}}</td></tr>{{end}}
</tbody></table>{{else}}<p class="note">No flagged sale in the window.</p>{{end}}
<h4>Flagged trades (latest first)</h4>
{{template "trades" .Trades}}{{if .More}}<p class="note">{{.More}} more flagged trades not listed.</p>{{end}}
</section>
{{end}}
</section>

<section id="wallets">
<h2>Wallets</h2>
{{if .Wallets}}<p>Wallets with flagged trades in the window, by wash volume; each with its latest flagged trades and their evidence.</p>
{{range .Wallets}}<details class="wallet"><summary><span class="addr">{{.Wallet}}</span>{{range .Figs}}{{if eq .Name "washtrade_suspect_sales"}} — {{.Value}} flagged sales{{end}}{{if eq .Name "washtrade_volume"}}, wash volume {{.Value}}{{end}}{{end}}</summary>
<div class="grid">{{range .Figs}}<div class="fig" data-field="{{.Name}}"><span>{{.Name}}</span><b>{{.Value}}</b></div>{{end}}</div>
{{if .Funder}}<p>First funded by <span class="addr">{{.Funder}}</span>.</p>{{end}}
{{template "trades" .Trades}}{{if .More}}<p class="note">{{.More}} more flagged trades not listed.</p>{{end}}
</details>
{{end}}{{else}}<p class="note">No flagged trade in the window.</p>{{end}}
</section>

<section id="rings">
<h2>Detected rings</h2>
{{if .Rings}}<p>Flagged trades whose evidence names a path of wallets, grouped by that evidence, most volume first ({{len .Rings}} of {{.RingsFound}} drawn). Nodes are wallets; each arrow is a leg, seller to buyer, with its price and time.</p>
<div class="rings">{{range .Rings}}<div class="ringbox"><b>{{.Detector}}</b><div class="ev">{{.Text}}</div>{{.Graph}}
<ol class="legs">{{range .Legs}}<li><span class="addr">{{short .Seller}} → {{short .Buyer}}</span> {{.Price}} {{.Currency}} at {{shortTime .Time}}</li>{{end}}</ol>
<details><summary>{{len .Legs}} legs in full</summary>{{template "trades" .Legs}}</details></div>
{{end}}</div>{{else}}<p class="note">No ring detected in the window.</p>{{end}}
</section>

<section id="method">
<h2>Method</h2>
{{if .Recorded}}<p>Preset <b>{{.Preset}}</b>; a trade is flagged when its score is ≥ <b id="threshold">{{.Threshold}}</b>; weights: {{.Weights}}{{if .Bias}} (bias {{.Bias}}){{end}}.
The score is σ(bias + Σ weight × strength) over the detectors that reported the trade.</p>{{else}}<p class="note">Preset, threshold and weights: not recorded (the flags file carries no run metadata).</p>{{end}}
{{if .DetectorsRecorded}}{{range .Detectors}}<details class="detector"><summary><b>{{.Name}}</b> — weight {{.Weight}}</summary><pre class="doc">{{.Doc}}</pre>
{{if .Params}}<table><thead><tr><th>parameter</th><th>value — meaning</th></tr></thead><tbody>{{range .Params}}<tr><td class="mono">{{index . 0}}</td><td>{{index . 1}}</td></tr>{{end}}</tbody></table>{{end}}</details>
{{end}}{{else}}<p class="note">Detector documentation and weights: not recorded.</p>{{end}}
{{if .Params}}<details><summary>All parameters as run</summary><table><tbody>{{range .Params}}<tr><td class="mono">{{index . 0}}</td><td>{{index . 1}}</td></tr>{{end}}</tbody></table></details>{{end}}
</section>

<section id="provenance">
<h2>Provenance</h2>
<table><tbody>
<tr><th>washscan version</th><td>{{if .Recorded}}{{.Version}}{{else}}not recorded{{end}}</td></tr>
<tr><th>inputs</th><td class="mono">{{range .Files}}{{.}}<br>{{else}}not recorded{{end}}</td></tr>
<tr><th>rows read</th><td class="n" data-field="rows_read">{{.RowsRead}}</td></tr>
<tr><th>rows loaded</th><td class="n" data-field="rows_loaded">{{.RowsLoaded}}</td></tr>
<tr><th>rows rejected</th><td class="n" data-field="rows_rejected">{{.RowsRejected}}</td></tr>
<tr><th>rows duplicate</th><td class="n" data-field="rows_duplicate">{{.RowsDup}}</td></tr>
</tbody></table>
</section>
</main>
<footer>Made by washscan. This page is self-contained: it loads nothing from the network; its only script sorts and filters the tables.</footer>
<script>{{.Script}}</script>
</body>
</html>
{{define "trades"}}{{if .}}<table class="trades"><thead><tr><th>time</th><th>tx</th><th>collection / token</th><th>seller</th><th>buyer</th><th>price</th><th>USD</th><th>platform</th><th>score</th><th>reasons</th><th>evidence</th></tr></thead><tbody>
{{range .}}<tr><td class="mono">{{.Time}}</td><td class="addr" title="{{.Tx}}">{{short .Tx}}</td><td class="addr" title="{{.Contract}}">{{short .Contract}} #{{.Token}}</td><td class="addr" title="{{.Seller}}">{{short .Seller}}</td><td class="addr" title="{{.Buyer}}">{{short .Buyer}}</td><td class="n">{{.Price}} {{.Currency}}</td><td class="n">{{.USD}}</td><td>{{.Platform}}</td><td class="n">{{.Score}}</td><td>{{.Reasons}}</td><td class="ev">{{.Evidence}}</td></tr>
{{end}}</tbody></table>{{else}}<p class="note">none</p>{{end}}{{end}}
`))
