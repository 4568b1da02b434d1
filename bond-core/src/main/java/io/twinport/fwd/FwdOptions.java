package io.twinport.fwd;

import io.twinport.mgmt.MgmtSocket;
import io.twinport.policy.config.Durations;
import io.twinport.registry.PortDiscovery;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The fwd tool's parsed command line. Every value is checked here, once; a refusal is one line naming the option
 * and what was expected.
 *
 * @param ports         the port specs, at least one unless {@code help}
 * @param mode          the forwarding mode
 * @param burst         packets per burst
 * @param txpkts        length of generated frames
 * @param queues        queue pairs per port (and forwarding threads)
 * @param duration      how long to run; zero runs until interrupted
 * @param statsPeriod   how often to print statistics; zero prints only the summary
 * @param count         txonly/rxonly packet limit per port, or {@link #NO_COUNT}
 * @param txFirst       send one burst on every port first
 * @param json          JSON lines output
 * @param totalNumMbufs packet buffers in the pool
 * @param mgmtSocket    where to serve the management socket, or null for none
 * @param auto          discover ports and form failover ports ({@code --auto})
 * @param autoNetdevs   the netdev discovery's name pattern ({@code --auto-netdevs}), or null for every netdev
 * @param autoVhostDir  the vhost-user discovery's directory ({@code --auto-vhost-dir}, else
 *                      {@value #VHOST_DIR_ENV}), or null for none
 * @param autoWait      how long to wait for the first failover port ({@code --auto-wait})
 * @param help          print the help and exit
 */
public record FwdOptions(List<PortSpec> ports, FwdMode mode, int burst, int txpkts, int queues, Duration duration,
                         Duration statsPeriod, long count, boolean txFirst, boolean json, int totalNumMbufs,
                         Path mgmtSocket, boolean auto, String autoNetdevs, Path autoVhostDir, Duration autoWait,
                         boolean help) {
    /** The environment variable that names the vhost-user discovery's directory when no option does. */
    public static final String VHOST_DIR_ENV = "TWINPORT_VHOST_DIR";
    /** {@link #count()} when there is no limit. */
    public static final long NO_COUNT = -1;
    /** Largest burst (DPDK testpmd's MAX_PKT_BURST). */
    public static final int MAX_BURST = 512;
    /** Smallest generated frame: Ethernet, IPv4 and UDP headers. */
    public static final int MIN_TXPKTS = 42;
    /** Largest generated frame: a 1500-byte MTU plus the Ethernet header. */
    public static final int MAX_TXPKTS = 1514;
    /** Most queues per port (and forwarding threads). */
    public static final int MAX_QUEUES = 64;
    /** Fewest pool buffers. */
    public static final int MIN_MBUFS = 64;
    /** Most pool buffers. */
    public static final int MAX_MBUFS = 1 << 24;
    /** Shortest non-zero statistics period. */
    public static final Duration MIN_STATS_PERIOD = Duration.ofMillis(10);

    /** Copies the list. */
    public FwdOptions {
        ports = List.copyOf(ports);
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(statsPeriod, "statsPeriod");
        Objects.requireNonNull(autoWait, "autoWait");
    }

    /**
     * @return the settings every discovery gets with {@code --auto} (see {@link PortDiscovery}): {@code netdevs}
     *         from {@code --auto-netdevs} and {@code vhost-dir} from {@code --auto-vhost-dir} (or
     *         {@value #VHOST_DIR_ENV}), where given
     */
    public Map<String, String> discoverySettings() {
        Map<String, String> settings = new LinkedHashMap<>();
        if (autoNetdevs != null) {
            settings.put(PortDiscovery.NETDEVS, autoNetdevs);
        }
        if (autoVhostDir != null) {
            settings.put(PortDiscovery.VHOST_DIR, autoVhostDir.toString());
        }
        return Map.copyOf(settings);
    }

    /** @return true if {@code --count} was given */
    public boolean counted() {
        return count != NO_COUNT;
    }

    /**
     * Parses a command line.
     *
     * @param args  the arguments after {@code fwd}
     * @param kinds the port kinds specs may name
     * @return the options
     * @throws IllegalArgumentException one line naming the option (for a spec: the spec) and what was expected
     */
    static FwdOptions parse(String[] args, PortKinds kinds) {
        return parse(args, kinds, System.getenv());
    }

    /**
     * Parses a command line.
     *
     * @param args        the arguments after {@code fwd}
     * @param kinds       the port kinds specs may name
     * @param environment environment variables ({@value #VHOST_DIR_ENV} is read)
     * @return the options
     * @throws IllegalArgumentException one line naming the option (for a spec: the spec) and what was expected
     */
    static FwdOptions parse(String[] args, PortKinds kinds, Map<String, String> environment) {
        List<PortSpec> ports = new ArrayList<>();
        Set<FwdOption> seen = EnumSet.noneOf(FwdOption.class);
        FwdMode mode = FwdMode.IO;
        int burst = Integer.parseInt(FwdOption.BURST.defaultValue());
        int txpkts = Integer.parseInt(FwdOption.TXPKTS.defaultValue());
        int queues = Integer.parseInt(FwdOption.QUEUES.defaultValue());
        Duration duration = Duration.ofNanos(Durations.parseNanos(FwdOption.DURATION.defaultValue()));
        Duration statsPeriod = Duration.ofNanos(Durations.parseNanos(FwdOption.STATS_PERIOD.defaultValue()));
        long count = NO_COUNT;
        boolean txFirst = false;
        boolean json = false;
        int mbufs = Integer.parseInt(FwdOption.TOTAL_NUM_MBUFS.defaultValue());
        Path mgmtSocket = null;
        boolean auto = false;
        String autoNetdevs = null;
        Path autoVhostDir = null;
        Duration autoWait = Duration.ofNanos(Durations.parseNanos(FwdOption.AUTO_WAIT.defaultValue()));
        boolean help = false;

        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String inline = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                inline = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            }
            FwdOption opt = FwdOption.fromFlag(arg);
            if (opt == null) {
                if (arg.startsWith("-")) {
                    throw new UsageException("unknown option '" + arg + "'; options: " + FwdOption.flagsText());
                }
                throw new UsageException("unexpected argument '" + arg + "': options start with --, e.g. --port "
                        + arg);
            }
            String value = null;
            if (opt.takesValue()) {
                if (inline != null) {
                    value = inline;
                } else if (i + 1 < args.length) {
                    value = args[++i];
                } else {
                    throw new UsageException(opt.flag() + " needs a value: " + expected(opt));
                }
            } else if (inline != null) {
                throw new UsageException(opt.flag() + " takes no value, got '" + inline + "'");
            }
            if (opt != FwdOption.PORT && !seen.add(opt)) {
                throw new UsageException(opt.flag() + " given twice");
            }
            switch (opt) {
                case PORT -> {
                    try {
                        ports.add(PortSpec.parse(value, kinds));
                    } catch (PortSpecException e) {
                        throw new UsageException("--port '" + value + "': " + e.getMessage());
                    }
                }
                case MODE -> {
                    mode = FwdMode.fromCliName(value);
                    if (mode == null) {
                        throw bad(opt, value);
                    }
                }
                case BURST -> burst = (int) number(opt, value, 1, MAX_BURST);
                case TXPKTS -> txpkts = (int) number(opt, value, MIN_TXPKTS, MAX_TXPKTS);
                case QUEUES -> queues = (int) number(opt, value, 1, MAX_QUEUES);
                case DURATION -> duration = duration(opt, value);
                case STATS_PERIOD -> {
                    statsPeriod = duration(opt, value);
                    if (!statsPeriod.isZero() && statsPeriod.compareTo(MIN_STATS_PERIOD) < 0) {
                        throw bad(opt, value);
                    }
                }
                case COUNT -> count = number(opt, value, 1, Long.MAX_VALUE);
                case TX_FIRST -> txFirst = true;
                case JSON -> json = true;
                case TOTAL_NUM_MBUFS -> mbufs = (int) number(opt, value, MIN_MBUFS, MAX_MBUFS);
                case MGMT -> mgmtSocket = MgmtSocket.defaultPath();
                case MGMT_SOCKET -> mgmtSocket = path(opt, value);
                case AUTO -> auto = true;
                case AUTO_NETDEVS -> autoNetdevs = regex(opt, value);
                case AUTO_VHOST_DIR -> autoVhostDir = path(opt, value);
                case AUTO_WAIT -> {
                    autoWait = duration(opt, value);
                    if (autoWait.isZero()) {
                        throw bad(opt, value);
                    }
                }
                case HELP -> help = true;
                default -> throw new IllegalStateException("option " + opt);
            }
        }
        if (!help) {
            if (ports.isEmpty() && !auto) {
                throw new UsageException("at least one --port SPEC is required (or --auto), e.g. --port wire (port"
                        + " kinds: " + kinds.namesText() + ")");
            }
            for (FwdOption o : List.of(FwdOption.AUTO_NETDEVS, FwdOption.AUTO_VHOST_DIR, FwdOption.AUTO_WAIT)) {
                if (seen.contains(o) && !auto) {
                    throw new UsageException(o.flag() + " applies to --auto only");
                }
            }
            if (count != NO_COUNT && mode != FwdMode.TXONLY && mode != FwdMode.RXONLY) {
                throw new UsageException("--count applies to --mode txonly and rxonly, not " + mode.cliName());
            }
            if (seen.contains(FwdOption.MGMT) && seen.contains(FwdOption.MGMT_SOCKET)) {
                throw new UsageException("--mgmt and --mgmt-socket PATH: give one (--mgmt uses the default path)");
            }
            if (txFirst && mode == FwdMode.TXONLY) {
                throw new UsageException("--tx-first does not apply to --mode txonly (it transmits from the start)");
            }
        }
        if (autoVhostDir == null && auto) {
            String env = environment.get(VHOST_DIR_ENV);
            if (env != null && !env.isBlank()) {
                try {
                    autoVhostDir = Path.of(env);
                } catch (InvalidPathException e) {
                    throw new UsageException(VHOST_DIR_ENV + ": bad value '" + env + "': expected a directory path");
                }
            }
        }
        return new FwdOptions(ports, mode, burst, txpkts, queues, duration, statsPeriod, count, txFirst, json, mbufs,
                mgmtSocket, auto, autoNetdevs, autoVhostDir, autoWait, help);
    }

    private static String expected(FwdOption opt) {
        return switch (opt) {
            case MODE -> "one of " + FwdMode.namesText();
            case BURST -> "an integer in [1, " + MAX_BURST + "]";
            case TXPKTS -> "an integer in [" + MIN_TXPKTS + ", " + MAX_TXPKTS + "] (bytes)";
            case QUEUES -> "an integer in [1, " + MAX_QUEUES + "]";
            case DURATION -> Durations.FORM + ", or 0 to run until interrupted";
            case STATS_PERIOD -> Durations.FORM + ", at least " + Durations.format(MIN_STATS_PERIOD.toNanos())
                    + ", or 0 for none";
            case COUNT -> "a positive integer";
            case TOTAL_NUM_MBUFS -> "an integer in [" + MIN_MBUFS + ", " + MAX_MBUFS + "]";
            case PORT -> "a port spec KIND[,key=value]...";
            case MGMT_SOCKET -> "a file path for the socket, e.g. /tmp/twinport.sock";
            case AUTO_NETDEVS -> "a regular expression (java.util.regex) the whole netdev name must match, e.g."
                    + " 'eth[1-9]|ens.*'";
            case AUTO_VHOST_DIR -> "a directory path, e.g. /run/twinport/vhost";
            case AUTO_WAIT -> Durations.FORM + ", not 0";
            default -> "nothing";
        };
    }

    private static UsageException bad(FwdOption opt, String value) {
        return new UsageException(opt.flag() + ": bad value '" + value + "': expected " + expected(opt));
    }

    private static long number(FwdOption opt, String value, long min, long max) {
        long n;
        try {
            n = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw bad(opt, value);
        }
        if (n < min || n > max) {
            throw bad(opt, value);
        }
        return n;
    }

    private static Path path(FwdOption opt, String value) {
        if (value.isEmpty()) {
            throw bad(opt, value);
        }
        try {
            return Path.of(value);
        } catch (InvalidPathException e) {
            throw bad(opt, value);
        }
    }

    private static String regex(FwdOption opt, String value) {
        try {
            Pattern.compile(value);
        } catch (PatternSyntaxException e) {
            throw new UsageException(opt.flag() + ": bad value '" + value + "': expected " + expected(opt) + " ("
                    + e.getDescription() + " at index " + e.getIndex() + ")");
        }
        return value;
    }

    private static Duration duration(FwdOption opt, String value) {
        try {
            return Duration.ofNanos(Durations.parseNanos(value));
        } catch (IllegalArgumentException e) {
            throw bad(opt, value);
        }
    }
}
