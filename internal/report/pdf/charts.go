package pdf

import (
	"fmt"
	"math"

	"github.com/go-analyze/charts"

	"github.com/posture-dev/posture/internal/report"
)

// Charts are rendered to PNG in memory at about 200 dpi for the size they
// are placed at, with the library's embedded font (nothing is read from
// the system). pxPerMM converts the placed size to pixels.
const pxPerMM = 8.0

// Each chart gets a pixel width one less than the previous: fpdf orders
// images in the file by width (and otherwise by map order), so distinct
// widths make the same report give the same bytes. One pixel is invisible
// once the image is scaled to its placed size.
const (
	slotMeanLevel = iota
	slotCells
	slotLevels
)

func pixels(wmm, hmm float64, slot int) (int, int) {
	return int(wmm*pxPerMM) - slot, int(hmm * pxPerMM)
}

func chartColor(c rgb) charts.Color {
	return charts.Color{R: uint8(c.r), G: uint8(c.g), B: uint8(c.b), A: 255}
}

// cellColors tell the four cells apart; pre-runtime in blues, runtime in
// greens, advanced darker than basic.
var cellColors = []charts.Color{
	{R: 120, G: 160, B: 210, A: 255},
	{R: 31, G: 56, B: 100, A: 255},
	{R: 120, G: 190, B: 130, A: 255},
	{R: 30, G: 110, B: 60, A: 255},
}

func chartTheme(series []charts.Color) charts.ColorPalette {
	return charts.GetTheme(charts.ThemeLight).
		WithSeriesColors(series).
		WithTextColor(chartColor(colInk)).
		WithAxisSplitLineColor(charts.Color{R: 230, G: 233, B: 237, A: 255})
}

func fontStyle(px float64) charts.FontStyle {
	return charts.FontStyle{FontSize: px, FontColor: chartColor(colInk)}
}

// finite keeps NaN and infinities, which the chart library cannot scale,
// out of a series.
func finite(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}

// trendLabels are the trend's days as "Aug 03", thinned by the library.
func trendLabels(tr []report.TrendPoint) []string {
	l := make([]string, len(tr))
	for i, p := range tr {
		l[i] = p.Day.UTC().Format("Jan 02")
	}
	return l
}

// meanLevelChart is the portfolio's mean maturity level (0-4) over the period.
func meanLevelChart(tr []report.TrendPoint, wmm, hmm float64) ([]byte, error) {
	v := make([]float64, len(tr))
	for i, p := range tr {
		v[i] = math.Max(0, math.Min(4, finite(p.MeanLevel)))
	}
	opt := charts.NewLineChartOptionWithData([][]float64{v})
	opt.Theme = chartTheme([]charts.Color{chartColor(colAccent)})
	opt.XAxis.Labels = trendLabels(tr)
	opt.XAxis.LabelFontStyle = fontStyle(20)
	opt.XAxis.BoundaryGap = charts.Ptr(false)
	opt.YAxis[0].Min = charts.Ptr(0.0)
	opt.YAxis[0].Max = charts.Ptr(4.0)
	opt.YAxis[0].LabelCount = 5
	opt.YAxis[0].LabelFontStyle = fontStyle(20)
	opt.YAxis[0].ValueFormatter = func(f float64) string { return fmt.Sprintf("%.0f", f) }
	opt.Legend.SeriesNames = []string{"Mean maturity level (0-4)"}
	opt.Legend.FontStyle = fontStyle(22)
	opt.Legend.Offset = charts.OffsetLeft
	opt.LineStrokeWidth = 4
	opt.Symbol = charts.Symbol{Shape: charts.SymbolCircle, Size: 6}
	opt.Padding = charts.NewBox(20, 20, 36, 10)
	return renderLine(opt, wmm, hmm, slotMeanLevel)
}

// cellTrendChart is the four cells' portfolio means (0-100) over the period.
func cellTrendChart(tr []report.TrendPoint, wmm, hmm float64) ([]byte, error) {
	vals := make([][]float64, 4)
	for i := range vals {
		vals[i] = make([]float64, len(tr))
	}
	for j, p := range tr {
		for i, c := range p.Cells.Values() {
			vals[i][j] = clampScore(c)
		}
	}
	opt := charts.NewLineChartOptionWithData(vals)
	opt.Theme = chartTheme(cellColors)
	opt.XAxis.Labels = trendLabels(tr)
	opt.XAxis.LabelFontStyle = fontStyle(20)
	opt.XAxis.BoundaryGap = charts.Ptr(false)
	opt.YAxis[0].Min = charts.Ptr(0.0)
	opt.YAxis[0].Max = charts.Ptr(100.0)
	opt.YAxis[0].LabelCount = 6
	opt.YAxis[0].LabelFontStyle = fontStyle(20)
	opt.YAxis[0].ValueFormatter = func(f float64) string { return fmt.Sprintf("%.0f", f) }
	opt.Legend.SeriesNames = report.CellNames[:]
	opt.Legend.FontStyle = fontStyle(22)
	opt.Legend.Offset = charts.OffsetLeft
	opt.LineStrokeWidth = 4
	opt.Symbol = charts.Symbol{Shape: charts.SymbolNone}
	opt.Padding = charts.NewBox(20, 20, 36, 10)
	return renderLine(opt, wmm, hmm, slotCells)
}

func renderLine(opt charts.LineChartOption, wmm, hmm float64, slot int) ([]byte, error) {
	w, h := pixels(wmm, hmm, slot)
	p := charts.NewPainter(charts.PainterOptions{OutputFormat: charts.ChartOutputPNG, Width: w, Height: h})
	if err := p.LineChart(opt); err != nil {
		return nil, err
	}
	return p.Bytes()
}

// levelChart is the number of APIs at each maturity level.
func levelChart(levels [5]int, wmm, hmm float64) ([]byte, error) {
	v := make([]float64, len(levels))
	for i, n := range levels {
		v[i] = float64(max(n, 0))
	}
	opt := charts.NewBarChartOptionWithData([][]float64{v})
	opt.Theme = chartTheme([]charts.Color{chartColor(colAccent)})
	labels := make([]string, len(levels))
	for i := range levels {
		labels[i] = report.LevelName(i)
	}
	opt.CategoryAxis.Labels = labels
	opt.CategoryAxis.LabelFontStyle = fontStyle(20)
	// Five short labels always fit; without an explicit count the
	// library drops some to leave generous gaps.
	opt.CategoryAxis.LabelCount = len(labels)
	opt.ValueAxis[0].Min = charts.Ptr(0.0)
	opt.ValueAxis[0].LabelFontStyle = fontStyle(20)
	opt.ValueAxis[0].ValueFormatter = func(f float64) string { return fmt.Sprintf("%.0f", f) }
	opt.SeriesList[0].Label.Show = charts.Ptr(true)
	opt.SeriesList[0].Label.FontStyle = fontStyle(22)
	opt.SeriesList[0].Label.ValueFormatter = func(f float64) string { return fmt.Sprintf("%.0f", f) }
	opt.BarSize = 0.55
	opt.Padding = charts.NewBox(20, 30, 36, 10)
	w, h := pixels(wmm, hmm, slotLevels)
	p := charts.NewPainter(charts.PainterOptions{OutputFormat: charts.ChartOutputPNG, Width: w, Height: h})
	if err := p.BarChart(opt); err != nil {
		return nil, err
	}
	return p.Bytes()
}
