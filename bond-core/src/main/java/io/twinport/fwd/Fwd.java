package io.twinport.fwd;

import io.twinport.registry.PortDiscoveries;
import io.twinport.registry.PortDiscovery;

import java.io.PrintStream;
import java.util.List;

/**
 * The fwd tool: a packet forwarder in the manner of DPDK's testpmd, over any ports that can be opened from a spec.
 *
 * <pre>
 * fwd --port SPEC [--port SPEC ...] [--mode io|macswap|txonly|rxonly] [--burst 32] [--txpkts 64] [--queues N]
 *     [--duration 10s] [--stats-period 1s] [--count N] [--tx-first] [--json] [--total-num-mbufs 16384]
 *     [--mgmt | --mgmt-socket PATH] [--auto [--auto-netdevs REGEX] [--auto-wait 10s]]
 * </pre>
 *
 * A port spec is DPDK-devargs style, {@code KIND[,key=value]...}; the kinds are whatever {@link PortKind}s are
 * installed ({@code wire} in bond-core: both ends of an in-process wire pair). Every spec and option is checked before
 * anything is opened. Ports are paired 0-1, 2-3, ... (an odd last port forwards to itself); with {@code --queues N}
 * every port gets N queue pairs and N forwarding threads run, thread q polling queue q of every port.
 * With {@code --mgmt} or {@code --mgmt-socket PATH} the run serves the management socket
 * ({@link io.twinport.mgmt.MgmtServer}): its ports and counters, for {@code ./twinport status}.
 *
 * <p>With {@code --auto} the run needs no per-port configuration: the installed {@link PortDiscovery}s add ports to
 * the registry as they appear, a {@link io.twinport.failover.FailoverManager} pairs them into failover ports, and
 * the tool forwards on every failover port formed within {@code --auto-wait} (and on every {@code --port} port that
 * did not become a member). Discovered ports that do not pair up are never configured or started.
 *
 * <p>Exit status: {@value #EXIT_OK} on success; {@value #EXIT_FAILED} when a port fails (open, configure or start
 * throws, a port is removed while running, a forwarding thread fails) or a packet buffer is leaked or freed twice;
 * {@value #EXIT_USAGE} when the command line is refused (one line on the error stream, naming the option or the
 * spec key and what was expected).
 */
public final class Fwd {
    /** Exit status: success. */
    public static final int EXIT_OK = 0;
    /** Exit status: a port failed, or a buffer was leaked. */
    public static final int EXIT_FAILED = 1;
    /** Exit status: the command line was refused. */
    public static final int EXIT_USAGE = 2;

    private Fwd() {
    }

    /**
     * Runs the tool with the installed port kinds.
     *
     * @param args the arguments after {@code fwd}
     * @param out  statistics and the summary
     * @param err  errors and notes
     * @return the exit status
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, PortKinds.installed());
    }

    /**
     * Runs the tool with the given port kinds.
     *
     * @param args  the arguments after {@code fwd}
     * @param out   statistics and the summary
     * @param err   errors and notes
     * @param kinds the port kinds specs may name
     * @return the exit status
     */
    public static int run(String[] args, PrintStream out, PrintStream err, PortKinds kinds) {
        return run(args, out, err, kinds, PortDiscoveries.installed());
    }

    /**
     * Runs the tool with the given port kinds and discoveries.
     *
     * @param args        the arguments after {@code fwd}
     * @param out         statistics and the summary
     * @param err         errors and notes
     * @param kinds       the port kinds specs may name
     * @param discoveries the discoveries {@code --auto} starts
     * @return the exit status
     */
    public static int run(String[] args, PrintStream out, PrintStream err, PortKinds kinds,
                          PortDiscoveries discoveries) {
        FwdOptions options;
        try {
            options = FwdOptions.parse(args, kinds);
            if (options.auto() && !options.help()) {
                for (PortDiscovery d : discoveries.all()) {
                    d.validate(options.discoverySettings());
                }
            }
        } catch (IllegalArgumentException e) {
            err.println("fwd: " + e.getMessage());
            err.flush();
            return EXIT_USAGE;
        }
        if (options.help()) {
            out.print(usage(kinds, discoveries));
            out.flush();
            return EXIT_OK;
        }
        return new FwdRun(options, out, err, discoveries).run();
    }

    /**
     * Runs the tool and exits with its status.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * @param kinds the port kinds to list
     * @return the help text: synopsis, options, modes, port kinds and their keys
     */
    public static String usage(PortKinds kinds) {
        return usage(kinds, PortDiscoveries.installed());
    }

    /**
     * @param kinds       the port kinds to list
     * @param discoveries the discoveries to list
     * @return the help text: synopsis, options, modes, port kinds and their keys, discoveries
     */
    public static String usage(PortKinds kinds, PortDiscoveries discoveries) {
        StringBuilder sb = new StringBuilder();
        sb.append("usage: fwd --port SPEC [--port SPEC ...] [options]\n");
        sb.append("       fwd --auto [--port SPEC ...] [options]\n");
        sb.append("A packet forwarder in the manner of DPDK testpmd. Ports are paired 0-1, 2-3, ... (an odd last port"
                + " forwards to itself).\n\noptions:\n");
        for (FwdOption o : FwdOption.values()) {
            String left = o.flag() + (o.takesValue() ? " " + o.argument() : "");
            sb.append(String.format("  %-24s %s%s%n", left, o.description(),
                    o.defaultValue() == null ? "" : " (default " + o.defaultValue() + ")"));
        }
        sb.append("\nmodes:\n");
        for (FwdMode m : FwdMode.values()) {
            sb.append(String.format("  %-24s %s%n", m.cliName(), m.description()));
        }
        sb.append("\nport kinds (SPEC is KIND[,key=value]...):\n");
        List<PortKind> all = kinds.all();
        if (all.isEmpty()) {
            sb.append("  (none installed)\n");
        }
        for (PortKind k : all) {
            sb.append(String.format("  %-24s %s%n", k.name(), k.description()));
            for (SpecKey key : k.keys()) {
                String left = "    " + key.name() + "=";
                sb.append(String.format("  %-24s %s; %s%s%n", left, key.description(), key.expected(),
                        key.defaultValue() == null ? "" : " (default " + key.defaultValue() + ")"));
            }
        }
        sb.append("\ndiscoveries (--auto; only ports that pair up into failover ports are forwarded on, other"
                + " discovered ports are left alone):\n");
        List<PortDiscovery> ds = discoveries.all();
        if (ds.isEmpty()) {
            sb.append("  (none installed)\n");
        }
        for (PortDiscovery d : ds) {
            sb.append(String.format("  %-24s %s%n", d.name(), d.description()));
        }
        sb.append("\nexit status: 0 ok, 1 a port failed or a buffer leaked, 2 bad command line\n");
        return sb.toString();
    }
}
