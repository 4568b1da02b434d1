package io.twinport.fwd;

import io.twinport.mem.PacketPool;
import io.twinport.port.Port;
import io.twinport.port.PortConfig;
import io.twinport.testing.FakePort;
import io.twinport.policy.MacAddress;
import io.twinport.wire.WirePair;
import io.twinport.wire.WirePort;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/** Port kinds for the fwd tool's tests, given to it with {@link PortKinds#of}; none is installed as a service. */
final class TestKinds {
    private TestKinds() {
    }

    /** Opens a wire pair and counts how often it was asked to. */
    static class CountingKind implements PortKind {
        final AtomicInteger opens = new AtomicInteger();
        private final String name;

        CountingKind(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public String description() {
            return "a wire pair, counting opens";
        }

        @Override
        public List<SpecKey> keys() {
            return List.of();
        }

        @Override
        public List<Port> open(PortSpec spec, PortContext context) {
            opens.incrementAndGet();
            WirePair pair = WirePair.create(context.nextName(name), 8, context.registry());
            return List.of(pair.a(), pair.b());
        }
    }

    /**
     * {@code probe}: a wire pair named probe0 whose pair and pool the test can reach. With {@code both} the tool
     * gets both ends; without, it gets end a only, and the kind configures and starts end b for the test to drive
     * (the test closes it).
     */
    static final class ProbeKind implements PortKind {
        private final boolean both;
        volatile WirePair pair;
        volatile PacketPool pool;

        ProbeKind(boolean both) {
            this.both = both;
        }

        @Override
        public String name() {
            return "probe";
        }

        @Override
        public String description() {
            return "a wire pair the test can reach";
        }

        @Override
        public List<SpecKey> keys() {
            return List.of();
        }

        @Override
        public List<Port> open(PortSpec spec, PortContext context) {
            WirePair p = WirePair.create("probe0", 1, context.registry());
            pool = context.pool();
            if (!both) {
                WirePort b = p.b();
                b.configure(PortConfig.DEFAULT);
                b.start();
            }
            pair = p;
            return both ? List.of(p.a(), p.b()) : List.of(p.a());
        }
    }

    /** {@code fake}: one {@link FakePort} named fake0, set up by the test with the run's pool. */
    static final class FakeKind implements PortKind {
        private final BiConsumer<FakePort, PacketPool> setup;
        volatile FakePort port;

        FakeKind(BiConsumer<FakePort, PacketPool> setup) {
            this.setup = setup;
        }

        @Override
        public String name() {
            return "fake";
        }

        @Override
        public String description() {
            return "a fault-injecting fake port";
        }

        @Override
        public List<SpecKey> keys() {
            return List.of();
        }

        @Override
        public List<Port> open(PortSpec spec, PortContext context) {
            FakePort p = new FakePort("fake0", MacAddress.fromLong(0x02_00_00_00_fa_01L), 0);
            context.registry().add(p);
            setup.accept(p, context.pool());
            port = p;
            return List.of(p);
        }
    }

    /** {@code leaky}: a wire pair, and one buffer taken from the run's pool and never given back. */
    static final class LeakyKind implements PortKind {
        @Override
        public String name() {
            return "leaky";
        }

        @Override
        public String description() {
            return "leaks one buffer";
        }

        @Override
        public List<SpecKey> keys() {
            return List.of();
        }

        @Override
        public List<Port> open(PortSpec spec, PortContext context) {
            if (context.pool().alloc() == null) {
                throw new IllegalStateException("pool empty");
            }
            WirePair pair = WirePair.create("leaky0", 1, context.registry());
            return List.of(pair.a(), pair.b());
        }
    }
}
