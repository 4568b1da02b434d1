package io.twinport.vf;

/** The process-wide rtnetlink request socket, opened on first use and kept for the life of the process. */
final class Kernel {
    private static volatile Rtnetlink links;

    private Kernel() {
    }

    /** @return the shared request socket (its requests are synchronized) */
    static Rtnetlink links() {
        Rtnetlink r = links;
        if (r == null) {
            synchronized (Kernel.class) {
                r = links;
                if (r == null) {
                    r = Rtnetlink.openRequests();
                    links = r;
                }
            }
        }
        return r;
    }
}
