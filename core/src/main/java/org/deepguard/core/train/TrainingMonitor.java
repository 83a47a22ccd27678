package org.deepguard.core.train;

import java.util.Map;

/** What a training run reports as it goes; the CLI turns it into a progress bar and logs. */
public interface TrainingMonitor {
    default void onStart(int epochs, int batchesPerEpoch, int trainImages, int valImages, String note) {}

    default void onBatch(int epoch, int batch, int images, double loss) {}

    /** @param record epoch, phase, loss, val_loss, val_accuracy, val_auc, lr, seconds, data_wait_share, ... */
    default void onEpoch(Map<String, Object> record) {}

    default void onSkippedImage(String path, String reason) {}

    default void onMessage(String message) {}

    TrainingMonitor NONE = new TrainingMonitor() {};
}
