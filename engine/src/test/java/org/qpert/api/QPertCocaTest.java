package org.qpert.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.core.model.ModelCard;
import org.qpert.core.qpert.Box;
import org.qpert.core.qpert.Perturbation;
import org.qpert.engine.DemoModel;
import org.qpert.loaders.image.ImageDecoder;
import org.qpert.loaders.safetensors.SafetensorsFile;

/**
 * The facade on a CoCa folder, found by its files with no family named: tiny-coca's image files end to end (open_clip's
 * preprocessing + the model) against PyTorch's features within 1e-5; the bundled demo CoCa (the real tokenizer's
 * vocabulary) for captions, boxes and the card; ITM refused, saying why.
 */
class QPertCocaTest {
    static final Path FIXTURE = Path.of("../testdata/parity/tiny-coca");
    static final Path IMAGES = Path.of("../testdata/parity/inputs/images");

    @Test
    void imageFilesEndToEndAsOpenClip(@TempDir Path dir) throws IOException {
        // the fixture folder as a user has it: open_clip_config.json + model.safetensors
        Files.copy(FIXTURE.resolve("open_clip_config.json"), dir.resolve("open_clip_config.json"));
        Files.copy(FIXTURE.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        try (QPert qpert = QPert.builder().model(dir).perturbation(Perturbation.none()).build();
             SafetensorsFile ref = SafetensorsFile.open(FIXTURE.resolve("activations.safetensors"))) {
            assertEquals("coca", qpert.card().family());
            for (String name : List.of("gray_300x200", "palette_120x90", "rgb_1000x200")) {
                ImageEmbedding e = qpert.embedImage(IMAGES.resolve(name + ".png"), List.of());
                float[] want = ref.readFloats("e2e/" + name + "/image_features");
                float max = 0;
                for (float v : want) {
                    max = Math.max(max, Math.abs(v));
                }
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], e.features()[i], 1e-5 * max, name + "[" + i + "]");
                }
            }
        }
    }

    @Test
    void theDemoCocaThroughTheFacade(@TempDir Path dir) throws IOException {
        Path model = DemoModel.extractCoca(dir.resolve("coca"));
        try (QPert qpert = QPert.builder().model(model).build()) {
            ModelCard card = qpert.card();
            assertEquals(ModelCard.Similarity.SINGLE_VECTOR, card.similarity());
            assertFalse(card.pairScorer());
            assertEquals(1, card.sites().size());
            assertEquals(4, card.sites().get(0).heads());
            Path photo = IMAGES.resolve("rgb_500x375.png");
            ImageEmbedding plain = qpert.embedImage(new ImageDecoder().decode(photo), List.of(), Perturbation.none());
            ImageEmbedding boxed = qpert.embedImage(photo, List.of(new Box(120, 60, 300, 250)));
            assertEquals(1, plain.queries());
            assertEquals(32, plain.dim());
            assertFalse(java.util.Arrays.equals(plain.features(), boxed.features()), "a box inside the crop perturbs");
            // a box in the band the centre crop cuts away covers no token: the image stays as it was
            ImageEmbedding cropped = qpert.embedImage(photo, List.of(new Box(0, 0, 40, 375)));
            assertArrayEquals(plain.features(), cropped.features(), 0f);
            TextEmbedding text = qpert.embedText("a small red ball under the table");
            assertEquals(49406, text.ids()[0]);
            assertEquals(49407, text.ids()[text.ids().length - 1]);
            float cos = 0;
            for (int k = 0; k < 32; k++) {
                cos += plain.features()[k] * text.feature()[k];
            }
            assertEquals(cos, qpert.itc(plain, text), 1e-6f);
            UnsupportedOperationException noItm = assertThrows(UnsupportedOperationException.class,
                    () -> qpert.itm(plain, "a ball"));
            assertTrue(noItm.getMessage().contains("coca model has no pair scorer"), noItm.getMessage());
            assertThrows(IllegalArgumentException.class, () -> qpert.embedText("   "));
        }
    }
}
