package io.twinport.netty;

import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultChannelConfig;

import java.util.Map;

/**
 * The {@link TwinportChannel}'s configuration: Netty's usual options (write-buffer water marks, auto-read, the
 * allocator for copied frames, write spin count, ...) plus {@link TwinportChannelOption#BURST} and
 * {@link TwinportChannelOption#RX_ZERO_COPY}.
 */
public final class TwinportChannelConfig extends DefaultChannelConfig {
    /** Default frames per burst. */
    public static final int DEFAULT_BURST = 32;
    /** Largest burst. */
    public static final int MAX_BURST = 512;

    private volatile int burst = DEFAULT_BURST;
    private volatile boolean rxZeroCopy = true;

    TwinportChannelConfig(TwinportChannel channel) {
        super(channel);
    }

    @Override
    public Map<ChannelOption<?>, Object> getOptions() {
        return getOptions(super.getOptions(), TwinportChannelOption.BURST, TwinportChannelOption.RX_ZERO_COPY);
    }

    @Override
    @SuppressWarnings("unchecked") // the option's type parameter names the value's type
    public <T> T getOption(ChannelOption<T> option) {
        if (option == TwinportChannelOption.BURST) {
            return (T) Integer.valueOf(burst);
        }
        if (option == TwinportChannelOption.RX_ZERO_COPY) {
            return (T) Boolean.valueOf(rxZeroCopy);
        }
        return super.getOption(option);
    }

    @Override
    public <T> boolean setOption(ChannelOption<T> option, T value) {
        validate(option, value);
        if (option == TwinportChannelOption.BURST) {
            setBurst((Integer) value);
        } else if (option == TwinportChannelOption.RX_ZERO_COPY) {
            setRxZeroCopy((Boolean) value);
        } else {
            return super.setOption(option, value);
        }
        return true;
    }

    /** @return frames per RX and TX burst */
    public int getBurst() {
        return burst;
    }

    /**
     * @param n frames per RX burst (per queue and poll round) and per TX burst, 1 to {@value #MAX_BURST}
     * @return this
     * @throws IllegalArgumentException naming the value if out of range
     */
    public TwinportChannelConfig setBurst(int n) {
        if (n < 1 || n > MAX_BURST) {
            throw new IllegalArgumentException("twinport channel: burst " + n + " out of range [1, " + MAX_BURST
                    + "]");
        }
        burst = n;
        return this;
    }

    /** @return true if received frames wrap the packet's memory (no copy) */
    public boolean isRxZeroCopy() {
        return rxZeroCopy;
    }

    /**
     * @param zeroCopy true: received frames wrap the packet's memory; false: they are copied into a buffer of the
     *                 channel's allocator and the packet is freed at once
     * @return this
     */
    public TwinportChannelConfig setRxZeroCopy(boolean zeroCopy) {
        rxZeroCopy = zeroCopy;
        return this;
    }
}
