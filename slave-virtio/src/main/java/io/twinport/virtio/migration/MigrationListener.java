package io.twinport.virtio.migration;

/** Told about every migration event, on the control thread (the one that calls {@link MigrationSequence#doWork()}). */
@FunctionalInterface
public interface MigrationListener {
    /** @param event what happened */
    void onMigrationEvent(MigrationEvent event);
}
