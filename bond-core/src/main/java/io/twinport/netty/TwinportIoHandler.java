package io.twinport.netty;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.util.concurrent.ThreadAwareExecutor;

import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Netty 4.2's I/O side of an event loop for {@link TwinportChannel}s: each {@link #run} polls every channel
 * registered on the loop once (port state, pending TX, RX bursts) and, when none had anything to do and the loop has
 * no task waiting, idles with the {@link IdleStrategy} it was made with (never longer than the loop's next scheduled
 * task). A task submitted from another thread ends a park at once ({@link #wakeup}).
 *
 * <pre>{@code
 * EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, TwinportIoHandler.newFactory(IdleStrategy.backoff()));
 * }</pre>
 *
 * Only {@link TwinportChannel}s can be registered on such a loop; put other transports (epoll, NIO) on their own.
 * One loop thread polls its channels in turn: a channel per port queue range, and as many loops as cores to give.
 */
public final class TwinportIoHandler implements IoHandler {
    private static final TwinportIoHandle[] NONE = new TwinportIoHandle[0];

    private final ThreadAwareExecutor executor;
    private final IdleStrategy idle;
    // event loop only: the registered channels, replaced (never changed in place) on register and cancel
    private TwinportIoHandle[] handles = NONE;
    private int idleRounds;
    private volatile Thread thread;

    private TwinportIoHandler(ThreadAwareExecutor executor, IdleStrategy idle) {
        this.executor = Objects.requireNonNull(executor, "executor");
        this.idle = idle;
    }

    /** @return a factory of handlers that idle with {@link IdleStrategy#backoff()} */
    public static IoHandlerFactory newFactory() {
        return newFactory(IdleStrategy.backoff());
    }

    /**
     * @param idle what the loop does when a poll round found nothing
     * @return a factory for {@code new MultiThreadIoEventLoopGroup(n, factory)}
     */
    public static IoHandlerFactory newFactory(IdleStrategy idle) {
        Objects.requireNonNull(idle, "idle");
        return executor -> new TwinportIoHandler(executor, idle);
    }

    /** @return the idle strategy */
    public IdleStrategy idleStrategy() {
        return idle;
    }

    @Override
    public int run(IoHandlerContext context) {
        if (thread == null) {
            thread = Thread.currentThread();
        }
        int work = 0;
        for (TwinportIoHandle h : handles) {
            work += h.poll();
        }
        if (work > 0) {
            idleRounds = 0;
        } else if (context.canBlock()) {
            long max = context.delayNanos(System.nanoTime());
            if (max > 0) {
                idle.idle(idleRounds, max);
                if (idleRounds < Integer.MAX_VALUE) {
                    idleRounds++;
                }
            }
        }
        if (context.shouldReportActiveIoTime()) {
            context.reportActiveIoTime(0);
        }
        return work;
    }

    @Override
    public void wakeup() {
        if (!executor.isExecutorThread(Thread.currentThread())) {
            Thread t = thread;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
    }

    @Override
    public void prepareToDestroy() {
        for (TwinportIoHandle h : handles) {
            h.closeNow();
        }
    }

    @Override
    public void destroy() {
        // the loop may confirm its shutdown without a last prepareToDestroy (a shutdown requested while it ran tasks)
        for (TwinportIoHandle h : handles) {
            h.closeNow();
        }
    }

    @Override
    public IoRegistration register(IoHandle handle) {
        if (!(handle instanceof TwinportIoHandle h)) {
            throw new IllegalArgumentException("twinport I/O handler: cannot register a "
                    + handle.getClass().getName() + "; only TwinportChannel runs on this event loop");
        }
        for (TwinportIoHandle registered : handles) {
            if (registered == h) {
                throw new IllegalStateException("twinport I/O handler: " + handle + " is registered already");
            }
        }
        TwinportIoHandle[] grown = Arrays.copyOf(handles, handles.length + 1);
        grown[handles.length] = h;
        handles = grown;
        h.registered();
        return new Registration(h);
    }

    private void remove(TwinportIoHandle h) {
        TwinportIoHandle[] old = handles;
        for (int i = 0; i < old.length; i++) {
            if (old[i] == h) {
                TwinportIoHandle[] shrunk = new TwinportIoHandle[old.length - 1];
                System.arraycopy(old, 0, shrunk, 0, i);
                System.arraycopy(old, i + 1, shrunk, i, old.length - i - 1);
                handles = shrunk;
                h.unregistered();
                return;
            }
        }
    }

    @Override
    public boolean isCompatible(Class<? extends IoHandle> handleType) {
        return TwinportIoHandle.class.isAssignableFrom(handleType);
    }

    @Override
    public String toString() {
        return "TwinportIoHandler[" + idle + ", " + handles.length + " channels]";
    }

    private final class Registration implements IoRegistration {
        private final AtomicBoolean cancelled = new AtomicBoolean();
        private final TwinportIoHandle handle;

        Registration(TwinportIoHandle handle) {
            this.handle = handle;
        }

        @Override
        public <T> T attachment() {
            return null;
        }

        @Override
        public long submit(IoOps ops) {
            throw new UnsupportedOperationException("twinport channels have no I/O operations to submit: the loop"
                    + " polls them");
        }

        @Override
        public boolean isValid() {
            return !cancelled.get();
        }

        @Override
        public boolean cancel() {
            if (!cancelled.compareAndSet(false, true)) {
                return false;
            }
            if (executor.isExecutorThread(Thread.currentThread())) {
                remove(handle);
            } else {
                executor.execute(() -> remove(handle));
            }
            return true;
        }
    }
}
