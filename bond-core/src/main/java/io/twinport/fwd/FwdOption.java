package io.twinport.fwd;

/**
 * The fwd tool's options, with their defaults and help lines: the one place they are defined. {@link FwdOptions}
 * parses them, the help text and the README table list them.
 */
public enum FwdOption {
    /** A port spec; repeat for more ports. */
    PORT("--port", "SPEC", null, "a port to open, KIND[,key=value]... (repeatable; see port kinds below)"),
    /** The forwarding mode. */
    MODE("--mode", "MODE", "io", "io, macswap, txonly or rxonly (see modes below)"),
    /** Packets per RX/TX burst. */
    BURST("--burst", "N", "32", "packets per RX and TX burst, 1 to " + FwdOptions.MAX_BURST),
    /** txonly frame length. */
    TXPKTS("--txpkts", "BYTES", "64", "length of generated frames (txonly, --tx-first), "
            + FwdOptions.MIN_TXPKTS + " to " + FwdOptions.MAX_TXPKTS + ", Ethernet header included, no FCS"),
    /** Queue pairs per port, and forwarding threads. */
    QUEUES("--queues", "N", "1", "queue pairs configured on every port, 1 to " + FwdOptions.MAX_QUEUES
            + "; one busy-polling forwarding thread per queue (thread q polls queue q of every port), so keep N"
            + " at most the number of CPUs"),
    /** How long to forward. */
    DURATION("--duration", "TIME", "10s", "how long to run, e.g. 10s, 500ms, 1m; 0 runs until interrupted"),
    /** Statistics period. */
    STATS_PERIOD("--stats-period", "TIME", "1s", "print per-port statistics this often; 0 prints only the summary"),
    /** Packet count limit for txonly and rxonly. */
    COUNT("--count", "N", null, "txonly: stop after exactly N packets transmitted per port; rxonly: after N"
            + " received per port (or at --duration, whichever comes first)"),
    /** Send one burst on every port before forwarding. */
    TX_FIRST("--tx-first", null, null, "send one burst of generated frames on every queue of every port before"
            + " forwarding starts (so io and macswap have traffic on a wire pair); not with txonly"),
    /** JSON lines output. */
    JSON("--json", null, null, "print one JSON object per line; the last one is the summary"),
    /** Packet buffers in the pool. */
    TOTAL_NUM_MBUFS("--total-num-mbufs", "N", "16384", "packet buffers in the shared pool, "
            + FwdOptions.MIN_MBUFS + " to " + FwdOptions.MAX_MBUFS),
    /** Serve the management socket on the default path. */
    MGMT("--mgmt", null, null, "serve the management socket (JSON lines; ./twinport status reads it) on the default"
            + " path: $XDG_RUNTIME_DIR/twinport.sock, else /tmp/twinport-UID.sock"),
    /** Serve the management socket on a path. */
    MGMT_SOCKET("--mgmt-socket", "PATH", null, "serve the management socket on PATH (mode 0600; removed at exit)"),
    /** Discover ports and form failover ports by themselves. */
    AUTO("--auto", null, null, "discover ports (installed discoveries, see below) and form failover ports of them;"
            + " forward on every failover port formed within --auto-wait, plus every --port port that did not"
            + " become a member. Only discovered ports that pair up are used: the others are left alone (never"
            + " configured or started)"),
    /** Which netdevs the netdev discovery takes. */
    AUTO_NETDEVS("--auto-netdevs", "REGEX", null, "with --auto: the netdevs to discover, a regular expression the"
            + " whole name must match (default: every Ethernet netdev except lo)"),
    /** The directory of vhost-user sockets the vhost-user discovery takes. */
    AUTO_VHOST_DIR("--auto-vhost-dir", "DIR", null, "with --auto: a directory of vhost-user back-end sockets; each"
            + " becomes a virtio-user port (client mode) while its back-end serves it (default: $"
            + FwdOptions.VHOST_DIR_ENV + ", else none)"),
    /** How long to wait for the first failover port. */
    AUTO_WAIT("--auto-wait", "TIME", "10s", "with --auto: how long to wait for at least one failover port to form"
            + " before forwarding; none formed is a failure (exit 1, naming the ports seen)"),
    /** Help. */
    HELP("--help", null, null, "print this help and exit");

    private final String flag;
    private final String argument;
    private final String defaultValue;
    private final String description;

    FwdOption(String flag, String argument, String defaultValue, String description) {
        this.flag = flag;
        this.argument = argument;
        this.defaultValue = defaultValue;
        this.description = description;
    }

    /** @return the option as typed, e.g. {@code --burst} */
    public String flag() {
        return flag;
    }

    /** @return the argument's placeholder, e.g. {@code N}, or null for a flag without a value */
    public String argument() {
        return argument;
    }

    /** @return the default value as text, or null if there is none */
    public String defaultValue() {
        return defaultValue;
    }

    /** @return one line for the help text */
    public String description() {
        return description;
    }

    /** @return true if the option takes a value */
    public boolean takesValue() {
        return argument != null;
    }

    /**
     * @param text an argument such as {@code --burst}
     * @return the option, or null
     */
    static FwdOption fromFlag(String text) {
        for (FwdOption o : values()) {
            if (o.flag.equals(text)) {
                return o;
            }
        }
        if ("-h".equals(text)) {
            return HELP;
        }
        return null;
    }

    /** @return the flags for a message */
    static String flagsText() {
        StringBuilder sb = new StringBuilder();
        for (FwdOption o : values()) {
            if (!sb.isEmpty()) {
                sb.append(", ");
            }
            sb.append(o.flag);
        }
        return sb.toString();
    }
}
