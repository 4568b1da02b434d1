package io.twinport.netty;

/**
 * A {@link TwinportChannel}'s counters at one moment; each only grows.
 *
 * @param rxFrames   frames received and passed to the pipeline
 * @param rxBytes    their bytes
 * @param rxZeroCopy received frames passed as a buffer over the packet's memory
 * @param rxCopied   received frames copied into a buffer of the channel's allocator
 * @param txFrames   frames the port took
 * @param txBytes    their bytes
 * @param txZeroCopy written frames handed to TX as the packet they were received in (no copy)
 * @param txCopied   written frames copied into a packet of the TX pool
 * @param txBlocked  TX bursts the port took only part of (the rest waited for the next poll round)
 * @param txNoBuffer copies that found the TX pool empty (the write waited for the next poll round)
 * @param txDropped  frames already in packets, not yet taken by the port, freed when the channel closed (their
 *                   writes failed with the close's cause)
 */
public record TwinportChannelStats(long rxFrames, long rxBytes, long rxZeroCopy, long rxCopied, long txFrames,
                                   long txBytes, long txZeroCopy, long txCopied, long txBlocked, long txNoBuffer,
                                   long txDropped) {
}
