package org.qpert.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.loaders.dataset.BoxAnnotations;
import org.qpert.loaders.dataset.BoxPolicy;
import org.qpert.loaders.dataset.ImageBoxes;
import org.qpert.loaders.dataset.QpertBoxes;

/** What the README tells a new user to type or write is what the commands take. */
class ReadmeTest {
    private static String readme() throws IOException {
        return Files.readString(Path.of("..", "README.md"));
    }

    @Test
    void theBoxesExampleIsWhatEmbedReads(@TempDir Path dir) throws IOException {
        Matcher m = Pattern.compile("(?s)```json\n(\\{\"images\".*?)```").matcher(readme());
        assertTrue(m.find(), "the README shows a --boxes file");
        Path file = Files.writeString(dir.resolve("boxes.json"), m.group(1));
        BoxAnnotations boxes = QpertBoxes.read(file, BoxPolicy.BOX);
        assertEquals(2, boxes.size());
        ImageBoxes kitchen = boxes.find("kitchen/0001.jpg").orElseThrow();
        assertEquals(2, kitchen.boxes().size());
        assertEquals("dog", kitchen.boxes().get(0).label());
        assertTrue(boxes.find("0002.png").orElseThrow().boxes().isEmpty());
    }

    @Test
    void theTinyModelsAreReachable() throws IOException {
        String text = readme();
        for (String s : new String[] {"demo --keep DIR", "DIR/tiny-blip2", "DIR/tiny-owlv2"}) {
            assertTrue(text.contains(s), s);
        }
    }
}
