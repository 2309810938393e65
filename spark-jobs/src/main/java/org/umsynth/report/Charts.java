package org.umsynth.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** The report's plots, drawn by JFreeChart and rendered to images. */
public final class Charts {
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 13);
    private static final Font CELL = new Font(Font.SANS_SERIF, Font.BOLD, 12);
    private static final Color LINE = new Color(0x2f, 0x6f, 0xb8);

    private Charts() {
    }

    /** One loss against iteration; NaN points are left out (the line breaks there). */
    public static BufferedImage lossCurve(String title, double[] iterations, double[] values, int width, int height) {
        XYSeries series = new XYSeries(title, false, true);
        for (int i = 0; i < iterations.length; i++) {
            series.add(iterations[i], Double.isFinite(values[i]) ? values[i] : Double.NaN);
        }
        NumberAxis x = new NumberAxis("iteration");
        x.setAutoRangeIncludesZero(false);
        NumberAxis y = new NumberAxis(title);
        y.setAutoRangeIncludesZero(false);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, iterations.length <= 40);
        renderer.setSeriesPaint(0, LINE);
        renderer.setSeriesStroke(0, new BasicStroke(1.6f));
        XYPlot plot = new XYPlot(new XYSeriesCollection(series), x, y, renderer);
        plot.setOrientation(PlotOrientation.VERTICAL);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xdd, 0xe3, 0xee));
        plot.setRangeGridlinePaint(new Color(0xdd, 0xe3, 0xee));
        JFreeChart chart = new JFreeChart(title, TITLE, plot, false);
        chart.setBackgroundPaint(Color.WHITE);
        return chart.createBufferedImage(width, height);
    }

    /**
     * A heat map of {@code values[row][column]} (rows: extractors, columns: resolutions) with every
     * value written in its cell; NaN cells grey. Colour runs from light (low) to dark (high).
     */
    public static BufferedImage heatMap(String title, List<String> rows, List<String> columns, double[][] values,
                                        String rowAxis, String columnAxis, int width, int height) {
        DefaultXYZDataset data = new DefaultXYZDataset();
        int n = rows.size() * columns.size();
        double[][] xyz = new double[3][n];
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        int k = 0;
        for (int r = 0; r < rows.size(); r++) {
            for (int c = 0; c < columns.size(); c++) {
                double v = values[r][c];
                xyz[0][k] = c;
                xyz[1][k] = r;
                xyz[2][k] = v;
                if (Double.isFinite(v)) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
                k++;
            }
        }
        data.addSeries(title, xyz);
        SymbolAxis x = new SymbolAxis(columnAxis, columns.toArray(String[]::new));
        SymbolAxis y = new SymbolAxis(rowAxis, rows.toArray(String[]::new));
        x.setGridBandsVisible(false);
        y.setGridBandsVisible(false);
        XYBlockRenderer renderer = new XYBlockRenderer();
        double lo = Double.isFinite(min) ? min : 0;
        double hi = Double.isFinite(max) && max > lo ? max : lo + 1;
        renderer.setPaintScale(new Blues(lo, hi));
        XYPlot plot = new XYPlot(data, x, y, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        for (int i = 0; i < n; i++) {
            double v = xyz[2][i];
            XYTextAnnotation label = new XYTextAnnotation(formatCell(v), xyz[0][i], xyz[1][i]);
            label.setFont(CELL);
            label.setPaint(Double.isFinite(v) && (v - lo) / (hi - lo) > 0.55 ? Color.WHITE : Color.BLACK);
            plot.addAnnotation(label);
        }
        JFreeChart chart = new JFreeChart(null, TITLE, plot, false);
        chart.addSubtitle(new TextTitle(title, TITLE));
        chart.setBackgroundPaint(Color.WHITE);
        return chart.createBufferedImage(width, height);
    }

    static String formatCell(double v) {
        if (!Double.isFinite(v)) {
            return "n/a";
        }
        return String.format(Locale.ROOT, Math.abs(v) >= 1000 || (v != 0 && Math.abs(v) < 0.01) ? "%.3g" : "%.3f", v);
    }

    /** A white-to-blue scale; NaN grey. */
    private record Blues(double lower, double upper) implements PaintScale {
        @Override
        public double getLowerBound() {
            return lower;
        }

        @Override
        public double getUpperBound() {
            return upper;
        }

        @Override
        public Paint getPaint(double value) {
            if (!Double.isFinite(value)) {
                return new Color(0xcc, 0xcc, 0xcc);
            }
            double t = Math.max(0, Math.min(1, (value - lower) / (upper - lower)));
            return new Color(mix(0xef, 0x08, t), mix(0xf5, 0x30, t), mix(0xfb, 0x6b, t));
        }

        private static int mix(int a, int b, double t) {
            return (int) Math.round(a + (b - a) * t);
        }
    }
    /**
     * One line per series over x (e.g. label fraction), with shapes at the points; error bars are not drawn,
     * the report's tables carry the intervals. {@code series} maps a name to its points {@code {x, y}}.
     */
    public static BufferedImage lines(String title, String xLabel, String yLabel,
                                      java.util.Map<String, List<double[]>> series, int width, int height) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (java.util.Map.Entry<String, List<double[]>> e : series.entrySet()) {
            XYSeries s = new XYSeries(e.getKey(), true, true);
            for (double[] p : e.getValue()) {
                s.add(p[0], Double.isFinite(p[1]) ? p[1] : Double.NaN);
            }
            data.addSeries(s);
        }
        NumberAxis x = new NumberAxis(xLabel);
        x.setAutoRangeIncludesZero(true);
        NumberAxis y = new NumberAxis(yLabel);
        y.setAutoRangeIncludesZero(false);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        Color[] palette = {LINE, new Color(0xd0, 0x5a, 0x2a), new Color(0x3a, 0x9a, 0x4a), new Color(0x8a, 0x4a, 0xb0),
                new Color(0x80, 0x80, 0x80), new Color(0xb0, 0x90, 0x20)};
        for (int i = 0; i < data.getSeriesCount(); i++) {
            renderer.setSeriesPaint(i, palette[i % palette.length]);
            renderer.setSeriesStroke(i, new BasicStroke(1.8f));
        }
        XYPlot plot = new XYPlot(data, x, y, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xdd, 0xe3, 0xee));
        plot.setRangeGridlinePaint(new Color(0xdd, 0xe3, 0xee));
        JFreeChart chart = new JFreeChart(title, TITLE, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        return chart.createBufferedImage(width, height);
    }
}
