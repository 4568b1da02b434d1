package io.twinport.mgmt;

import io.twinport.failover.FailoverManager;
import io.twinport.failover.FailoverPort;
import io.twinport.policy.selection.ManualOverride;
import io.twinport.policy.selection.MemberRole;
import io.twinport.policy.selection.Selection;
import io.twinport.port.Port;
import io.twinport.port.PortStats;
import io.twinport.registry.PortRegistry;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * What each command does. Runs on the control thread only (the server hands every request to
 * {@link PortRegistry#execute}); builds the {@code "return"} value as maps and lists, or throws
 * {@link MgmtException}. Never touches a data path: it reads ports' control-side state and counters, and
 * {@code set-active} goes through {@link FailoverPort#setOverride}.
 */
final class MgmtCommands {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final PortRegistry registry;
    private final FailoverManager manager;
    private final LongSupplier clock;
    private final Map<MgmtCommand, List<Supplier<?>>> contributions;

    /**
     * @param registry the ports
     * @param manager  the failover manager, or null when the process has none
     * @param clock    the failover manager's clock (override expiry is on it)
     * @param contributions entries contributed to the {@link MgmtCommand#contributed()} commands (live lists)
     */
    MgmtCommands(PortRegistry registry, FailoverManager manager, LongSupplier clock,
                 Map<MgmtCommand, List<Supplier<?>>> contributions) {
        this.registry = registry;
        this.manager = manager;
        this.clock = clock;
        this.contributions = contributions;
    }

    /**
     * @param request a checked request
     * @return the {@code "return"} value
     * @throws MgmtException for a bad argument value or a missing port
     */
    Object run(MgmtRequest request) {
        Map<String, Object> args = request.arguments();
        return switch (request.command()) {
            case QUERY_PORTS -> queryPorts();
            case QUERY_STATS -> queryStats(optionalString(args, "port"), optionalBoolean(args, "extended"));
            case QUERY_FAILOVER -> queryFailover();
            case SET_ACTIVE -> setActive(args);
            case QUERY_MIGRATION -> contributed(request.command());
        };
    }

    private List<Object> contributed(MgmtCommand command) {
        List<Object> out = new ArrayList<>();
        for (Supplier<?> entry : contributions.getOrDefault(command, List.of())) {
            out.add(entry.get());
        }
        return out;
    }

    // ------------------------------------------------------------------ commands

    private List<Object> queryPorts() {
        List<Object> out = new ArrayList<>();
        for (Port p : sortedPorts()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", p.name());
            m.put("driver", p.info().driver());
            m.put("mac", p.mac().toString());
            m.put("state", state(p));
            m.put("link", p.linkUp() ? "up" : "down");
            m.put("owner", p.owner().orElse(null));
            m.put("features", String.format("0x%016x", p.info().features()));
            out.add(m);
        }
        return out;
    }

    private List<Object> queryStats(String portName, boolean extended) {
        List<Port> ports;
        if (portName != null) {
            ports = List.of(registry.find(portName).orElseThrow(() -> new MgmtException(
                    MgmtErrorClass.PORT_NOT_FOUND, "no port named \"" + portName + "\"; ports: " + portNames())));
        } else {
            ports = sortedPorts();
        }
        List<Object> out = new ArrayList<>();
        for (Port p : ports) {
            PortStats s = p.stats();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", p.name());
            m.put("rx_packets", s.rxPackets());
            m.put("rx_bytes", s.rxBytes());
            m.put("rx_missed", s.rxMissed());
            m.put("rx_no_buffer", s.rxNoBuffer());
            m.put("rx_errors", s.rxErrors());
            m.put("tx_packets", s.txPackets());
            m.put("tx_bytes", s.txBytes());
            m.put("tx_errors", s.txErrors());
            if (extended) {
                m.put("xstats", p.xstats());
            }
            out.add(m);
        }
        return out;
    }

    private List<Object> queryFailover() {
        List<Object> out = new ArrayList<>();
        long now = clock.getAsLong();
        for (FailoverPort fp : failoverPorts()) {
            Selection sel = fp.selection();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", fp.name());
            m.put("mac", fp.mac().toString());
            m.put("state", state(fp));
            m.put("link", fp.linkUp() ? "up" : "down");
            m.put("standby", fp.standby().map(Port::name).orElse(null));
            m.put("primary", fp.primary().map(Port::name).orElse(null));
            m.put("active", fp.active().map(Port::name).orElse(null));
            m.put("active_role", sel == null ? "none" : sel.active().name().toLowerCase(Locale.ROOT));
            m.put("reason", sel == null ? null : sel.reason().eventName());
            m.put("switching", fp.switching());
            m.put("override", override(fp.override(), now));
            out.add(m);
        }
        return out;
    }

    private Map<String, Object> setActive(Map<String, Object> args) {
        String portName = requiredString(args, "port");
        String member = requiredString(args, "member");
        FailoverPort fp = failoverPort(portName);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("port", fp.name());
        m.put("member", member);
        switch (member) {
            case "auto" -> {
                if (args.containsKey("seconds")) {
                    throw new MgmtException(MgmtErrorClass.INVALID_ARGUMENT,
                            "\"seconds\" does not apply to \"member\":\"auto\" (it cancels the override)");
                }
                fp.setOverride(null);
            }
            case "primary", "standby" -> {
                MemberRole role = member.equals("primary") ? MemberRole.PRIMARY : MemberRole.STANDBY;
                long nanos = seconds(args);
                Optional<Port> present = role == MemberRole.PRIMARY ? fp.primary() : fp.standby();
                if (present.isEmpty()) {
                    throw new MgmtException(MgmtErrorClass.MEMBER_NOT_PRESENT, "failover port " + fp.name()
                            + " has no " + member + " attached");
                }
                fp.setOverride(new ManualOverride(role, clock.getAsLong() + nanos));
                m.put("expires_in_ms", nanos / 1_000_000L);
            }
            default -> throw new MgmtException(MgmtErrorClass.INVALID_ARGUMENT, "\"member\" must be \"primary\","
                    + " \"standby\" or \"auto\", not \"" + member + "\"");
        }
        Selection sel = fp.selection();
        m.put("active", fp.active().map(Port::name).orElse(null));
        m.put("reason", sel == null ? null : sel.reason().eventName());
        return m;
    }

    // ------------------------------------------------------------------ helpers

    private static String state(Port p) {
        return p.state().name().toLowerCase(Locale.ROOT);
    }

    private static Map<String, Object> override(Optional<ManualOverride> override, long now) {
        if (override.isEmpty() || !override.get().inForceAt(now)) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("member", override.get().member().name().toLowerCase(Locale.ROOT));
        m.put("expires_in_ms", (override.get().expiresAtNanos() - now) / 1_000_000L);
        return m;
    }

    private List<Port> sortedPorts() {
        List<Port> ports = new ArrayList<>(registry.ports());
        ports.sort(Comparator.comparing(Port::name));
        return ports;
    }

    private String portNames() {
        List<String> names = sortedPorts().stream().map(Port::name).toList();
        return names.isEmpty() ? "none" : String.join(", ", names);
    }

    private List<FailoverPort> failoverPorts() {
        if (manager == null) {
            return List.of();
        }
        List<FailoverPort> fps = new ArrayList<>(manager.failoverPorts());
        fps.sort(Comparator.comparing(Port::name));
        return fps;
    }

    private FailoverPort failoverPort(String name) {
        List<FailoverPort> fps = failoverPorts();
        for (FailoverPort fp : fps) {
            if (fp.name().equals(name)) {
                return fp;
            }
        }
        String known = manager == null ? "none (this process runs no failover manager)"
                : fps.isEmpty() ? "none" : String.join(", ", fps.stream().map(Port::name).toList());
        throw new MgmtException(MgmtErrorClass.PORT_NOT_FOUND, "no failover port named \"" + name
                + "\"; failover ports: " + known);
    }

    private static long seconds(Map<String, Object> args) {
        if (!args.containsKey("seconds")) {
            throw new MgmtException(MgmtErrorClass.INVALID_ARGUMENT, "missing argument \"seconds\": how long the"
                    + " override lasts, more than 0 and at most " + MgmtCommand.MAX_OVERRIDE_SECONDS
                    + " (it always expires)");
        }
        Object v = args.get("seconds");
        if (!(v instanceof Number n)) {
            throw new MgmtException(MgmtErrorClass.INVALID_ARGUMENT, "\"seconds\" must be a number, not "
                    + MgmtRequest.describe(v));
        }
        double s = n.doubleValue();
        if (!(s > 0) || s > MgmtCommand.MAX_OVERRIDE_SECONDS) {
            throw new MgmtException(MgmtErrorClass.INVALID_ARGUMENT, "\"seconds\" " + n + " out of range: more than"
                    + " 0, at most " + MgmtCommand.MAX_OVERRIDE_SECONDS);
        }
        return n instanceof Long l ? l * NANOS_PER_SECOND : Math.max(1, Math.round(s * NANOS_PER_SECOND));
    }

    private static String requiredString(Map<String, Object> args, String name) {
        if (!args.containsKey(name)) {
            throw new MgmtException(MgmtErrorClass.INVALID_ARGUMENT, "missing argument \"" + name + "\"");
        }
        String s = optionalString(args, name);
        if (s == null) {
            throw new MgmtException(MgmtErrorClass.INVALID_ARGUMENT, "\"" + name + "\" must be a string, not null");
        }
        return s;
    }

    private static String optionalString(Map<String, Object> args, String name) {
        Object v = args.get(name);
        if (v == null || v instanceof String) {
            return (String) v;
        }
        throw new MgmtException(MgmtErrorClass.INVALID_ARGUMENT, "\"" + name + "\" must be a string, not "
                + MgmtRequest.describe(v));
    }

    private static boolean optionalBoolean(Map<String, Object> args, String name) {
        Object v = args.get(name);
        if (v == null) {
            return false;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw new MgmtException(MgmtErrorClass.INVALID_ARGUMENT, "\"" + name + "\" must be true or false, not "
                + MgmtRequest.describe(v));
    }
}
