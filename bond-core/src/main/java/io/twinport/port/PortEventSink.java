package io.twinport.port;

/**
 * Where a port posts its events. The registry is the usual sink; it delivers them to listeners on its control
 * thread, so {@link #post} only queues and may be called from any thread.
 */
@FunctionalInterface
public interface PortEventSink {
    /** A sink that drops everything (a port that is in no registry). */
    PortEventSink NONE = event -> { };

    /** @param event the event to deliver */
    void post(PortEvent event);
}
