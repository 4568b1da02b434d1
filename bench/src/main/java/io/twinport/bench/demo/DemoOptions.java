package io.twinport.bench.demo;

import io.twinport.policy.config.Durations;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The demo's command line, every value checked here once; a refusal is one line naming the option and what was
 * expected.
 *
 * @param surprise    unplug the VF without warning the guest
 * @param real        veth pairs with AF_PACKET ports as VFs instead of wire pairs (root)
 * @param reportDir   where to write {@code demo.json} and {@code demo.svg}, or null
 * @param ratePps     frames per second each way
 * @param phaseNanos  how long each phase lasts (traffic on the source's VF, on virtio while the memory moves, on the
 *                    target's VF)
 * @param json        JSON lines on standard output instead of text
 * @param app         the guest's application: null for the demo's own numbered frames both ways, or
 *                    {@value #APP_UDP_ECHO} (the Netty UDP echo example on a {@code TwinportChannel})
 * @param help        print the help and exit
 */
public record DemoOptions(boolean surprise, boolean real, Path reportDir, long ratePps, long phaseNanos, boolean json,
                          String app, boolean help) {
    /** {@code --app udp-echo}: the guest runs the Netty example's echo service; the peer sends UDP echo requests. */
    public static final String APP_UDP_ECHO = "udp-echo";
    /** Default {@code --rate}. */
    public static final long DEFAULT_RATE = 200_000;
    /** Default {@code --rate} with {@code --app udp-echo}: requests per second a Netty echo keeps up with here. */
    public static final long DEFAULT_ECHO_RATE = 50_000;
    /** Smallest {@code --rate}. */
    public static final long MIN_RATE = 1_000;
    /** Largest {@code --rate}. */
    public static final long MAX_RATE = 2_000_000;
    /** Default {@code --phase}. */
    public static final long DEFAULT_PHASE_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** Shortest {@code --phase}. */
    public static final long MIN_PHASE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    /** Longest {@code --phase}. */
    public static final long MAX_PHASE_NANOS = TimeUnit.SECONDS.toNanos(15);

    /** The options and their meaning, for {@code --help}. */
    public static final String HELP = """
            usage: twinport demo [--surprise] [--real] [--app udp-echo] [--report DIR] [--rate PPS] [--phase TIME]
                                 [--json]

            A live migration of a guest whose user-space data plane runs on a failover port (a VF as the primary,
            virtio-net as the standby), with an in-process source host, target host and a peer on the "network" that
            counts every frame. Traffic runs both ways with sequence numbers the whole time; at the end: sent,
            received, lost, duplicated and reordered in each direction, and the switchover times.

              --surprise      the source host unplugs the VF without warning (shows what that loses); default: the
                              host asks the guest to release the VF first and waits (nothing may be lost)
              --real          the VFs are veth pairs with AF_PACKET ports on both ends instead of in-memory wire
                              pairs (needs root and ip from iproute2)
              --app udp-echo  the guest's application is the Netty UDP echo example (EchoService on a
                              TwinportChannel over the failover port); the peer sends numbered UDP echo requests
                              and counts the replies; default: numbered frames both ways
              --report DIR    write DIR/demo.json (events, packets per second per path, counts) and DIR/demo.svg
                              (a chart of packets per second per path, events marked)
              --rate PPS      frames per second each way, %d to %d (default %d; with --app udp-echo:
                              requests per second, default %d)
              --phase TIME    length of each phase: on the source's VF, on virtio while the memory moves, on the
                              target's VF; %s to %s (default %s)
              --json          one JSON object per line on standard output (events, samples, the summary last)
              --help          this text

            Exit status: 0 when the migration completed and nothing was lost or duplicated where nothing may be (with
            --surprise, losses are reported, duplicates are not allowed); 1 otherwise; 2 when the command line is
            refused.
            """.formatted(MIN_RATE, MAX_RATE, DEFAULT_RATE, DEFAULT_ECHO_RATE, Durations.format(MIN_PHASE_NANOS),
            Durations.format(MAX_PHASE_NANOS), Durations.format(DEFAULT_PHASE_NANOS));

    /**
     * Parses the arguments after {@code demo}.
     *
     * @param args the arguments
     * @return the options
     * @throws IllegalArgumentException one line naming the option and what was expected
     */
    public static DemoOptions parse(String[] args) {
        boolean surprise = false;
        boolean real = false;
        Path report = null;
        long rate = -1;
        long phase = DEFAULT_PHASE_NANOS;
        boolean json = false;
        String app = null;
        boolean help = false;
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String inline = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                inline = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            }
            boolean takesValue = switch (arg) {
                case "--report", "--rate", "--phase", "--app" -> true;
                case "--surprise", "--real", "--json", "--help", "-h" -> false;
                default -> {
                    if (arg.startsWith("-")) {
                        throw new IllegalArgumentException("unknown option '" + arg + "'; options: --surprise, "
                                + "--real, --app udp-echo, --report DIR, --rate PPS, --phase TIME, --json, --help");
                    }
                    throw new IllegalArgumentException("unexpected argument '" + arg + "': the demo takes options "
                            + "only (demo --help)");
                }
            };
            if (!seen.add(arg)) {
                throw new IllegalArgumentException(arg + " given twice");
            }
            String value = null;
            if (takesValue) {
                if (inline != null) {
                    value = inline;
                } else if (i + 1 < args.length) {
                    value = args[++i];
                } else {
                    throw new IllegalArgumentException(arg + " needs a value: " + expected(arg));
                }
            } else if (inline != null) {
                throw new IllegalArgumentException(arg + " takes no value, got '" + inline + "'");
            }
            switch (arg) {
                case "--surprise" -> surprise = true;
                case "--real" -> real = true;
                case "--json" -> json = true;
                case "--help", "-h" -> help = true;
                case "--report" -> report = path(arg, value);
                case "--rate" -> rate = rate(arg, value);
                case "--phase" -> phase = phase(arg, value);
                case "--app" -> {
                    if (!APP_UDP_ECHO.equals(value)) {
                        throw bad(arg, value);
                    }
                    app = value;
                }
                default -> throw new IllegalStateException("option " + arg);
            }
        }
        if (rate < 0) {
            rate = app == null ? DEFAULT_RATE : DEFAULT_ECHO_RATE;
        }
        return new DemoOptions(surprise, real, report, rate, phase, json, app, help);
    }

    private static String expected(String option) {
        return switch (option) {
            case "--report" -> "a directory (created if missing)";
            case "--app" -> "an application: " + APP_UDP_ECHO;
            case "--rate" -> "frames per second each way, an integer in [" + MIN_RATE + ", " + MAX_RATE + "]";
            case "--phase" -> "a duration in [" + Durations.format(MIN_PHASE_NANOS) + ", "
                    + Durations.format(MAX_PHASE_NANOS) + "]: " + Durations.FORM;
            default -> "a value";
        };
    }

    private static IllegalArgumentException bad(String option, String value) {
        return new IllegalArgumentException(option + ": bad value '" + value + "': expected " + expected(option));
    }

    private static Path path(String option, String value) {
        if (value.isBlank()) {
            throw bad(option, value);
        }
        try {
            return Path.of(value);
        } catch (InvalidPathException e) {
            throw bad(option, value);
        }
    }

    private static long rate(String option, String value) {
        long n;
        try {
            n = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw bad(option, value);
        }
        if (n < MIN_RATE || n > MAX_RATE) {
            throw bad(option, value);
        }
        return n;
    }

    private static long phase(String option, String value) {
        long n;
        try {
            n = Durations.parseNanos(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": bad value '" + value + "' (" + e.getMessage()
                    + "): expected " + expected(option));
        }
        if (n < MIN_PHASE_NANOS || n > MAX_PHASE_NANOS) {
            throw bad(option, value);
        }
        return n;
    }
}
