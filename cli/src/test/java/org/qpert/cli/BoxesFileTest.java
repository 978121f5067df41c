package org.qpert.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A --boxes file goes through the one box rule of --box, the API and the Spark manifest (core Box). */
class BoxesFileTest {

    @Test
    void anInvertedBoxInABoxesFileIsRefusedOnceNamingFileImageAndBox(@TempDir Path dir) throws Exception {
        Path photos = Files.createDirectories(dir.resolve("photos"));
        Files.copy(Path.of("../testdata/parity/inputs/images/rgb_53x37.png"), photos.resolve("a.png"));
        Path boxes = dir.resolve("boxes.json");
        Files.writeString(boxes, """
                {"images": {"a.png": {"width": 53, "height": 37, "boxes": [{"box": [1, 1, 20, 20]}, {"box": [30, 5, 10, 20]}]}}}""");
        Path model = org.qpert.engine.DemoModel.extract(dir.resolve("model"));
        CliTestSupport.Result r = CliTestSupport.runMain("embed", "--model", model.toString(), "--images",
                photos.toString(), "--boxes", boxes.toString(), "--store", dir.resolve("store").toString());
        assertEquals(2, r.status(), r.err());
        assertEquals(false, Files.exists(dir.resolve("store").resolve("index.json")), "nothing embedded");
        CliTestSupport.assertOneLine(r, "qpert embed: " + boxes, "image a.png", "box 1", "(30.0, 5.0, 10.0, 20.0)",
                "is inverted");
    }
}
