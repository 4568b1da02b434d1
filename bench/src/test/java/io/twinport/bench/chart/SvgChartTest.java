package io.twinport.bench.chart;

import io.twinport.bench.chart.SvgChart.Bar;
import io.twinport.bench.chart.SvgChart.Marker;
import io.twinport.bench.chart.SvgChart.Point;
import io.twinport.bench.chart.SvgChart.Series;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SvgChartTest {
    private static final double EPS = 0.01; // coordinates are written with two decimals

    private static Document parse(String svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<Element> byClass(Document d, String tag, String cls) {
        List<Element> out = new ArrayList<>();
        NodeList nodes = d.getElementsByTagNameNS("http://www.w3.org/2000/svg", tag);
        for (int i = 0; i < nodes.getLength(); i++) {
            Element e = (Element) nodes.item(i);
            if (cls.equals(e.getAttribute("class"))) {
                out.add(e);
            }
        }
        return out;
    }

    private static double attr(Element e, String name) {
        return Double.parseDouble(e.getAttribute(name));
    }

    @Test
    void barsAreWellFormedSvgWithHeightsProportionalToTheirValues() throws Exception {
        String svg = SvgChart.barChart("ratios <&> \"quoted\"", "failover / member",
                List.of(new Bar("burst 1", 1.25, 1.2, 1.3), Bar.of("burst 32 & more", 0.5)), 1.0);
        Document d = parse(svg);
        Element root = d.getDocumentElement();
        assertEquals("svg", root.getLocalName());
        assertEquals("http://www.w3.org/2000/svg", root.getNamespaceURI());
        assertEquals(String.valueOf(SvgChart.WIDTH), root.getAttribute("width"));
        assertEquals("ratios <&> \"quoted\"", d.getElementsByTagNameNS("http://www.w3.org/2000/svg", "title")
                .item(0).getTextContent(), "the title survives escaping");

        List<Element> bars = byClass(d, "rect", "bar");
        assertEquals(2, bars.size());
        assertEquals("burst 1", bars.get(0).getAttribute("data-label"));
        assertEquals("burst 32 & more", bars.get(1).getAttribute("data-label"));
        // the axis tops at 2.0 (the nice ceiling of 1.3): 1.25 is 62.5 % of the plot height, 0.5 is 25 %
        double plot = SvgChart.HEIGHT - SvgChart.BOTTOM - SvgChart.TOP;
        assertEquals(0.625 * plot, attr(bars.get(0), "height"), EPS);
        assertEquals(0.25 * plot, attr(bars.get(1), "height"), EPS);
        for (Element b : bars) {
            assertEquals(SvgChart.HEIGHT - SvgChart.BOTTOM, attr(b, "y") + attr(b, "height"), EPS,
                    "bars stand on the x axis");
        }
        assertTrue(attr(bars.get(0), "x") < attr(bars.get(1), "x"), "left to right in the order given");

        List<Element> errs = byClass(d, "line", "err");
        assertEquals(1, errs.size(), "only the bar with a spread has an error bar");
        assertEquals(SvgChart.yOf(1.2, 2.0), attr(errs.getFirst(), "y1"), EPS);
        assertEquals(SvgChart.yOf(1.3, 2.0), attr(errs.getFirst(), "y2"), EPS);
        double centre = attr(bars.get(0), "x") + attr(bars.get(0), "width") / 2;
        assertEquals(centre, attr(errs.getFirst(), "x1"), EPS);

        List<Element> ref = byClass(d, "line", "reference");
        assertEquals(1, ref.size());
        assertEquals(SvgChart.yOf(1.0, 2.0), attr(ref.getFirst(), "y1"), EPS);
        assertEquals(SvgChart.TOP + plot / 2, attr(ref.getFirst(), "y1"), EPS);
    }

    @Test
    void seriesPointsAndMarkersAreWhereTheirValuesSay() throws Exception {
        Series vf = new Series("vf", List.of(new Point(0, 100), new Point(1, 400), new Point(2, 0)));
        Series virtio = new Series("virtio", List.of(new Point(2, 300), new Point(4, 350)));
        String svg = SvgChart.lineChart("pps per path", "t (s)", "packets/s", List.of(vf, virtio),
                List.of(new Marker(2, "primary unplugged"), new Marker(3, "switched")));
        Document d = parse(svg);
        List<Element> lines = byClass(d, "polyline", "series");
        assertEquals(2, lines.size());
        assertEquals("vf", lines.get(0).getAttribute("data-label"));
        String[] pts = lines.get(0).getAttribute("points").split(" ");
        assertEquals(3, pts.length);
        // x spans 0..4, y 0..500 (the nice ceiling of 400)
        double[][] want = {{0, 100}, {1, 400}, {2, 0}};
        for (int i = 0; i < 3; i++) {
            String[] xy = pts[i].split(",");
            assertEquals(SvgChart.xOf(want[i][0], 0, 4), Double.parseDouble(xy[0]), EPS);
            assertEquals(SvgChart.yOf(want[i][1], 500), Double.parseDouble(xy[1]), EPS);
        }
        assertEquals(SvgChart.LEFT, SvgChart.xOf(0, 0, 4), EPS);
        assertEquals(SvgChart.WIDTH - SvgChart.RIGHT, SvgChart.xOf(4, 0, 4), EPS);
        assertEquals(SvgChart.HEIGHT - SvgChart.BOTTOM, SvgChart.yOf(0, 500), EPS);
        assertEquals(SvgChart.TOP, SvgChart.yOf(500, 500), EPS);

        List<Element> markers = byClass(d, "line", "marker");
        assertEquals(List.of("primary unplugged", "switched"),
                markers.stream().map(m -> m.getAttribute("data-label")).toList());
        assertEquals(SvgChart.xOf(3, 0, 4), attr(markers.get(1), "x1"), EPS);
        assertEquals(attr(markers.get(1), "x1"), attr(markers.get(1), "x2"), EPS, "vertical");
        assertTrue(svg.contains(">virtio</text>"), "legend names every series");
    }

    @Test
    void niceCeilingRoundsUpToOneTwoTwoAndAHalfOrFive() {
        assertEquals(1, SvgChart.niceCeiling(0));
        assertEquals(2, SvgChart.niceCeiling(1.3));
        assertEquals(2.5, SvgChart.niceCeiling(2.1));
        assertEquals(5e6, SvgChart.niceCeiling(3.2e6));
        assertEquals(100, SvgChart.niceCeiling(100));
        assertEquals(1000, SvgChart.niceCeiling(501));
    }

    @Test
    void formatUsesSiSuffixes() {
        assertEquals("12.3M", SvgChart.format(12_345_678));
        assertEquals("45.6k", SvgChart.format(45_600));
        assertEquals("1.25", SvgChart.format(1.25));
        assertEquals("0", SvgChart.format(0));
    }

    @Test
    void badInputIsRefusedNamingTheValue() {
        var e = assertThrows(IllegalArgumentException.class, () -> Bar.of("b", -1));
        assertTrue(e.getMessage().contains("-1.0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Bar("b", 1, 0.5, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new Bar("b", 1, 2, 1));
        assertThrows(IllegalArgumentException.class, () -> SvgChart.barChart("t", "y", List.of(), Double.NaN));
        var s = assertThrows(IllegalArgumentException.class,
                () -> new Series("s", List.of(new Point(2, 1), new Point(1, 1))));
        assertTrue(s.getMessage().contains("series s"), s.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SvgChart.lineChart("t", "x", "y",
                List.of(new Series("empty", List.of())), List.of()));
    }

    @Test
    void writeCreatesTheDirectory(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("a/b/chart.svg");
        SvgChart.write(f, SvgChart.barChart("t", "y", List.of(Bar.of("x", 1)), Double.NaN));
        parse(Files.readString(f));
    }
}
