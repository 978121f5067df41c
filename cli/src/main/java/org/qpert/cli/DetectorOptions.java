package org.qpert.cli;

import org.qpert.api.DetectorSettings;
import picocli.CommandLine.Option;

/** The detector's post-processing flags, shared by detect and by embed/eval/search/demo with --detector. */
final class DetectorOptions {
    @Option(names = "--queries", paramLabel = "TEXT,...", description = "Comma-separated text queries (\"a dog,a red "
            + "ball\"); without, class-agnostic objectness.")
    String queries;

    @Option(names = "--threshold", paramLabel = "T", description = "Minimum score, 0..1 (default: "
            + DetectorSettings.DEFAULT_THRESHOLD + ").")
    Double threshold;

    @Option(names = "--nms", paramLabel = "IOU", description = "Drop a box overlapping a better one by more than this "
            + "IoU, 0..1; 1 keeps all (default: " + DetectorSettings.DEFAULT_NMS_IOU + ").")
    Double nms;

    @Option(names = "--max-boxes", paramLabel = "N", description = "Keep the N best boxes per image; 0 = all "
            + "(default: " + DetectorSettings.DEFAULT_MAX_BOXES + ").")
    Integer maxBoxes;

    @Option(names = "--min-size", paramLabel = "PX", description = "Drop boxes narrower or lower than PX pixels "
            + "after clipping to the image (default: " + DetectorSettings.DEFAULT_MIN_SIZE + ").")
    Double minSize;

    /** Whether any of these flags was given (they mean nothing without a detector). */
    boolean anyGiven() {
        return queries != null || threshold != null || nms != null || maxBoxes != null || minSize != null;
    }

    /** The settings, or a one-line error naming the flag. */
    DetectorSettings settings() {
        try {
            return new DetectorSettings(threshold != null ? threshold : DetectorSettings.DEFAULT_THRESHOLD,
                    nms != null ? nms : DetectorSettings.DEFAULT_NMS_IOU,
                    minSize != null ? minSize : DetectorSettings.DEFAULT_MIN_SIZE,
                    maxBoxes != null ? maxBoxes : DetectorSettings.DEFAULT_MAX_BOXES,
                    queries == null ? java.util.List.of() : DetectorSettings.parseQueries(queries));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(flagOf(e.getMessage()) + e.getMessage(), e);
        }
    }

    private static String flagOf(String message) {
        if (message.startsWith("detection threshold")) {
            return "--threshold: ";
        } else if (message.startsWith("NMS")) {
            return "--nms: ";
        } else if (message.startsWith("minimum box size")) {
            return "--min-size: ";
        } else if (message.startsWith("max boxes")) {
            return "--max-boxes: ";
        }
        return "";
    }
}
