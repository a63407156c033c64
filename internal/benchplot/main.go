package main

import (
	"bufio"
	"flag"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// point is one BenchmarkEngine result.
type point struct {
	transfers, cpuSec, rssMiB float64
}

// parse reads `go test -bench` output and returns, per "family/policy", the
// points in order of size. Later lines for the same benchmark replace earlier
// ones (a rerun of one size by hand).
func parse(r io.Reader) (map[string][]point, error) {
	type key struct {
		series string
		n      string
	}
	got := map[key]point{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "BenchmarkEngine/") {
			continue
		}
		name := strings.TrimPrefix(f[0], "BenchmarkEngine/")
		if i := strings.LastIndexByte(name, '-'); i > 0 { // -cpu suffix, when not 1
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		parts := strings.Split(name, "/")
		if len(parts) != 3 {
			continue
		}
		metrics := map[string]float64{}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("%s: value %q: %w", f[0], f[i], err)
			}
			metrics[f[i+1]] = v
		}
		// CPU seconds per trace = replayed transfers / their rate; the x axis is the
		// workload's size (what haircut and poison replay in full; the other
		// policies' taint reaches part of the tree, which is what costs them less).
		// Memory is the peak above the process's resident set when the peak mark
		// was reset (runtime, binary, the workload's arrays): what the trace added.
		p := point{transfers: metrics["transfers"], rssMiB: metrics["peak-RSS-MiB"] - metrics["base-RSS-MiB"]}
		if tps := metrics["transfers/s"]; tps > 0 {
			p.cpuSec = p.transfers / tps
		}
		if w := metrics["workload-transfers"]; w > 0 {
			p.transfers = w
		}
		if p.transfers == 0 || p.cpuSec == 0 {
			return nil, fmt.Errorf("%s: no transfers or transfers/s metric", f[0])
		}
		got[key{parts[0] + "/" + parts[1], parts[2]}] = p
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	out := map[string][]point{}
	for k, p := range got {
		out[k.series] = append(out[k.series], p)
	}
	for _, ps := range out {
		sort.Slice(ps, func(i, j int) bool { return ps[i].transfers < ps[j].transfers })
	}
	return out, nil
}

// panel draws one metric of every series against transfers, log-log.
func panel(title, ylabel string, series map[string][]point, y func(point) float64) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "transfers in the workload"
	p.Y.Label.Text = ylabel
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.LogTicks{Prec: -1}, plot.LogTicks{Prec: -1}
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.TextStyle.Font.Size = vg.Points(7)
	names := make([]string, 0, len(series))
	for n := range series {
		names = append(names, n)
	}
	sort.Strings(names)
	minX := 0.0
	for _, ps := range series {
		for _, pt := range ps {
			if y(pt) > 0 && (minX == 0 || pt.transfers < minX) {
				minX = pt.transfers
			}
		}
	}
	// Slope 1 through the geometric mean of the smallest workloads' values.
	logSum, k := 0.0, 0
	for _, ps := range series {
		for _, pt := range ps {
			if y(pt) > 0 && pt.transfers <= minX*1.5 {
				logSum += math.Log(y(pt))
				k++
			}
		}
	}
	for i, n := range names {
		xys := plotter.XYs{}
		for _, pt := range series[n] {
			if v := y(pt); v > 0 {
				xys = append(xys, plotter.XY{X: pt.transfers, Y: v})
			}
		}
		if len(xys) == 0 {
			continue
		}
		l, pts, err := plotter.NewLinePoints(xys)
		if err != nil {
			return nil, err
		}
		c := plotutilColor(i)
		l.Color, pts.Color = c, c
		pts.Shape = plotutilShape(i)
		if strings.HasPrefix(n, "utxo/") {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
		}
		p.Add(l, pts)
		p.Legend.Add(n, l, pts)
	}
	if k > 0 {
		y0 := math.Exp(logSum / float64(k))
		maxX := minX
		for _, ps := range series {
			for _, pt := range ps {
				maxX = max(maxX, pt.transfers)
			}
		}
		lin, err := plotter.NewLine(plotter.XYs{{X: minX, Y: y0}, {X: maxX, Y: y0 * maxX / minX}})
		if err != nil {
			return nil, err
		}
		lin.Color = color.Gray{Y: 150}
		lin.Dashes = []vg.Length{vg.Points(1), vg.Points(3)}
		p.Add(lin)
		p.Legend.Add("linear growth", lin)
	}
	return p, nil
}

var palette = []color.Color{
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 255}, color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 255},
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 255}, color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 255},
	color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 255},
}

// Colours by policy (series are sorted family/policy, five policies a family),
// shapes by family.
func plotutilColor(i int) color.Color { return palette[i%len(palette)] }
func plotutilShape(i int) draw.GlyphDrawer {
	if i/len(palette)%2 == 1 {
		return draw.BoxGlyph{}
	}
	return draw.CircleGlyph{}
}

func run(args []string, stdin io.Reader) error {
	fs := flag.NewFlagSet("benchplot", flag.ContinueOnError)
	out := fs.String("o", "engine.png", "PNG to write")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var in io.Reader = stdin
	if fs.NArg() > 0 {
		var rs []io.Reader
		for _, name := range fs.Args() {
			f, err := os.Open(name)
			if err != nil {
				return err
			}
			defer f.Close()
			rs = append(rs, f)
		}
		in = io.MultiReader(rs...)
	}
	series, err := parse(in)
	if err != nil {
		return err
	}
	if len(series) == 0 {
		return fmt.Errorf("no BenchmarkEngine results in the input")
	}
	tp, err := panel("CPU time per trace (GOMAXPROCS=1)", "seconds", series, func(p point) float64 { return p.cpuSec })
	if err != nil {
		return err
	}
	mp, err := panel("Peak resident memory added by the trace", "MiB", series, func(p point) float64 { return p.rssMiB })
	if err != nil {
		return err
	}
	const w, h = 26 * vg.Centimeter, 12 * vg.Centimeter
	img := vgimg.New(w, h)
	dc := draw.New(img)
	t := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 2, PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	plots := [][]*plot.Plot{{tp, mp}}
	canvases := plot.Align(plots, t, dc)
	tp.Draw(canvases[0][0])
	mp.Draw(canvases[0][1])
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func main() {
	if err := run(os.Args[1:], os.Stdin); err != nil {
		fmt.Fprintln(os.Stderr, "benchplot:", err)
		os.Exit(1)
	}
}
