package io.twinport.bench.chart;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A small, dependency-free SVG chart writer: bar charts (one bar per label, with an optional error bar and an
 * optional reference line such as "ratio 1.0") and line charts (one polyline per named series of (t, value)
 * points, with labelled vertical event markers, e.g. "packets per second per path over time, events marked").
 *
 * <p>The output is a standalone SVG 1.1 document (UTF-8, no scripts, no external references) that browsers and
 * GitHub render. The geometry is fixed and public ({@link #WIDTH}, {@link #HEIGHT}, the margins) so that a test can
 * check where a value was drawn: the y axis always starts at 0 and ends at {@link #niceCeiling(double)} of the
 * largest value drawn; the x axis of a line chart spans the smallest to the largest t of the points and markers.
 * Each bar ({@code <rect class="bar">}), error bar ({@code <line class="err">}), series ({@code <polyline
 * class="series">}) and marker ({@code <line class="marker">}) carries {@code data-label} (and bars
 * {@code data-value}) so that readers and tests can find it.
 */
public final class SvgChart {
    /** Width of every chart, in SVG user units (pixels). */
    public static final int WIDTH = 760;
    /** Height of every chart. */
    public static final int HEIGHT = 420;
    /** Left margin: the y axis' labels. */
    public static final int LEFT = 80;
    /** Right margin: a line chart's legend. */
    public static final int RIGHT = 170;
    /** Top margin: the title. */
    public static final int TOP = 40;
    /** Bottom margin: the x axis' labels (bar labels are slanted). */
    public static final int BOTTOM = 110;

    /** Series colours, in order (a colour-blind-safe palette); they repeat after the last. */
    private static final String[] PALETTE = {"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9",
        "#F0E442", "#000000"};

    private SvgChart() {
    }

    /**
     * One bar: a value and, optionally, the spread around it.
     *
     * @param label under the bar
     * @param value the bar's height, finite and at least 0
     * @param low   the error bar's lower end, or NaN for no error bar
     * @param high  the error bar's upper end, or NaN for no error bar
     */
    public record Bar(String label, double value, double low, double high) {
        /** Checks the values. */
        public Bar {
            Objects.requireNonNull(label, "label");
            if (!Double.isFinite(value) || value < 0) {
                throw new IllegalArgumentException("bar " + label + ": value " + value + " must be finite and >= 0");
            }
            if (Double.isNaN(low) != Double.isNaN(high)) {
                throw new IllegalArgumentException("bar " + label + ": give both ends of the error bar or neither ("
                        + low + ", " + high + ")");
            }
            if (!Double.isNaN(low) && !(low >= 0 && low <= high && Double.isFinite(high))) {
                throw new IllegalArgumentException("bar " + label + ": error bar [" + low + ", " + high
                        + "] must be finite with 0 <= low <= high");
            }
        }

        /**
         * @param label under the bar
         * @param value its height
         * @return a bar without an error bar
         */
        public static Bar of(String label, double value) {
            return new Bar(label, value, Double.NaN, Double.NaN);
        }

        /** @return true if it has an error bar */
        public boolean hasError() {
            return !Double.isNaN(low);
        }
    }

    /**
     * A point of a series.
     *
     * @param t     the x value (e.g. seconds since the start)
     * @param value the y value, finite and at least 0
     */
    public record Point(double t, double value) {
        /** Checks the values. */
        public Point {
            if (!Double.isFinite(t) || !Double.isFinite(value) || value < 0) {
                throw new IllegalArgumentException("point (" + t + ", " + value + "): t must be finite and the value"
                        + " finite and >= 0");
            }
        }
    }

    /**
     * A named series of a line chart (e.g. one path's packets per second).
     *
     * @param name   in the legend
     * @param points in increasing t
     */
    public record Series(String name, List<Point> points) {
        /** Checks the points are in increasing t. */
        public Series {
            Objects.requireNonNull(name, "name");
            points = List.copyOf(points);
            for (int i = 1; i < points.size(); i++) {
                if (points.get(i).t() < points.get(i - 1).t()) {
                    throw new IllegalArgumentException("series " + name + ": t must not decrease (point " + i
                            + " at " + points.get(i).t() + " after " + points.get(i - 1).t() + ")");
                }
            }
        }
    }

    /**
     * A labelled vertical line across a line chart (an event: "primary unplugged", "switched").
     *
     * @param t     where
     * @param label next to it
     */
    public record Marker(double t, String label) {
        /** Checks the values. */
        public Marker {
            Objects.requireNonNull(label, "label");
            if (!Double.isFinite(t)) {
                throw new IllegalArgumentException("marker " + label + ": t " + t + " must be finite");
            }
        }
    }

    /**
     * A bar chart.
     *
     * @param title     above the chart
     * @param yLabel    the y axis' name, with its unit
     * @param bars      the bars, left to right (at least one)
     * @param reference a value to draw as a dashed horizontal line (e.g. 1.0 for ratios), or NaN for none
     * @return the SVG document
     */
    public static String barChart(String title, String yLabel, List<Bar> bars, double reference) {
        if (bars.isEmpty()) {
            throw new IllegalArgumentException("bar chart " + title + ": no bars");
        }
        double max = Double.isNaN(reference) ? 0 : reference;
        for (Bar b : bars) {
            max = Math.max(max, b.hasError() ? Math.max(b.value(), b.high()) : b.value());
        }
        double top = niceCeiling(max);
        StringBuilder sb = header(title);
        yAxis(sb, top, yLabel);
        double slot = plotWidth() / bars.size();
        double barWidth = Math.min(60, slot * 0.6);
        for (int i = 0; i < bars.size(); i++) {
            Bar b = bars.get(i);
            String colour = PALETTE[i % PALETTE.length];
            double cx = LEFT + slot * (i + 0.5);
            double y = yOf(b.value(), top);
            sb.append(String.format(Locale.ROOT, "<rect class=\"bar\" data-label=\"%s\" data-value=\"%s\" x=\"%.2f\""
                            + " y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"/>%n", esc(b.label()),
                    num(b.value()), cx - barWidth / 2, y, barWidth, HEIGHT - BOTTOM - y, colour));
            if (b.hasError()) {
                double lo = yOf(b.low(), top);
                double hi = yOf(b.high(), top);
                sb.append(String.format(Locale.ROOT, "<line class=\"err\" data-label=\"%s\" x1=\"%.2f\" y1=\"%.2f\""
                        + " x2=\"%.2f\" y2=\"%.2f\" stroke=\"#333\" stroke-width=\"1.5\"/>%n", esc(b.label()), cx, lo,
                        cx, hi));
                for (double yy : new double[] {lo, hi}) {
                    sb.append(String.format(Locale.ROOT, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\""
                            + " stroke=\"#333\" stroke-width=\"1.5\"/>%n", cx - 6, yy, cx + 6, yy));
                }
            }
            sb.append(String.format(Locale.ROOT, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"11\" text-anchor=\"middle\">"
                    + "%s</text>%n", cx, y - 4, esc(format(b.value()))));
            double ly = HEIGHT - BOTTOM + 14;
            sb.append(String.format(Locale.ROOT, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"11\" text-anchor=\"end\""
                    + " transform=\"rotate(-30 %.2f %.2f)\">%s</text>%n", cx, ly, cx, ly, esc(b.label())));
        }
        if (!Double.isNaN(reference)) {
            double y = yOf(reference, top);
            sb.append(String.format(Locale.ROOT, "<line class=\"reference\" x1=\"%d\" y1=\"%.2f\" x2=\"%d\""
                    + " y2=\"%.2f\" stroke=\"#888\" stroke-dasharray=\"6 4\"/>%n", LEFT, y, WIDTH - RIGHT, y));
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.2f\" font-size=\"11\" fill=\"#666\">%s</text>%n",
                    WIDTH - RIGHT + 4, y + 4, esc(format(reference))));
        }
        return sb.append("</svg>\n").toString();
    }

    /**
     * A line chart: one polyline per series, event markers as labelled vertical lines.
     *
     * @param title   above the chart
     * @param xLabel  the x axis' name, with its unit
     * @param yLabel  the y axis' name, with its unit
     * @param series  the series (at least one point among them)
     * @param markers the events (may be empty)
     * @return the SVG document
     */
    public static String lineChart(String title, String xLabel, String yLabel, List<Series> series,
                                   List<Marker> markers) {
        double tMin = Double.POSITIVE_INFINITY;
        double tMax = Double.NEGATIVE_INFINITY;
        double max = 0;
        int points = 0;
        for (Series s : series) {
            for (Point p : s.points()) {
                tMin = Math.min(tMin, p.t());
                tMax = Math.max(tMax, p.t());
                max = Math.max(max, p.value());
                points++;
            }
        }
        if (points == 0) {
            throw new IllegalArgumentException("line chart " + title + ": no points");
        }
        for (Marker m : markers) {
            tMin = Math.min(tMin, m.t());
            tMax = Math.max(tMax, m.t());
        }
        if (tMax == tMin) {
            tMax = tMin + 1;
        }
        double top = niceCeiling(max);
        StringBuilder sb = header(title);
        yAxis(sb, top, yLabel);
        // x axis: five ticks
        for (int i = 0; i <= 4; i++) {
            double t = tMin + (tMax - tMin) * i / 4;
            double x = xOf(t, tMin, tMax);
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" stroke=\"#333\"/>%n",
                    x, HEIGHT - BOTTOM, x, HEIGHT - BOTTOM + 5));
            sb.append(String.format(Locale.ROOT, "<text x=\"%.2f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">"
                    + "%s</text>%n", x, HEIGHT - BOTTOM + 18, esc(format(t))));
        }
        sb.append(String.format(Locale.ROOT, "<text x=\"%.2f\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">%s"
                + "</text>%n", LEFT + plotWidth() / 2, HEIGHT - BOTTOM + 40, esc(xLabel)));
        for (int i = 0; i < markers.size(); i++) {
            Marker m = markers.get(i);
            double x = xOf(m.t(), tMin, tMax);
            sb.append(String.format(Locale.ROOT, "<line class=\"marker\" data-label=\"%s\" x1=\"%.2f\" y1=\"%d\""
                    + " x2=\"%.2f\" y2=\"%d\" stroke=\"#C00\" stroke-dasharray=\"4 3\"/>%n", esc(m.label()), x, TOP, x,
                    HEIGHT - BOTTOM));
            // labels stagger downwards so that neighbouring markers stay readable
            sb.append(String.format(Locale.ROOT, "<text x=\"%.2f\" y=\"%d\" font-size=\"11\" fill=\"#C00\">%s</text>%n",
                    x + 3, TOP + 12 + 13 * (i % 4), esc(m.label())));
        }
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            String colour = PALETTE[i % PALETTE.length];
            StringBuilder pts = new StringBuilder();
            for (Point p : s.points()) {
                if (!pts.isEmpty()) {
                    pts.append(' ');
                }
                pts.append(String.format(Locale.ROOT, "%.2f,%.2f", xOf(p.t(), tMin, tMax), yOf(p.value(), top)));
            }
            sb.append(String.format(Locale.ROOT, "<polyline class=\"series\" data-label=\"%s\" points=\"%s\""
                    + " fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>%n", esc(s.name()), pts, colour));
            int ly = TOP + 10 + 18 * i;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\""
                    + " stroke-width=\"3\"/>%n", WIDTH - RIGHT + 10, ly, WIDTH - RIGHT + 30, ly, colour));
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"12\">%s</text>%n",
                    WIDTH - RIGHT + 35, ly + 4, esc(s.name())));
        }
        return sb.append("</svg>\n").toString();
    }

    /**
     * Writes a chart to a file (UTF-8), creating its directory.
     *
     * @param file where
     * @param svg  the document
     * @throws IOException if it cannot be written
     */
    public static void write(Path file, String svg) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Files.writeString(file, svg, StandardCharsets.UTF_8);
    }

    /**
     * The top of the y axis: the smallest of 1, 2, 2.5, 5 times a power of ten that is at least {@code max} (1 when
     * {@code max} is 0).
     *
     * @param max the largest value drawn, at least 0
     * @return the axis' top
     */
    public static double niceCeiling(double max) {
        if (!(max > 0)) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(max)));
        for (double f : new double[] {1, 2, 2.5, 5, 10}) {
            if (f * p >= max * (1 - 1e-12)) {
                return f * p;
            }
        }
        return 10 * p;
    }

    /**
     * @param value a value
     * @param top   the axis' top
     * @return its y coordinate in the plot
     */
    public static double yOf(double value, double top) {
        return HEIGHT - BOTTOM - (value / top) * (HEIGHT - BOTTOM - TOP);
    }

    /**
     * @param t    a t value
     * @param tMin the axis' left end
     * @param tMax its right end
     * @return its x coordinate in the plot
     */
    public static double xOf(double t, double tMin, double tMax) {
        return LEFT + (t - tMin) / (tMax - tMin) * plotWidth();
    }

    private static double plotWidth() {
        return WIDTH - LEFT - RIGHT;
    }

    private static StringBuilder header(String title) {
        StringBuilder sb = new StringBuilder();
        sb.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\""
                + " height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT));
        sb.append("<title>").append(esc(title)).append("</title>\n");
        sb.append(String.format(Locale.ROOT, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"white\"/>%n",
                WIDTH, HEIGHT));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"24\" font-size=\"15\" font-weight=\"bold\">%s</text>%n",
                LEFT, esc(title)));
        return sb;
    }

    private static void yAxis(StringBuilder sb, double top, String yLabel) {
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>%n",
                LEFT, TOP, LEFT, HEIGHT - BOTTOM));
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>%n",
                LEFT, HEIGHT - BOTTOM, WIDTH - RIGHT, HEIGHT - BOTTOM));
        for (int i = 0; i <= 5; i++) {
            double v = top * i / 5;
            double y = yOf(v, top);
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.2f\" x2=\"%d\" y2=\"%.2f\" stroke=\"#ddd\"/>%n",
                    LEFT, y, WIDTH - RIGHT, y));
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.2f\" font-size=\"11\" text-anchor=\"end\">%s"
                    + "</text>%n", LEFT - 6, y + 4, esc(format(v))));
        }
        double my = TOP + (HEIGHT - BOTTOM - TOP) / 2.0;
        sb.append(String.format(Locale.ROOT, "<text x=\"16\" y=\"%.2f\" font-size=\"12\" text-anchor=\"middle\""
                + " transform=\"rotate(-90 16 %.2f)\">%s</text>%n", my, my, esc(yLabel)));
    }

    /**
     * A number for a label: up to three significant decimals, SI suffixes from a thousand (k, M, G).
     *
     * @param v the number
     * @return its text
     */
    public static String format(double v) {
        double a = Math.abs(v);
        if (a >= 1e9) {
            return trim(v / 1e9) + "G";
        }
        if (a >= 1e6) {
            return trim(v / 1e6) + "M";
        }
        if (a >= 1e4) {
            return trim(v / 1e3) + "k";
        }
        return trim(v);
    }

    private static String trim(double v) {
        String s = String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%.0f" : Math.abs(v) >= 10 ? "%.1f" : "%.3f", v);
        if (s.contains(".")) {
            s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return s;
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%s", v);
    }

    /**
     * @param s text
     * @return it escaped for XML text and attribute values
     */
    static String esc(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&apos;");
                default -> {
                    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
                        sb.append(' '); // not allowed in XML 1.0
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }
}
