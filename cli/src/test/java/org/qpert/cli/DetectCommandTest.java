package org.qpert.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.loaders.dataset.BoxAnnotations;
import org.qpert.loaders.dataset.BoxPolicy;
import org.qpert.loaders.dataset.ImageBoxes;
import org.qpert.loaders.dataset.LabeledBox;
import org.qpert.loaders.dataset.QpertBoxes;
import org.qpert.loaders.image.ImageDecoder;
import org.qpert.loaders.image.RgbImage;
import picocli.CommandLine;

/**
 * {@code qpert detect} on the tiny random OWLv2 reproduces tiny-owlv2/pipeline.json (image file → processor →
 * detector → objectness, threshold, NMS): the same boxes in the same order, each clipped to the image (the fixture's
 * are not), a box that lies wholly in the padding dropped; scores within 1e-4, corners within 1e-2 px.
 */
class DetectCommandTest {

    static final Path FIXTURE = Path.of("../testdata/parity/tiny-owlv2");
    static final Path INPUTS = Path.of("../testdata/parity/inputs/images");

    @TempDir
    Path dir;

    static Path imageFile(String name) {
        Path shared = INPUTS.resolve(name);
        return Files.exists(shared) ? shared : FIXTURE.resolve("images").resolve(name);
    }

    @Test
    void reproducesThePipelineFixture() throws IOException {
        JsonObject pipeline = JsonParser.parseString(Files.readString(FIXTURE.resolve("pipeline.json"),
                StandardCharsets.UTF_8)).getAsJsonObject();
        JsonArray cases = pipeline.getAsJsonArray("cases");
        List<String> args = new ArrayList<>(List.of("--model", FIXTURE.toString(), "--max-boxes", "0",
                "--min-size", "0", "--json", dir.resolve("boxes.json").toString(), "--draw", dir.resolve("drawn")
                        .toString()));
        JsonObject first = cases.get(0).getAsJsonObject();
        args.addAll(List.of("--threshold", first.get("threshold").getAsString(), "--nms",
                first.get("nms_iou").getAsString()));
        for (JsonElement c : cases) {
            JsonObject o = c.getAsJsonObject();
            assertEquals(first.get("threshold").getAsDouble(), o.get("threshold").getAsDouble());
            assertEquals(first.get("nms_iou").getAsDouble(), o.get("nms_iou").getAsDouble());
            args.add(imageFile(o.get("image").getAsString()).toString());
        }
        StringWriter stdout = new StringWriter();
        int rc = new CommandLine(new DetectCommand()).setOut(new PrintWriter(stdout)).execute(args.toArray(String[]::new));
        assertEquals(0, rc, stdout.toString());

        BoxAnnotations written = QpertBoxes.read(dir.resolve("boxes.json"), BoxPolicy.STRICT);
        int compared = 0;
        int droppedInPadding = 0;
        for (JsonElement c : cases) {
            JsonObject o = c.getAsJsonObject();
            String name = o.get("image").getAsString();
            int h = o.get("height").getAsInt();
            int w = o.get("width").getAsInt();
            ImageBoxes ours = written.find(name).orElseThrow(() -> new AssertionError(name + " missing"));
            assertEquals(w, ours.width());
            assertEquals(h, ours.height());
            List<double[]> expected = new ArrayList<>();
            List<Double> scores = new ArrayList<>();
            for (JsonElement d : o.getAsJsonArray("detections")) {
                JsonArray b = d.getAsJsonObject().getAsJsonArray("box");
                double[] clipped = {clip(b.get(0).getAsDouble(), w), clip(b.get(1).getAsDouble(), h),
                        clip(b.get(2).getAsDouble(), w), clip(b.get(3).getAsDouble(), h)};
                if (clipped[2] <= clipped[0] || clipped[3] <= clipped[1]) {
                    droppedInPadding++;
                    continue;
                }
                expected.add(clipped);
                scores.add(d.getAsJsonObject().get("score").getAsDouble());
            }
            assertEquals(expected.size(), ours.boxes().size(), name + ": " + ours.boxes());
            for (int i = 0; i < expected.size(); i++) {
                LabeledBox b = ours.boxes().get(i);
                double[] e = expected.get(i);
                double[] a = {b.x0(), b.y0(), b.x1(), b.y1()};
                for (int k = 0; k < 4; k++) {
                    assertEquals(e[k], a[k], 1e-2, name + " box " + i + " coordinate " + k);
                }
                assertEquals(scores.get(i), b.score(), 1e-4, name + " box " + i + " score");
                assertEquals("object", b.label());
                compared++;
            }
            RgbImage drawn = new ImageDecoder().decode(dir.resolve("drawn").resolve(BoxAnnotations.keyOf(name)
                    + ".png"));
            assertEquals(w, drawn.width());
            assertEquals(h, drawn.height());
        }
        System.out.printf("detect reproduced %d boxes of %d images (%d fixture boxes wholly in the padding dropped)%n",
                compared, cases.size(), droppedInPadding);
        assertTrue(compared > 50, "compared " + compared);
        assertTrue(droppedInPadding > 0, "the fixture has boxes in the padding; clipping must drop them");
        assertTrue(stdout.toString().contains(compared + " box(es) in " + cases.size() + " image(s)"),
                stdout.toString());
    }

    private static double clip(double v, int limit) {
        return Math.max(0, Math.min(limit, v));
    }

    @Test
    void badFlagsAreOneLineErrorsBeforeTheModelLoads() {
        String image = INPUTS.resolve("rgb_53x37.png").toString();
        // A model folder that does not exist: each error below must come from the flag, not from loading.
        String ghost = dir.resolve("no-model").toString();
        String[][] cases = {
                {"--threshold", "1.5"}, {"--threshold", "-0.1"}, {"--nms", "2"}, {"--max-boxes", "-1"},
                {"--min-size", "-3"}, {"--queries", "a dog,,a cat"}, {"--json", dir.resolve("x/y.json").toString()}};
        String[] expected = {"--threshold", "--threshold", "--nms", "--max-boxes", "--min-size", "--queries",
                "--json"};
        for (int i = 0; i < cases.length; i++) {
            List<String> args = new ArrayList<>(List.of("detect", "--model", ghost));
            args.addAll(List.of(cases[i]));
            args.add(image);
            CliTestSupport.Result r = CliTestSupport.runMain(args.toArray(String[]::new));
            assertEquals(2, r.status(), r.err());
            CliTestSupport.assertOneLine(r, "qpert detect: ", expected[i]);
        }
        CliTestSupport.Result missing = CliTestSupport.runMain("detect", "--model", ghost,
                dir.resolve("ghost.png").toString());
        CliTestSupport.assertOneLine(missing, "qpert detect: ", "ghost.png", "not found");
        CliTestSupport.Result noModel = CliTestSupport.runMain("detect", "--model", ghost, image);
        CliTestSupport.assertOneLine(noModel, "qpert detect: ", "no-model", "neither a folder nor a Hub id");
        CliTestSupport.Result notNumber = CliTestSupport.runMain("detect", "--model", ghost, "--threshold", "high",
                image);
        assertEquals(2, notNumber.status());
        assertTrue(notNumber.err().contains("--threshold"), notNumber.err());
    }
}
