package io.twinport.vf;

/**
 * A veth pair created for one test with unique names, IPv6 off and both ends up; end B optionally in a network
 * namespace created for it. {@link #close()} deletes the link (both ends) and the namespace; it is idempotent and
 * never throws.
 */
final class VethPair implements AutoCloseable {
    final String a;
    final String b;
    final String netns;

    private VethPair(String a, String b, String netns) {
        this.a = a;
        this.b = b;
        this.netns = netns;
    }

    /**
     * @return a pair with both ends in the test's namespace, up
     */
    static VethPair create() {
        return create(false);
    }

    /**
     * @param bInNamespace put end B into a new namespace
     * @return the pair, both ends up
     */
    static VethPair create(boolean bInNamespace) {
        return create(Ip.uniqueName("tpv"), bInNamespace);
    }

    /**
     * @param base         the base name: the ends are {@code base + "a"} and {@code base + "b"}
     * @param bInNamespace put end B into a new namespace, {@code base + "ns"}
     * @return the pair, both ends up
     */
    static VethPair create(String base, boolean bInNamespace) {
        String ns = bInNamespace ? base + "ns" : null;
        VethPair v = new VethPair(base + "a", base + "b", ns);
        try {
            if (ns != null) {
                Ip.run("netns", "add", ns);
            }
            Ip.run("link", "add", v.a, "type", "veth", "peer", "name", v.b);
            Ip.quietKernel(null, v.a);
            Ip.quietKernel(null, v.b);
            if (ns != null) {
                Ip.run("link", "set", "dev", v.b, "netns", ns);
                Ip.quietKernel(ns, v.b);
                Ip.run("-n", ns, "link", "set", "dev", v.b, "up");
                Ip.run("link", "set", "dev", v.a, "up");
            } else {
                Ip.batch("link set dev " + v.b + " up", "link set dev " + v.a + " up");
            }
            return v;
        } catch (RuntimeException e) {
            v.close();
            throw e;
        }
    }

    /** Takes end B's link down or up (in its namespace): end A loses or regains carrier. */
    void setB(boolean up) {
        if (netns != null) {
            Ip.run("-n", netns, "link", "set", "dev", b, up ? "up" : "down");
        } else {
            Ip.run("link", "set", "dev", b, up ? "up" : "down");
        }
    }

    @Override
    public void close() {
        Ip.quiet("link", "del", a);
        if (netns != null) {
            Ip.quiet("-n", netns, "link", "del", b);
            Ip.quiet("netns", "del", netns);
        } else {
            Ip.quiet("link", "del", b);
        }
    }

    @Override
    public String toString() {
        return a + "<->" + b + (netns == null ? "" : " (" + b + " in " + netns + ")");
    }
}
