package io.twinport.netty;

import io.netty.channel.ChannelOption;

/** The {@link TwinportChannel}'s own options, besides Netty's ({@code WRITE_BUFFER_WATER_MARK}, {@code AUTO_READ}, ...). */
public final class TwinportChannelOption {
    /**
     * Frames per RX burst (per queue and poll round) and per TX burst: 1 to {@value TwinportChannelConfig#MAX_BURST},
     * default {@value TwinportChannelConfig#DEFAULT_BURST}.
     */
    public static final ChannelOption<Integer> BURST = ChannelOption.valueOf(TwinportChannelOption.class, "BURST");

    /**
     * True (default): a received frame is a {@code ByteBuf} over the packet's memory, freed to the pool on release.
     * False: the frame is copied into a buffer of the channel's allocator and the packet freed at once.
     */
    public static final ChannelOption<Boolean> RX_ZERO_COPY =
            ChannelOption.valueOf(TwinportChannelOption.class, "RX_ZERO_COPY");

    private TwinportChannelOption() {
    }
}
