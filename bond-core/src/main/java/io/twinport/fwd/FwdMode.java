package io.twinport.fwd;

import java.util.Locale;

/** The forwarding modes of the fwd tool, named and behaving as DPDK testpmd's forwarding engines. */
public enum FwdMode {
    /** Forwards what port i receives to its peer port, unchanged. */
    IO("forwards what each port receives to its peer port (ports paired 0-1, 2-3, ...; a lone port to itself)"),
    /** Like {@link #IO}, with the Ethernet source and destination MACs swapped. */
    MACSWAP("like io, and swaps the Ethernet source and destination MACs of every frame"),
    /**
     * Transmits generated UDP/IPv4 frames from every port, and receives and frees on every port too, so a wire pair
     * measures both directions.
     */
    TXONLY("transmits --txpkts-byte UDP/IPv4 frames from each port's MAC to its peer's; also receives, counts and"
            + " frees on every port, so a wire pair measures both directions"),
    /** Receives, counts and frees. */
    RXONLY("receives, counts and frees");

    private final String description;

    FwdMode(String description) {
        this.description = description;
    }

    /** @return the name on the command line: {@code io}, {@code macswap}, {@code txonly}, {@code rxonly} */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @return one line for the help text */
    public String description() {
        return description;
    }

    /**
     * @param text a name as on the command line
     * @return the mode, or null if there is none of that name
     */
    public static FwdMode fromCliName(String text) {
        for (FwdMode m : values()) {
            if (m.cliName().equals(text)) {
                return m;
            }
        }
        return null;
    }

    /** @return the names for a message: {@code io, macswap, txonly, rxonly} */
    public static String namesText() {
        StringBuilder sb = new StringBuilder();
        for (FwdMode m : values()) {
            if (!sb.isEmpty()) {
                sb.append(", ");
            }
            sb.append(m.cliName());
        }
        return sb.toString();
    }
}
