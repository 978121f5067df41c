package org.qpert.api;

import org.qpert.core.model.blip2.ImageContext;
import org.qpert.family.ModelBundle;
import org.qpert.family.blip2.Blip2Family;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.core.model.QueryPerturbation;
import org.qpert.core.model.blip2.Blip2Retrieval;
import org.qpert.core.qpert.Box;
import org.qpert.core.qpert.Perturbation;
import org.qpert.loaders.image.ClipImageProcessor;
import org.qpert.loaders.image.ImageDecoder;

/** The facade on the tiny parity model: same numbers as the parts it wires together, clear errors. */
class QPertTest {
    static final Path TINY = Path.of("../testdata/parity/tiny-blip2");
    static final List<String> WORDS = List.of("a", "red", "ball", "on", "the", "table", "small", "dog", "blue", "cat");

    @TempDir
    static Path dir;
    static Path model;
    static Path photo;
    static QPert qpert;

    @BeforeAll
    static void setUp() throws IOException {
        model = Files.createDirectories(dir.resolve("model"));
        writeTinyModel(model);
        BufferedImage img = new BufferedImage(120, 90, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 120, 90);
        g.setColor(Color.RED);
        g.fillOval(70, 10, 30, 30);
        g.dispose();
        photo = dir.resolve("photo.png");
        ImageIO.write(img, "png", photo.toFile());
        qpert = QPert.builder().model(model).build();
    }

    /** The tiny parity model with a vocabulary of its 100 ids: special tokens first, then words, then fillers. */
    static void writeTinyModel(Path model) throws IOException {
        Files.copy(TINY.resolve("config.json"), model.resolve("config.json"));
        Files.copy(TINY.resolve("model.safetensors"), model.resolve("model.safetensors"));
        StringBuilder vocab = new StringBuilder("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n");
        WORDS.forEach(w -> vocab.append(w).append('\n'));
        for (int i = 5 + WORDS.size(); i < 100; i++) {
            vocab.append("##x").append(i).append('\n');
        }
        Files.writeString(model.resolve("vocab.txt"), vocab);
    }

    @AfterAll
    static void tearDown() {
        qpert.close();
    }

    @Test
    void imageWithoutBoxesIsPlainBlip2() {
        ImageEmbedding e = qpert.embedImage(photo);
        Blip2Retrieval m = blip2(qpert);
        float[] pixels = new ClipImageProcessor(56).pixelValues(new ImageDecoder().decode(photo));
        float[] expected = m.imageFeatures(m.encodeImage(pixels), QueryPerturbation.NONE);
        assertArrayEquals(expected, e.features(), 0f);
        assertEquals(90, e.height());
        assertEquals(120, e.width());
        assertEquals(8, e.queries());
        assertEquals(24, e.dim());
    }

    @Test
    void boxesPerturbTheFeaturesAndItmUsesTheSameP() {
        List<Box> ball = List.of(new Box(70, 10, 100, 40));
        ImageEmbedding perturbed = qpert.embedImage(photo, ball);
        ImageEmbedding plain = qpert.embedImage(new ImageDecoder().decode(photo), ball, Perturbation.none());
        assertFalse(Arrays.equals(perturbed.features(), plain.features()));
        float[] viaFacade = qpert.itmLogits(perturbed, "a red ball");
        var enc = qpert.encode("a red ball");
        assertArrayEquals(blip2(qpert).itmLogits((ImageContext) perturbed.encoded().image(),
                perturbed.encoded().perturbation(), enc.ids(), enc.attentionMask()), viaFacade, 0f);
        assertFalse(Arrays.equals(viaFacade, qpert.itmLogits(plain, "a red ball")));
        assertEquals(viaFacade[1], qpert.itm(perturbed, "a red ball"), 0f);
    }

    @Test
    void itcIsTheBestQueryCosine() {
        ImageEmbedding img = qpert.embedImage(photo);
        TextEmbedding txt = qpert.embedText("A red ball on the table!");
        assertArrayEquals(new int[] {2, 5, 6, 7, 8, 9, 10, 3}, txt.ids()); // LAVIS cleaning: lowercase, punctuation gone
        float best = Float.NEGATIVE_INFINITY;
        for (int q = 0; q < img.queries(); q++) {
            float s = 0;
            float[] f = img.query(q);
            for (int k = 0; k < f.length; k++) {
                s += f[k] * txt.feature()[k];
            }
            best = Math.max(best, s);
        }
        assertEquals(best, qpert.itc(img, txt), 1e-6f);
    }

    @Test
    void concurrentCallsGiveTheSequentialResults() {
        List<String> captions = List.of("a red ball", "a small dog", "the blue cat", "a ball on the table");
        float[][] sequential = captions.stream().map(c -> qpert.embedText(c).feature()).toArray(float[][]::new);
        float[][] parallel = new float[captions.size()][];
        IntStream.range(0, 64).parallel().forEach(i -> parallel[i % 4] = qpert.embedText(captions.get(i % 4)).feature());
        for (int i = 0; i < captions.size(); i++) {
            assertArrayEquals(sequential[i], parallel[i], 0f);
        }
    }

    @Test
    void longCaptionsAreCutToMaxTokensEndingWithSep() {
        String longCaption = String.join(" ", java.util.Collections.nCopies(60, "ball"));
        var e = qpert.encode(longCaption);
        assertEquals(Blip2Family.MAX_TOKENS, e.length());
        assertEquals(3, e.ids()[e.length() - 1]);
    }

    @Test
    void badInputsGetClearErrors() throws IOException {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> qpert.embedText("  ")).getMessage()
                .contains("empty caption"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> qpert.embedText("!!! ...")).getMessage()
                .contains("no tokens"));
        Path corrupt = dir.resolve("corrupt.png");
        Files.write(corrupt, new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        Exception e = assertThrows(RuntimeException.class, () -> qpert.embedImage(corrupt));
        assertTrue(e.getMessage().contains("corrupt.png"), e.getMessage());
        // A box reaching past the border is clipped (Box#clipTo); one with no area inside the image is refused.
        assertEquals(8 * 24, qpert.embedImage(photo, List.of(new Box(100, 10, 200, 40))).features().length);
        Exception outside = assertThrows(IllegalArgumentException.class,
                () -> qpert.embedImage(photo, List.of(new Box(130, 10, 200, 40))));
        assertTrue(outside.getMessage().toLowerCase().contains("outside"), outside.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> QPert.builder().model(dir.resolve("nope"))
                .build()).getMessage().contains("nope is neither a folder nor a Hub id"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> QPert.builder().model(model).device("tpu")
                .build()).getMessage().contains("device tpu is not known"));
    }

    /** The BLIP-2 model under the facade, to compare the facade with the model's own passes. */
    private static Blip2Retrieval blip2(QPert qpert) {
        return (Blip2Retrieval) ((ModelBundle<?>) qpert.model()).model();
    }
}
