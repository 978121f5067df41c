package org.qpert.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.engine.DemoModel;
import org.qpert.loaders.store.EmbeddingStore;
import org.qpert.loaders.synthetic.SyntheticDataset;
import picocli.CommandLine;

/**
 * The same commands on a CoCa folder as on BLIP-2's, no family flag: embed keeps one vector per image and no Z, search
 * ranks by ITC alone (and says so), asking for ITM is a one-line error naming why, eval reports ITC metrics, the
 * Lucene index in exact mode prints what the in-memory search prints, and a BLIP-2 store is refused.
 */
class CocaCliTest {
    @TempDir
    static Path work;
    static Path coca;
    static Path blip2;
    static Path data;

    record Result(int status, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int status = cl.execute(args);
        return new Result(status, out.toString(), err.toString());
    }

    @BeforeAll
    static void models() throws Exception {
        coca = DemoModel.extractCoca(work.resolve("coca"));
        blip2 = DemoModel.extract(work.resolve("blip2"));
        data = work.resolve("data");
        SyntheticDataset.write(data, SyntheticDataset.Layout.FLICKR30K, 6, 0, 5);
    }

    @Test
    void embedSearchEvalAndIndexOnCoca() throws Exception {
        Path store = work.resolve("store");
        Path images = data.resolve(SyntheticDataset.Layout.FLICKR30K.imageDir);
        Result embed = run("embed", "--images", images.toString(), "--model", coca.toString(), "--store",
                store.toString());
        assertEquals(0, embed.status(), embed.err());
        try (EmbeddingStore s = EmbeddingStore.openExisting(store)) {
            assertEquals(List.of("itc", "itc_qpert"), s.spec().fieldNames(), "no Z for a model without ITM");
            assertEquals(1, s.spec().shape("itc")[0]);
            assertEquals("coca", s.spec().settings().get("family"));
        }
        Result search = run("search", "--text", "a small red circle", "--store", store.toString(), "--model",
                coca.toString(), "--top", "3");
        assertEquals(0, search.status(), search.err());
        assertTrue(search.out().contains("rank    ITC  result"), "ITC only, said in the header: " + search.out());
        Result itm = run("search", "--text", "a small red circle", "--store", store.toString(), "--model",
                coca.toString(), "--itm-k", "4");
        assertEquals(2, itm.status());
        assertTrue(itm.err().startsWith("qpert search: a coca model has no pair scorer (ITM)"), itm.err());
        assertEquals(1, itm.err().strip().lines().count());

        Result index = run("index", store.toString());
        assertEquals(0, index.status(), index.err());
        Result exact = run("search", "--text", "a small red circle", "--store", store.toString(), "--model",
                coca.toString(), "--top", "3", "--index", "exact");
        assertEquals(0, exact.status(), exact.err());
        assertEquals(search.out(), exact.out(), "the index in exact mode ranks as the in-memory ITC");

        Result fromBlip2 = run("search", "--text", "a small red circle", "--store", store.toString(), "--model",
                blip2.toString());
        assertEquals(2, fromBlip2.status());
        assertTrue(fromBlip2.err().contains("holds coca embeddings and this model is blip-2"), fromBlip2.err());

        Path report = work.resolve("report.json");
        Result eval = run("eval", "--dataset", "flickr30k", "--root", data.toString(), "--model", coca.toString(),
                "--store", work.resolve("eval-store").toString(), "--report", report.toString());
        assertEquals(0, eval.status(), eval.err());
        assertTrue(eval.out().contains("ITC only"), eval.out());
        assertTrue(eval.out().contains("## CoCa + Q-Perturbation"), eval.out());
        assertFalse(Files.readString(report).isEmpty());
    }

    @Test
    void tokenizeUsesOpenClipsTokenizer() {
        TokenizeCommand command = new TokenizeCommand();
        command.input = new java.io.ByteArrayInputStream(
                "a photo of a cat\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        StringWriter out = new StringWriter();
        int rc = new CommandLine(command).setOut(new PrintWriter(out)).execute("--model", coca.toString());
        assertEquals(0, rc);
        // tiny-coca's tokenizer_cases.json: open_clip's ids of "a photo of a cat"
        assertEquals("[49406, 320, 1125, 539, 320, 2368, 49407]", out.toString().strip());
    }

    /** preprocess --model: the family's own stages; tiny-coca's e2e pixels (open_clip's transform at 56) exactly. */
    @Test
    void preprocessUsesTheModelsOwnTransform() throws Exception {
        Path model = work.resolve("tiny-coca");
        Files.createDirectories(model);
        Path fixture = Path.of("../testdata/parity/tiny-coca");
        Files.copy(fixture.resolve("open_clip_config.json"), model.resolve("open_clip_config.json"));
        Files.copy(fixture.resolve("model.safetensors"), model.resolve("model.safetensors"));
        Path out = work.resolve("pre.safetensors");
        List<String> names = List.of("gray_300x200", "palette_120x90", "rgb_1000x200");
        List<String> args = new java.util.ArrayList<>(List.of("preprocess", "--model", model.toString(), "--out",
                out.toString()));
        names.forEach(n -> args.add("../testdata/parity/inputs/images/" + n + ".png"));
        Result r = run(args.toArray(String[]::new));
        assertEquals(0, r.status(), r.err());
        try (org.qpert.loaders.safetensors.SafetensorsFile got = org.qpert.loaders.safetensors.SafetensorsFile.open(out);
             org.qpert.loaders.safetensors.SafetensorsFile ref = org.qpert.loaders.safetensors.SafetensorsFile.open(
                     fixture.resolve("activations.safetensors"))) {
            for (String n : names) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(ref.readFloats("e2e/" + n + "/pixel_values"),
                        got.readFloats("pixel_values/56/" + n), 0f, n);
                assertEquals(56 * 56 * 3, got.readBytes("resized_u8/56/" + n).length);
            }
        }
    }
}
