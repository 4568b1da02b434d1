package io.twinport.wire;

import io.twinport.fwd.PortContext;
import io.twinport.fwd.PortKind;
import io.twinport.fwd.PortSpec;
import io.twinport.fwd.SpecKey;
import io.twinport.port.Port;
import io.twinport.port.PortConfig;

import java.util.List;

/**
 * The port kind {@code wire}: both ends of a {@link WirePair} inside the process, so one spec opens two ports,
 * end {@code a} then end {@code b}. Spec: {@code wire[,name=NAME][,queues=N][,ringsize=N]}.
 *
 * <table>
 *   <caption>keys</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>name</td><td>wire0, wire1, ...</td><td>the pair's name; the ends are NAMEa and NAMEb</td></tr>
 *   <tr><td>queues</td><td>{@value WirePair#DEFAULT_MAX_QUEUES}</td><td>queue pairs each end offers (the most a
 *       configuration may use)</td></tr>
 *   <tr><td>ringsize</td><td>{@value #DEFAULT_RING_SIZE}</td><td>slots per queue ring</td></tr>
 * </table>
 */
public final class WirePortKind implements PortKind {
    /** The kind's name. */
    public static final String NAME = "wire";
    /** Key: the pair's name. */
    public static final String NAME_KEY = "name";
    /** Key: queue pairs each end offers. */
    public static final String QUEUES_KEY = "queues";
    /** Key: slots per queue ring. */
    public static final String RINGSIZE_KEY = "ringsize";
    /** Default ring size of a wire opened from a spec. */
    public static final int DEFAULT_RING_SIZE = 1024;

    private static final List<SpecKey> KEYS = List.of(
            SpecKey.name(NAME_KEY, null, "the pair's name; its ends are NAMEa and NAMEb (default wire0, wire1, ...)"),
            SpecKey.integer(QUEUES_KEY, WirePair.DEFAULT_MAX_QUEUES, 1, 1024,
                    "queue pairs each end offers, the most --queues may use"),
            SpecKey.powerOfTwo(RINGSIZE_KEY, DEFAULT_RING_SIZE, 1, WirePair.MAX_RING_SIZE,
                    "slots in each queue's ring"));

    /** For {@link java.util.ServiceLoader}. */
    public WirePortKind() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "both ends of an in-process wire pair (two ports: NAMEa and NAMEb), joined by lock-free rings";
    }

    @Override
    public List<SpecKey> keys() {
        return KEYS;
    }

    @Override
    public PortConfig portConfig(PortSpec spec, PortConfig proposed) {
        return proposed.withRingSize(spec.intValue(RINGSIZE_KEY));
    }

    @Override
    public List<Port> open(PortSpec spec, PortContext context) {
        String name = spec.given(NAME_KEY) ? spec.value(NAME_KEY) : context.nextName(NAME);
        for (String end : List.of(name + "a", name + "b")) {
            if (context.registry().find(end).isPresent()) {
                throw new IllegalArgumentException("wire " + name + ": a port named " + end + " is already open");
            }
        }
        WirePair pair = WirePair.create(name, spec.intValue(QUEUES_KEY), context.registry());
        return List.of(pair.a(), pair.b());
    }
}
