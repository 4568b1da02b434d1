package io.twinport.registry;

import io.twinport.port.Port;
import io.twinport.port.PortEvent;
import io.twinport.port.PortEventSink;
import io.twinport.port.PortEventType;
import io.twinport.port.RemovalReason;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * Where ports appear and disappear. {@link #add} and {@link #remove} take effect at once for queries
 * ({@link #find}, {@link #ports}); their events, and the events ports post (link up/down), are queued and delivered
 * to listeners by {@link #doWork()}, the control thread's duty cycle (Agrona-style). Either the application calls
 * {@code doWork()} itself (tests do, with no threads at all), or {@link #startControlThread} runs it on a thread.
 *
 * <p>A listener added later is told about the ports that already exist (NEW events) before any event that follows,
 * so the order in which ports and listeners appear never matters. Everything a listener sees happens in one order,
 * on one thread.
 */
public final class PortRegistry implements PortEventSink, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PortRegistry.class.getName());

    private final Map<String, Port> byName = new ConcurrentHashMap<>();
    private final Queue<Runnable> commands = new ConcurrentLinkedQueue<>();
    // control-thread state: the ports listeners have been told about, and the listeners
    private final Map<String, Port> announced = new LinkedHashMap<>();
    private final List<PortListener> listeners = new ArrayList<>();
    private volatile Thread controlThread;
    private volatile boolean running;

    /**
     * Adds a port: it becomes findable now, and listeners get NEW. The port's own events go through this registry
     * from now on.
     *
     * @param port the port
     * @throws IllegalArgumentException if a port with the same name is registered
     */
    public void add(Port port) {
        Objects.requireNonNull(port, "port");
        if (byName.putIfAbsent(port.name(), port) != null) {
            throw new IllegalArgumentException("registry: a port named " + port.name() + " is already registered ("
                    + byName.get(port.name()) + ")");
        }
        port.bindEvents(this);
        post(PortEvent.of(PortEventType.NEW, port));
    }

    /**
     * Removes a port: it is no longer findable, and listeners get REMOVED with the reason.
     *
     * @param port   the port
     * @param reason why
     * @return false if the port was not registered
     */
    public boolean remove(Port port, RemovalReason reason) {
        Objects.requireNonNull(reason, "reason");
        if (!byName.remove(port.name(), port)) {
            return false;
        }
        port.bindEvents(PortEventSink.NONE);
        post(PortEvent.removed(port, reason));
        return true;
    }

    /**
     * @param name a port name
     * @return the registered port of that name
     */
    public Optional<Port> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** @return the registered ports, in no particular order */
    public List<Port> ports() {
        return List.copyOf(byName.values());
    }

    /**
     * Adds a listener. On the control thread, before anything else it hears, it is told NEW for every port the
     * listeners already know about.
     *
     * @param listener the listener
     * @return a handle that removes it
     */
    public AutoCloseable addListener(PortListener listener) {
        Objects.requireNonNull(listener, "listener");
        enqueue(() -> {
            for (Port p : announced.values()) {
                deliver(listener, PortEvent.of(PortEventType.NEW, p));
            }
            listeners.add(listener);
        });
        return () -> enqueue(() -> listeners.remove(listener));
    }

    /**
     * Runs a task on the control thread, in order with the events.
     *
     * @param task the task
     */
    public void execute(Runnable task) {
        enqueue(Objects.requireNonNull(task, "task"));
    }

    /** Queues an event for the listeners; any thread. */
    @Override
    public void post(PortEvent event) {
        enqueue(() -> dispatch(event));
    }

    private void enqueue(Runnable r) {
        commands.add(r);
        Thread t = controlThread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    private void dispatch(PortEvent event) {
        String name = event.port().name();
        switch (event.type()) {
            case NEW -> announced.put(name, event.port());
            case REMOVED -> announced.remove(name, event.port());
            default -> {
                if (announced.get(name) != event.port()) {
                    return; // a late link event of a port that already left
                }
            }
        }
        for (PortListener l : List.copyOf(listeners)) {
            deliver(l, event);
        }
    }

    private static void deliver(PortListener l, PortEvent event) {
        try {
            l.onPortEvent(event);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "port listener " + l + " failed on " + event, e);
        }
    }

    /**
     * The control thread's duty cycle: runs everything queued so far (events, listener changes, tasks).
     *
     * @return how many items were run (0: idle)
     */
    public int doWork() {
        int n = 0;
        Runnable r;
        while ((r = commands.poll()) != null) {
            try {
                r.run();
            } catch (RuntimeException e) {
                // a failing task must not take the control thread (and every later event) down with it
                LOG.log(Level.ERROR, "registry: a control-thread task failed", e);
            }
            n++;
        }
        return n;
    }

    /**
     * Runs {@link #doWork()} on a new daemon thread until {@link #close()}; it parks when idle and is woken by new
     * work. Do not call {@code doWork()} yourself after this.
     *
     * @param name the thread's name
     * @return the thread
     */
    public synchronized Thread startControlThread(String name) {
        if (controlThread != null) {
            throw new IllegalStateException("registry: control thread already running: " + controlThread.getName());
        }
        running = true;
        Thread t = Thread.ofPlatform().name(name).daemon(true).unstarted(() -> {
            while (running) {
                if (doWork() == 0) {
                    LockSupport.parkNanos(this, 100_000_000L);
                }
            }
            doWork();
        });
        controlThread = t;
        t.start();
        return t;
    }

    /**
     * For a control thread that the registry did not start (one that runs {@link #doWork()} among other duty
     * cycles, such as the failover manager's): new work unparks it, as it unparks the registry's own.
     *
     * @param thread the thread that calls {@link #doWork()}, or null
     */
    public void wakeOnWork(Thread thread) {
        this.controlThread = thread;
    }

    /** Stops the control thread, if any, after it has run what is queued. Ports are not closed. */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            t = controlThread;
            running = false;
        }
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            controlThread = null;
        }
    }
}
