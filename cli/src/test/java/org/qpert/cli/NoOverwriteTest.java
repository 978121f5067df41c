package org.qpert.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.engine.DemoModel;
import org.qpert.loaders.synthetic.SyntheticDataset;

/**
 * Every command that writes refuses, before any work, an output that is (or holds, or lies inside) one of its
 * inputs, naming both; the input is left as it was. Commands that write: detect (--json, --draw), eval (--report,
 * --store), embed (--store), serve (--store, added images), preprocess (--out), convert (OUT), demo (--keep);
 * {@code index} writes only STORE/lucene, inside the store it reads and nothing else. The models are the bundled tiny
 * ones, so a command that did not check would run to the end and overwrite.
 */
class NoOverwriteTest {

    @TempDir
    static Path dir;
    static Path model, detector, root, photos, image;

    @BeforeAll
    static void setUp() throws IOException {
        model = DemoModel.extract(dir.resolve("model"));
        detector = DemoModel.extractDetector(dir.resolve("owl"));
        root = dir.resolve("flickr");
        SyntheticDataset.write(root, SyntheticDataset.Layout.FLICKR30K, 3, 0, 7);
        photos = root.resolve("flickr30k-images");
        try (var files = Files.list(photos)) {
            image = files.filter(p -> p.toString().endsWith(".png")).sorted().findFirst().orElseThrow();
        }
    }

    /** Runs the command and checks it was refused with both paths named and every given file unchanged. */
    private static void refused(List<String> args, Path output, Path input, Path... unchanged) throws IOException {
        List<Path> files = new ArrayList<>(List.of(unchanged));
        List<byte[]> before = new ArrayList<>();
        for (Path f : files) {
            before.add(Files.readAllBytes(f));
        }
        CliErrorsTest.Result r = CliErrorsTest.run(args.toArray(String[]::new));
        assertEquals(2, r.status(), args + ": " + r.err() + r.out());
        String err = r.err().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.contains(output.toString()) && err.contains(input.toString()),
                "names " + output + " and " + input + ": " + err);
        assertTrue(err.contains("choose another output"), err);
        for (int i = 0; i < files.size(); i++) {
            assertArrayEquals(before.get(i), Files.readAllBytes(files.get(i)), files.get(i) + " untouched");
        }
    }

    @Test
    void detectJsonOverItsImage() throws IOException {
        Path in = dir.resolve("in.png");
        Files.copy(image, in, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        refused(List.of("detect", "--model", detector.toString(), "--json", in.toString(), in.toString()), in, in, in);
        // another spelling of the same file
        Path other = dir.resolve("x/../in.png");
        refused(List.of("detect", "--model", detector.toString(), "--json", other.toString(), in.toString()),
                other, in, in);
    }

    @Test
    void detectDrawIntoTheFolderOfItsImage() throws IOException {
        Path folder = dir.resolve("photos");
        Files.createDirectories(folder);
        Path x = folder.resolve("x.png");
        Files.copy(image, x, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        refused(List.of("detect", "--model", detector.toString(), "--draw", folder.toString(), x.toString()),
                folder, x, x);
    }

    @Test
    void detectOutputsInsideTheModel() throws IOException {
        Path config = detector.resolve("config.json");
        refused(List.of("detect", "--model", detector.toString(), "--json", config.toString(), image.toString()),
                config, detector, config);
    }

    @Test
    void evalReportOverTheSplitOrTheBoxesFile() throws IOException {
        Path split = root.resolve("dataset_flickr30k.json");
        Path boxes = root.resolve(SyntheticDataset.BOXES_FILE);
        for (Path report : List.of(split, boxes)) {
            refused(List.of("eval", "--dataset", "flickr30k", "--root", root.toString(), "--model", model.toString(),
                    "--store", dir.resolve("eval-store").toString(), "--report", report.toString()),
                    report, root, split, boxes);
        }
        assertFalse(Files.exists(dir.resolve("eval-store")), "refused before the store was made");
    }

    @Test
    void evalStoreOverTheImagesOrABoxesFile() throws IOException {
        Path boxes = root.resolve(SyntheticDataset.BOXES_FILE);
        refused(List.of("eval", "--dataset", "flickr30k", "--root", root.toString(), "--model", model.toString(),
                "--store", photos.toString(), "--report", dir.resolve("r.json").toString()), photos, root, boxes);
        Path outsideBoxes = dir.resolve("eval-boxes.json");
        Files.copy(boxes, outsideBoxes, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        refused(List.of("eval", "--dataset", "flickr30k", "--root", root.toString(), "--model", model.toString(),
                "--boxes", outsideBoxes.toString(), "--store", dir.resolve("s2").toString(),
                "--report", outsideBoxes.toString()), outsideBoxes, outsideBoxes, outsideBoxes);
    }

    @Test
    void embedStoreInsideItsImagesOrOverItsModel() throws IOException {
        Path store = photos.resolve("store");
        refused(List.of("embed", "--model", model.toString(), "--images", photos.toString(),
                "--store", store.toString()), store, photos, image);
        assertFalse(Files.exists(store), "refused before the store was made");
        refused(List.of("embed", "--model", model.toString(), "--images", photos.toString(),
                "--store", model.toString()), model, model, model.resolve("config.json"));
    }

    @Test
    void serveStoreOverItsCaptions() throws IOException {
        Path captions = dir.resolve("captions");
        Files.createDirectories(captions);
        Path file = captions.resolve("c.txt");
        Files.writeString(file, "a dog\n");
        refused(List.of("serve", "--model", model.toString(), "--store", captions.toString(),
                "--captions", file.toString(), "--port", "0"), captions, file, file);
    }

    @Test
    void preprocessOutOverItsImage() throws IOException {
        refused(List.of("preprocess", "--size", "8", "--out", image.toString(), image.toString()), image, image, image);
    }

    @Test
    void convertOutOverItsInput() throws IOException {
        Path in = dir.resolve("state.bin");
        Files.writeString(in, "not a checkpoint, never read");
        refused(List.of("convert", in.toString(), dir.resolve("y/../state.bin").toString()),
                dir.resolve("y/../state.bin"), in, in);
    }

    @Test
    void demoKeepIntoItsModel() throws IOException {
        Path config = model.resolve("config.json");
        refused(List.of("demo", "--model", model.toString(), "--keep", model.toString(), "--images", "2"),
                model, model, config);
        Path inside = model.resolve("demo");
        refused(List.of("demo", "--model", model.toString(), "--keep", inside.toString(), "--images", "2"),
                inside, model, config);
        assertFalse(Files.exists(inside), "refused before anything was written");
    }
}
