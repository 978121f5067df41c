package org.qpert.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.qpert.api.Detection;
import org.qpert.api.Detector;
import org.qpert.core.retrieval.Progress;
import org.qpert.loaders.Inputs;
import org.qpert.loaders.dataset.BoxAnnotations;
import org.qpert.loaders.dataset.ImageBoxes;
import org.qpert.loaders.image.BoxOverlay;
import org.qpert.loaders.image.RgbImage;

/**
 * Detects objects in a list of image files, one after the other with progress, optionally drawing each result as
 * {@code DIR/NAME.png}. Images are named by file name; two files with the same name (without extension) are refused
 * up front, since the qpert box format keys images by that name.
 */
public final class DetectionJob {

    private DetectionJob() {
    }

    /** Fails with one line when two files share a name or a file is missing; nothing is detected then. */
    public static void checkInputs(List<Path> images) {
        Map<String, Path> names = new HashMap<>();
        for (Path image : images) {
            if (!Files.isRegularFile(image)) {
                throw new IllegalArgumentException("image file not found: " + image);
            }
            Path previous = names.putIfAbsent(BoxAnnotations.keyOf(image.getFileName().toString()), image);
            if (previous != null) {
                throw new IllegalArgumentException("images " + previous + " and " + image + " have the same name "
                        + BoxAnnotations.keyOf(image.getFileName().toString())
                        + "; the box file keys images by file name without extension");
            }
        }
    }

    /** The boxes of every image in order; with {@code drawDir}, also {@code drawDir/NAME.png} for each. */
    public static List<ImageBoxes> run(Detector detector, List<Path> images, Path drawDir) throws IOException {
        checkInputs(images);
        new Inputs().files("input image", images).checkOutputFolder("draw folder", drawDir);
        if (drawDir != null) {
            Files.createDirectories(drawDir);
        }
        Progress progress = Progress.logging("detect", images.size(), "images");
        List<ImageBoxes> out = new ArrayList<>(images.size());
        for (Path file : images) {
            RgbImage image = detector.decode(file);
            List<Detection> found = detector.detect(image);
            ImageBoxes boxes = Detector.imageBoxes(file.getFileName().toString(), image, found);
            if (drawDir != null) {
                BoxOverlay.writePng(image, boxes.boxes(),
                        drawDir.resolve(BoxAnnotations.keyOf(file.getFileName().toString()) + ".png"));
            }
            out.add(boxes);
            progress.advance(1);
        }
        progress.finish();
        return out;
    }
}
