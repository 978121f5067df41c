package org.qpert.loaders.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each dataset and box format, written small by the test, valid and malformed. */
class DatasetReadersTest {

    @TempDir
    Path dir;

    Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        return file;
    }

    private static List<Double> coordinates(LabeledBox b) {
        return List.of(b.x0(), b.y0(), b.x1(), b.y1());
    }

    static void assertMessage(IllegalArgumentException e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "\"" + part + "\" missing from: " + e.getMessage());
        }
    }

    @Test
    void lavisKarpathyTestFile() throws IOException {
        Path file = write("flickr30k_test.json", """
                [{"image": "flickr30k-images/1007129816.jpg", "caption": ["A man.", "A hat."]},
                 {"image": "flickr30k-images/1009434119.jpg", "caption": ["A dog.", "Grass.", "Running."]}]""");
        RetrievalSplit split = KarpathySplit.read(file);
        assertEquals(2, split.images().size());
        assertEquals(List.of("A man.", "A hat.", "A dog.", "Grass.", "Running."), split.texts());
        assertEquals(1, split.imageOfText(3));
        assertArrayEquals(new int[]{2, 3, 4}, split.textsOfImage(1));
        assertEquals(dir.resolve("img/flickr30k-images/1007129816.jpg"), split.imagePaths(dir.resolve("img")).get(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> split.checkImagesExist(dir.resolve("img")));
        assertMessage(e, "image file not found", "1007129816.jpg");
    }

    @Test
    void lavisTrainingStyleEntriesAreMergedPerImage() throws IOException {
        Path file = write("coco_train.json", """
                [{"image": "val2014/a.jpg", "caption": "one", "image_id": "a"},
                 {"image": "val2014/b.jpg", "caption": "two"},
                 {"image": "val2014/a.jpg", "caption": "three"}]""");
        RetrievalSplit split = KarpathySplit.read(file);
        assertEquals(List.of("one", "three"), split.images().get(0).captions());
        assertEquals(List.of("one", "three", "two"), split.texts());
    }

    @Test
    void karpathyDatasetFileKeepsOneSplit() throws IOException {
        Path file = write("dataset_coco.json", """
                {"images": [
                  {"filepath": "val2014", "filename": "x.jpg", "split": "test", "sentences": [{"raw": "X."}]},
                  {"filepath": "val2014", "filename": "y.jpg", "split": "train", "sentences": [{"raw": "Y."}]},
                  {"filename": "z.jpg", "split": "test", "sentences": [{"raw": "Z1"}, {"raw": "Z2"}]}]}""");
        RetrievalSplit test = KarpathySplit.read(file);
        assertEquals(List.of("val2014/x.jpg", "z.jpg"), test.images().stream().map(RetrievalImage::image).toList());
        assertEquals(List.of("Y."), KarpathySplit.read(file, "train").texts());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KarpathySplit.read(file, "val"));
        assertMessage(e, "dataset_coco.json", "no images in split val");
    }

    @Test
    void malformedKarpathyFiles() throws IOException {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KarpathySplit.read(dir.resolve("absent.json")));
        assertMessage(e, "file not found", "absent.json");
        Path broken = write("broken.json", "[{\"image\": ");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> KarpathySplit.read(broken)),
                "broken.json", "invalid JSON");
        // Issue 22 item 7: a truncated boxes file names file, place and problem, never a Java exception class
        Path truncated = write("truncated.json", "{\"images\": {\"a.jpg\": {\"width\": 10,");
        IllegalArgumentException cut = assertThrows(IllegalArgumentException.class,
                () -> QpertBoxes.read(truncated, BoxPolicy.BOX));
        assertMessage(cut, "truncated.json: invalid JSON: the text ends early", "line 1 column");
        assertFalse(cut.getMessage().contains("Exception") || cut.getMessage().contains("java."), cut.getMessage());
        Path unterminated = write("unterminated.json", "{\"images\": {\"a.jpg\" 3}}");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> QpertBoxes.read(unterminated, BoxPolicy.BOX));
        assertMessage(bad, "unterminated.json: invalid JSON: ", "line 1 column");
        assertFalse(bad.getMessage().contains("Exception") || bad.getMessage().contains("http"), bad.getMessage());
        Path binary = dir.resolve("binary.json");
        Files.write(binary, new byte[] {'{', '"', (byte) 0xff, (byte) 0xfe, '"', '}'});
        assertMessage(assertThrows(IllegalArgumentException.class, () -> QpertBoxes.read(binary, BoxPolicy.BOX)),
                "binary.json: not UTF-8 text (byte 2 of 6");
        Path noImage = write("noimage.json", "[{\"caption\": [\"a\"]}]");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> KarpathySplit.read(noImage)),
                "noimage.json", "entry 0", "\"image\" must be a string");
        Path badCaption = write("badcaption.json", "[{\"image\": \"a.jpg\", \"caption\": [1]}]");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> KarpathySplit.read(badCaption)),
                "badcaption.json", "caption 0");
    }

    Path flickrRoot() throws IOException {
        write("f30k/Annotations/100.xml", """
                <annotation>
                  <filename>100.jpg</filename>
                  <size><width>500</width><height>375</height><depth>3</depth></size>
                  <object><name>11</name><bndbox><xmin>1</xmin><ymin>21</ymin><xmax>100</xmax><ymax>375</ymax></bndbox></object>
                  <object><name>99</name><bndbox><xmin>5</xmin><ymin>5</ymin><xmax>10</xmax><ymax>10</ymax></bndbox></object>
                  <object><name>98</name><name>12</name><bndbox><xmin>201</xmin><ymin>1</ymin><xmax>500</xmax><ymax>50</ymax></bndbox></object>
                  <object><name>13</name><nobndbox>1</nobndbox></object>
                  <object><name>14</name><scene>1</scene></object>
                </annotation>""");
        write("f30k/Sentences/100.txt", """
                [/EN#11/people A man] in [/EN#12/clothing a red hat] walks through [/EN#14/scene a park] .
                [/EN#11/people Someone] outside [/EN#13/notvisual today] .
                """);
        write("f30k/Annotations/200.xml", """
                <annotation><size><width>300</width><height>200</height></size>
                  <object><name>7</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>3</xmax><ymax>3</ymax></bndbox></object>
                </annotation>""");
        write("f30k/Sentences/200.txt", "[/EN#8/animals A cat] .\n");
        return dir.resolve("f30k");
    }

    @Test
    void flickr30kEntitiesKeepsMentionedBoxesShiftedByMinusOne() throws IOException {
        BoxAnnotations boxes = Flickr30kEntities.readAll(flickrRoot(), BoxPolicy.STRICT);
        assertEquals(2, boxes.size());
        ImageBoxes image = boxes.find("flickr30k-images/100.jpg").orElseThrow();
        assertEquals(500, image.width());
        assertEquals(375, image.height());
        assertEquals(List.of(new LabeledBox(0, 20, 99, 374, "11", Double.NaN),
                new LabeledBox(200, 0, 499, 49, "12", Double.NaN)), image.boxes());
        assertTrue(boxes.find("200.jpg").orElseThrow().boxes().isEmpty(), "annotated, no mentioned boxes");
        assertFalse(Flickr30kEntities.read(flickrRoot(), List.of("300.jpg"), BoxPolicy.STRICT).find("300").isPresent());
    }

    @Test
    void malformedFlickr30kEntities() throws IOException {
        Path root = flickrRoot();
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> Flickr30kEntities.readAll(dir.resolve("nowhere"), BoxPolicy.STRICT)), "folder not found", "nowhere");
        Files.delete(root.resolve("Sentences/200.txt"));
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> Flickr30kEntities.read(root, List.of("200"), BoxPolicy.STRICT)), "sentence file not found", "200.txt");
        write("f30k/Annotations/300.xml", "<annotation><size><width>10</width></size></annotation>");
        write("f30k/Sentences/300.txt", "");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> Flickr30kEntities.read(root, List.of("300"), BoxPolicy.STRICT)), "300.xml", "missing <height>");
        write("f30k/Annotations/350.xml", "<annotation><size><width>-4</width><height>9</height></size></annotation>");
        write("f30k/Sentences/350.txt", "");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> Flickr30kEntities.read(root, List.of("350"), BoxPolicy.STRICT)), "350.xml", "positive size");
        write("f30k/Annotations/400.xml", "<annotation><size>");
        write("f30k/Sentences/400.txt", "");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> Flickr30kEntities.read(root, List.of("400"), BoxPolicy.STRICT)), "400.xml", "invalid XML");
        write("f30k/Annotations/500.xml", """
                <annotation><size><width>10</width><height>10</height></size>
                  <object><name>1</name><bndbox><xmin>5</xmin><ymin>1</ymin><xmax>30</xmax><ymax>4</ymax></bndbox></object>
                </annotation>""");
        write("f30k/Sentences/500.txt", "[/EN#1/other x]");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> Flickr30kEntities.read(root, List.of("500"), BoxPolicy.STRICT)), "500.xml", "box 0", "outside the image");
        ImageBoxes clipped = Flickr30kEntities.read(root, List.of("500"), BoxPolicy.CLIP).find("500").orElseThrow();
        assertEquals(10, clipped.boxes().get(0).x1());
    }

    @Test
    void cocoInstancesConvertXywhAndLabelCategories() throws IOException {
        Path file = write("instances_val2014.json", """
                {"images": [{"id": 42, "file_name": "COCO_val2014_000000000042.jpg", "width": 640, "height": 480},
                            {"id": 7, "file_name": "COCO_val2014_000000000007.jpg", "width": 100, "height": 100}],
                 "annotations": [{"id": 1, "image_id": 42, "bbox": [10.5, 20, 100, 50.25], "category_id": 18},
                                 {"id": 2, "image_id": 42, "bbox": [0, 0, 640, 480], "category_id": 1, "iscrowd": 1}],
                 "categories": [{"id": 1, "name": "person"}, {"id": 18, "name": "dog"}]}""");
        BoxAnnotations boxes = CocoInstances.read(file, BoxPolicy.STRICT);
        ImageBoxes image = boxes.find("val2014/COCO_val2014_000000000042.jpg").orElseThrow();
        assertEquals(new LabeledBox(10.5, 20, 110.5, 70.25, "dog", Double.NaN), image.boxes().get(0));
        assertEquals("person", image.boxes().get(1).label());
        assertTrue(boxes.find("COCO_val2014_000000000007").orElseThrow().boxes().isEmpty());
    }

    @Test
    void malformedCocoInstances() throws IOException {
        Path negative = write("neg.json", """
                {"images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}],
                 "annotations": [{"image_id": 1, "bbox": [1, 1, -2, 3]}]}""");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> CocoInstances.read(negative, BoxPolicy.CLIP)),
                "neg.json", "annotations[0]", "negative size");
        Path orphan = write("orphan.json", """
                {"images": [], "annotations": [{"image_id": 5, "bbox": [1, 1, 2, 3]}]}""");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> CocoInstances.read(orphan, BoxPolicy.STRICT)),
                "orphan.json", "image_id 5");
        Path outside = write("outside.json", """
                {"images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}],
                 "annotations": [{"image_id": 1, "bbox": [8, 8, 5, 1]}]}""");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> CocoInstances.read(outside, BoxPolicy.STRICT)),
                "outside.json", "a.jpg", "outside the image");
        Path noSize = write("nosize.json", """
                {"images": [{"id": 1, "file_name": "a.jpg", "width": 0, "height": 10}], "annotations": []}""");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> CocoInstances.read(noSize, BoxPolicy.STRICT)),
                "nosize.json", "\"width\" must be a positive integer");
    }

    @Test
    void qpertBoxesRoundTrip() throws IOException {
        Path file = write("boxes.json", """
                {"images": {
                  "flickr30k-images/1000092795.jpg": {"width": 333, "height": 500,
                     "boxes": [{"box": [0, 10.5, 100, 200], "label": "man", "score": 0.93}, {"box": [5, 5, 6, 6]}]},
                  "1001773457.jpg": {"width": 500, "height": 375, "boxes": []}}}""");
        BoxAnnotations boxes = QpertBoxes.read(file, BoxPolicy.STRICT);
        ImageBoxes first = boxes.find("1000092795.png").orElseThrow();
        assertEquals(new LabeledBox(0, 10.5, 100, 200, "man", 0.93), first.boxes().get(0));
        LabeledBox plain = first.boxes().get(1);
        assertNull(plain.label());
        assertFalse(plain.hasScore());
        Path copy = dir.resolve("copy.json");
        QpertBoxes.write(boxes, copy);
        BoxAnnotations again = QpertBoxes.read(copy, BoxPolicy.STRICT);
        assertEquals(boxes.byKey(), again.byKey());
    }

    @Test
    void detectorOutputIsValidatedAndWritable() throws IOException {
        ImageBoxes detected = new ImageBoxes("x.jpg", 100, 50,
                List.of(new LabeledBox(10, 5, 60, 45, "dog", 0.81)));
        Path file = dir.resolve("detected.json");
        QpertBoxes.write(QpertBoxes.of(List.of(detected)), file);
        assertEquals(detected, QpertBoxes.read(file, BoxPolicy.STRICT).find("x").orElseThrow());
        ImageBoxes bad = new ImageBoxes("y.jpg", 100, 50, List.of(LabeledBox.of(10, 5, 60, 51)));
        assertMessage(assertThrows(IllegalArgumentException.class, () -> QpertBoxes.of(List.of(bad))),
                "y.jpg", "outside the image");
    }

    @Test
    void malformedQpertBoxes() throws IOException {
        Path outside = write("outside.json", """
                {"images": {"a.jpg": {"width": 10, "height": 10, "boxes": [{"box": [0, 0, 5, 5]}, {"box": [-3, 0, 5, 5]}]}}}""");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> QpertBoxes.read(outside, BoxPolicy.STRICT)),
                "outside.json", "image a.jpg", "box 1", "outside the image");
        Path inverted = write("inverted.json", """
                {"images": {"a.jpg": {"width": 10, "height": 10, "boxes": [{"box": [5, 0, 2, 5]}]}}}""");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> QpertBoxes.read(inverted, BoxPolicy.STRICT)),
                "inverted.json", "image a.jpg", "box 0", "is inverted");
        // BOX, the policy of --boxes files: the core Box rule, as --box, the API and the Spark manifest apply it
        assertMessage(assertThrows(IllegalArgumentException.class, () -> QpertBoxes.read(inverted, BoxPolicy.BOX)),
                "inverted.json", "image a.jpg", "box 0", "is inverted");
        assertEquals(List.of(0.0, 0.0, 5.0, 5.0), coordinates(QpertBoxes.read(outside, BoxPolicy.BOX)
                .find("a").orElseThrow().boxes().get(1)), "BOX clips a box reaching beyond the image");
        Path beyond = write("beyond.json", """
                {"images": {"a.jpg": {"width": 10, "height": 10, "boxes": [{"box": [12, 0, 15, 5]}]}}}""");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> QpertBoxes.read(beyond, BoxPolicy.BOX)),
                "beyond.json", "image a.jpg", "box 0", "outside the image");
        assertTrue(QpertBoxes.read(inverted, BoxPolicy.CLIP).find("a").orElseThrow().boxes().isEmpty(),
                "CLIP (third-party annotations) drops a box without area");
        Path three = write("three.json", """
                {"images": {"a.jpg": {"width": 10, "height": 10, "boxes": [{"box": [0, 0, 5]}]}}}""");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> QpertBoxes.read(three, BoxPolicy.STRICT)),
                "three.json", "[x0, y0, x1, y1]");
        Path duplicate = write("dup.json", """
                {"images": {"x/a.jpg": {"width": 1, "height": 1, "boxes": []},
                            "y/a.png": {"width": 1, "height": 1, "boxes": []}}}""");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> QpertBoxes.read(duplicate, BoxPolicy.STRICT)),
                "dup.json", "same name a");
        Path noBoxes = write("noboxes.json", "{\"images\": {\"a.jpg\": {\"width\": 1, \"height\": 1}}}");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> QpertBoxes.read(noBoxes, BoxPolicy.STRICT)),
                "noboxes.json", "\"boxes\"");
    }
}
