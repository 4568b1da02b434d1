package io.twinport.registry;

import io.twinport.port.PortEvent;

/** Told about port events, always on the registry's control thread, never on a data-path thread. */
@FunctionalInterface
public interface PortListener {
    /** @param event what happened */
    void onPortEvent(PortEvent event);
}
