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
    double threshold = DetectorSettings.DEFAULT_THRESHOLD;

    @Option(names = "--nms", paramLabel = "IOU", description = "Drop a box overlapping a better one by more than this "
            + "IoU, 0..1; 1 keeps all (default: " + DetectorSettings.DEFAULT_NMS_IOU + ").")
    double nms = DetectorSettings.DEFAULT_NMS_IOU;

    @Option(names = "--max-boxes", paramLabel = "N", description = "Keep the N best boxes per image; 0 = all "
            + "(default: " + DetectorSettings.DEFAULT_MAX_BOXES + ").")
    int maxBoxes = DetectorSettings.DEFAULT_MAX_BOXES;

    @Option(names = "--min-size", paramLabel = "PX", description = "Drop boxes narrower or lower than PX pixels "
            + "after clipping to the image (default: " + DetectorSettings.DEFAULT_MIN_SIZE + ").")
    double minSize = DetectorSettings.DEFAULT_MIN_SIZE;

    /** The settings, or a one-line error naming the flag. */
    DetectorSettings settings() {
        try {
            return new DetectorSettings(threshold, nms, minSize, maxBoxes,
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
