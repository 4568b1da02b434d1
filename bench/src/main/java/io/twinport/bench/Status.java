package io.twinport.bench;

import io.twinport.mgmt.MgmtClient;
import io.twinport.mgmt.MgmtSocket;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code ./twinport status [--socket PATH]}: asks a running twinport process, through its management socket
 * ({@code query-failover}, {@code query-ports}, {@code query-stats}), for its failover ports, ports and counters, and
 * prints them as two tables. The default socket is {@link MgmtSocket#defaultPath()}, the server's default too.
 *
 * <p>Exit status: 0 printed; 1 nothing to talk to (one line on stderr naming the path and why) or the server
 * refused a query; 2 bad command line.
 */
final class Status {
    /** Exit status: printed. */
    static final int EXIT_OK = 0;
    /** Exit status: could not connect, or a query failed. */
    static final int EXIT_FAILED = 1;
    /** Exit status: bad command line. */
    static final int EXIT_USAGE = 2;
    /** How long each step may take. */
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private Status() {
    }

    /** @return the usage text */
    static String usage() {
        return "usage: twinport status [--socket PATH]\n"
                + "Prints the failover ports, ports and counters of a running twinport process, from its management"
                + " socket.\n\n"
                + "  --socket PATH  the management socket (default " + MgmtSocket.defaultPath()
                + ": $XDG_RUNTIME_DIR/twinport.sock, else /tmp/twinport-UID.sock)\n"
                + "  --help         print this help\n\n"
                + "exit status: 0 ok, 1 cannot connect or a query failed, 2 bad command line\n";
    }

    /**
     * @param args the arguments after {@code status}
     * @param out  the tables
     * @param err  errors
     * @return the exit status
     */
    static int run(String[] args, PrintStream out, PrintStream err) {
        Path socket = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String value = null;
            if (a.startsWith("--socket=")) {
                value = a.substring("--socket=".length());
                a = "--socket";
            }
            switch (a) {
                case "--help", "-h" -> {
                    out.print(usage());
                    return EXIT_OK;
                }
                case "--socket" -> {
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            err.println("twinport status: --socket needs a value: the management socket's path");
                            return EXIT_USAGE;
                        }
                        value = args[++i];
                    }
                    if (socket != null) {
                        err.println("twinport status: --socket given twice");
                        return EXIT_USAGE;
                    }
                    try {
                        socket = Path.of(value);
                    } catch (InvalidPathException e) {
                        err.println("twinport status: --socket: bad path '" + value + "'");
                        return EXIT_USAGE;
                    }
                    if (value.isEmpty()) {
                        err.println("twinport status: --socket: the path is empty");
                        return EXIT_USAGE;
                    }
                }
                default -> {
                    err.println("twinport status: unknown argument '" + args[i] + "'; arguments: --socket PATH,"
                            + " --help");
                    return EXIT_USAGE;
                }
            }
        }
        if (socket == null) {
            socket = MgmtSocket.defaultPath();
        }
        List<Object> failover;
        List<Object> ports;
        List<Object> stats;
        try (MgmtClient client = MgmtClient.connect(socket, TIMEOUT)) {
            failover = list(client.query("query-failover", null, TIMEOUT));
            ports = list(client.query("query-ports", null, TIMEOUT));
            stats = list(client.query("query-stats", null, TIMEOUT));
        } catch (IOException e) {
            err.println("twinport status: " + e.getMessage());
            return EXIT_FAILED;
        }
        out.print(format(socket, failover, ports, stats));
        return EXIT_OK;
    }

    /**
     * @param socket   the socket asked
     * @param failover the {@code query-failover} return value
     * @param ports    the {@code query-ports} return value
     * @param stats    the {@code query-stats} return value
     * @return the two tables
     */
    static String format(Path socket, List<Object> failover, List<Object> ports, List<Object> stats) {
        StringBuilder sb = new StringBuilder();
        sb.append("management socket ").append(socket).append("\n\n");
        sb.append("failover ports:");
        if (failover.isEmpty()) {
            sb.append(" none\n");
        } else {
            sb.append('\n');
            Table t = new Table("NAME", "MAC", "STATE", "LINK", "ACTIVE", "STANDBY", "PRIMARY", "REASON", "SWITCHING",
                    "OVERRIDE");
            for (Object o : failover) {
                Map<String, Object> f = map(o);
                String active = f.get("active") == null ? "-" : f.get("active") + " (" + f.get("active_role") + ")";
                Object ov = f.get("override");
                String override = "-";
                if (ov instanceof Map<?, ?> m) {
                    long ms = ((Number) m.get("expires_in_ms")).longValue();
                    override = m.get("member") + ", " + (ms + 999) / 1000 + " s left";
                }
                t.row(text(f.get("name")), text(f.get("mac")), text(f.get("state")), text(f.get("link")), active,
                        text(f.get("standby")), text(f.get("primary")), text(f.get("reason")),
                        Boolean.TRUE.equals(f.get("switching")) ? "yes" : "no", override);
            }
            t.appendTo(sb);
        }
        Map<String, Map<String, Object>> statsByName = new HashMap<>();
        for (Object o : stats) {
            Map<String, Object> s = map(o);
            statsByName.put(text(s.get("name")), s);
        }
        sb.append("\nports:");
        if (ports.isEmpty()) {
            sb.append(" none\n");
            return sb.toString();
        }
        sb.append('\n');
        Table t = new Table("NAME", "DRIVER", "MAC", "STATE", "LINK", "OWNER", "FEATURES", "RX-PACKETS", "TX-PACKETS",
                "RX-ERRORS", "TX-ERRORS", "RX-MISSED");
        for (Object o : ports) {
            Map<String, Object> p = map(o);
            Map<String, Object> s = statsByName.getOrDefault(text(p.get("name")), Map.of());
            t.row(text(p.get("name")), text(p.get("driver")), text(p.get("mac")), text(p.get("state")),
                    text(p.get("link")), text(p.get("owner")), text(p.get("features")), text(s.get("rx_packets")),
                    text(s.get("tx_packets")), text(s.get("rx_errors")), text(s.get("tx_errors")),
                    text(s.get("rx_missed")));
        }
        t.appendTo(sb);
        return sb.toString();
    }

    private static String text(Object o) {
        return o == null ? "-" : o.toString();
    }

    private static List<Object> list(Object o) throws IOException {
        if (o instanceof List<?> l) {
            return new ArrayList<>(l);
        }
        throw new IOException("unexpected reply: " + o);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) Objects.requireNonNull(o, "row");
    }

    /** A left-aligned text table, columns two spaces apart. */
    private static final class Table {
        private final String[] header;
        private final List<String[]> rows = new ArrayList<>();

        Table(String... header) {
            this.header = header;
        }

        void row(String... cells) {
            rows.add(cells);
        }

        void appendTo(StringBuilder sb) {
            int[] width = new int[header.length];
            for (int c = 0; c < header.length; c++) {
                width[c] = header[c].length();
                for (String[] r : rows) {
                    width[c] = Math.max(width[c], r[c].length());
                }
            }
            line(sb, header, width);
            for (String[] r : rows) {
                line(sb, r, width);
            }
        }

        private static void line(StringBuilder sb, String[] cells, int[] width) {
            StringBuilder l = new StringBuilder();
            for (int c = 0; c < cells.length; c++) {
                l.append(cells[c]);
                if (c < cells.length - 1) {
                    l.append(" ".repeat(width[c] - cells[c].length() + 2));
                }
            }
            sb.append(l.toString().stripTrailing()).append('\n');
        }
    }
}
