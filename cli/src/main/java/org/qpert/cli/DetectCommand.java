package org.qpert.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.qpert.api.Detector;
import org.qpert.api.DetectorSettings;
import org.qpert.engine.DetectionJob;
import org.qpert.loaders.Inputs;
import org.qpert.loaders.dataset.ImageBoxes;
import org.qpert.loaders.dataset.LabeledBox;
import org.qpert.loaders.dataset.QpertBoxes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code qpert detect}: OWLv2 boxes for images, as a table, the qpert box JSON and drawn PNGs. */
@Command(name = "detect", mixinStandardHelpOptions = true,
        description = {"Detect objects with an OWLv2 checkpoint (e.g. a download of "
                + "google/owlv2-base-patch16-ensemble): class-agnostic objectness, or the best of --queries.",
                "Prints a table; --json writes the qpert box file that embed/eval read (--boxes), --draw writes each "
                        + "image with its boxes as PNG. The defaults are untuned."})
public final class DetectCommand implements Callable<Integer> {

    @Mixin
    ModelOption model;

    @Mixin
    DetectorOptions detector;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the boxes in the qpert box JSON.")
    Path json;

    @Option(names = "--draw", paramLabel = "DIR", description = "Write DIR/NAME.png: each image with its boxes, "
            + "labels and scores.")
    Path draw;

    @Mixin
    DeviceOptions device;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "PNG, JPEG or other ImageIO-readable files.")
    List<Path> images;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        // Every flag is checked before the model loads (seconds to minutes for a real checkpoint).
        DetectorSettings settings = detector.settings();
        DetectionJob.checkInputs(images);
        new Inputs().model("--model", model.given()).files("input image", images)
                .checkOutputFile("--json", json).checkOutputFolder("--draw", draw);
        if (json != null && json.toAbsolutePath().getParent() != null
                && !Files.isDirectory(json.toAbsolutePath().getParent())) {
            throw new IllegalArgumentException("--json " + json + ": folder " + json.toAbsolutePath().getParent()
                    + " does not exist");
        }
        if (draw != null && Files.exists(draw) && !Files.isDirectory(draw)) {
            throw new IllegalArgumentException("--draw " + draw + " is a file, not a folder");
        }
        List<ImageBoxes> found;
        try (Detector d = Detector.load(model.dir(), settings, device.device, device.precision)) {
            found = DetectionJob.run(d, images, draw);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(String.format(Locale.ROOT, "%-24s %5s  %-16s %s", "image", "score", "label",
                "box (x0, y0, x1, y1)"));
        for (ImageBoxes image : found) {
            if (image.boxes().isEmpty()) {
                out.println(String.format(Locale.ROOT, "%-24s %5s  %-16s", image.image(), "-", "(no boxes)"));
            }
            for (LabeledBox b : image.boxes()) {
                out.println(String.format(Locale.ROOT, "%-24s %5.3f  %-16s %.1f, %.1f, %.1f, %.1f", image.image(),
                        b.score(), b.label(), b.x0(), b.y0(), b.x1(), b.y1()));
            }
        }
        int total = found.stream().mapToInt(i -> i.boxes().size()).sum();
        out.println(total + " box(es) in " + found.size() + " image(s); " + settings.describe());
        if (json != null) {
            QpertBoxes.write(QpertBoxes.of(found), json);
            out.println("boxes: " + json);
        }
        if (draw != null) {
            out.println("drawn: " + draw + "/NAME.png");
        }
        out.flush();
        return 0;
    }
}
