package io.twinport.failover;

/** Told about failover events, on the control thread. */
@FunctionalInterface
public interface FailoverListener {
    /** @param event what happened */
    void onFailoverEvent(FailoverEvent event);
}
