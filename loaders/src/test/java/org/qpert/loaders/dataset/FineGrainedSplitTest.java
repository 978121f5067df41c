package org.qpert.loaders.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The FG captions file and pool list (testdata/fg-mini, pool written by NumPy), valid and malformed. */
class FineGrainedSplitTest {
    private static final Path MINI = Path.of("../testdata/fg-mini");
    private static final Path POOL = MINI.resolve("Images/Flickr30K_FG_img_filenames.npy");

    @TempDir
    Path dir;

    @Test
    void originalsInCaptionOrderDistractorsInListOrder() {
        FineGrainedSplit.Pool p = FineGrainedSplit.read(MINI.resolve("Annotations/Flickr30K_FG_ann.json"), POOL,
                BoxAnnotations::keyOf);
        assertEquals(List.of("101", "102", "103"), p.originals().stream().map(RetrievalImage::image).toList());
        assertEquals(List.of("a large dog on a sofa", "a brown dog lies on a couch"), p.originals().get(1).captions());
        assertEquals(List.of("000000000011.jpg", "000000000012.jpg", "000000000013.jpg", "000000000014.jpg"),
                p.distractors());
        assertEquals(3, p.originalsListed());
    }

    @Test
    void anOriginalTheListDoesNotNameIsCounted() throws IOException {
        Path ann = write("{\"101\": [\"a\"], \"999\": [\"b\"]}");
        FineGrainedSplit.Pool p = FineGrainedSplit.read(ann, POOL, BoxAnnotations::keyOf);
        assertEquals(1, p.originalsListed());
        assertEquals(2, p.originals().size());
        assertTrue(p.distractors().contains("102.jpg"), "an unannotated image of the list is a distractor");
    }

    @Test
    void badCaptionFilesAreRefusedNamingTheImage() throws IOException {
        assertProblem(write("{\"101\": []}"), "image 101: no captions");
        assertProblem(write("{\"101\": [\"a\", 3]}"), "image 101: caption 1 must be a string");
        assertProblem(write("{\"101\": \"a\"}"), "image 101: expected a JSON array");
        assertProblem(write("{\"../etc/101\": [\"a\"]}"), "'../etc/101' is not a file name");
        assertProblem(write("{}"), "no images");
        assertProblem(write("[1]"), "expected a JSON object");
    }

    @Test
    void poolEntriesNamingTheSameImageAreRefused() throws IOException {
        Path ann = write("{\"101\": [\"a\"]}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FineGrainedSplit.read(ann, POOL, name -> "same"));
        assertTrue(e.getMessage().contains("entries 0 '000000000011.jpg' and 1 '103.jpg' are the same image"),
                e.getMessage());
    }

    private Path write(String json) throws IOException {
        return Files.writeString(dir.resolve("ann.json"), json);
    }

    private static void assertProblem(Path ann, String problem) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FineGrainedSplit.read(ann, POOL, BoxAnnotations::keyOf));
        assertTrue(e.getMessage().startsWith(ann.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(problem), e.getMessage());
    }
}
