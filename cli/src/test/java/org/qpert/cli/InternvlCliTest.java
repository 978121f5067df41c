package org.qpert.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.api.QPert;
import org.qpert.engine.DemoModel;
import org.qpert.loaders.store.EmbeddingStore;
import org.qpert.loaders.synthetic.SyntheticDataset;
import picocli.CommandLine;

/**
 * The same commands on tiny-internvl as on the other families, no family flag: embed keeps one vector per image and
 * no Z and records the variant (InternVL-G by default for the Hub's InternVLModel folder), search ranks by ITC alone,
 * a store of one variant is refused by the other with a one-line error naming both, {@code --variant C} and the
 * builder's {@code variant("C")} load InternVL-C, a variant for a one-model family is refused, and eval reports ITC
 * metrics with the captions through "summarize:" + SentencePiece.
 */
class InternvlCliTest {
    static final Path MODEL = Path.of("../testdata/parity/tiny-internvl");
    @TempDir
    static Path work;
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
    static void dataset() throws Exception {
        data = work.resolve("data");
        SyntheticDataset.write(data, SyntheticDataset.Layout.FLICKR30K, 6, 0, 5);
    }

    @Test
    void embedSearchAndEvalWithBothVariants() throws Exception {
        Path images = data.resolve(SyntheticDataset.Layout.FLICKR30K.imageDir);
        Path g = work.resolve("store-g");
        Result embed = run("embed", "--images", images.toString(), "--model", MODEL.toString(), "--store",
                g.toString());
        assertEquals(0, embed.status(), embed.err());
        try (EmbeddingStore s = EmbeddingStore.openExisting(g)) {
            assertEquals(List.of("itc", "itc_qpert"), s.spec().fieldNames(), "no Z for a model without ITM");
            assertEquals("internvl", s.spec().settings().get("family"));
            assertEquals("InternVL-G", s.spec().settings().get("model_variant"));
        }
        Result search = run("search", "--text", "a small red circle", "--store", g.toString(), "--model",
                MODEL.toString(), "--top", "3");
        assertEquals(0, search.status(), search.err());
        assertTrue(search.out().contains("rank    ITC  result"), "ITC only: " + search.out());

        Result asC = run("search", "--text", "a small red circle", "--store", g.toString(), "--model",
                MODEL.toString(), "--variant", "C");
        assertEquals(2, asC.status());
        assertTrue(asC.err().contains("holds InternVL-G embeddings and this model is InternVL-C"), asC.err());
        assertEquals(1, asC.err().strip().lines().count(), asC.err());

        Path c = work.resolve("store-c");
        Result embedC = run("embed", "--images", images.toString(), "--model", MODEL.toString(), "--store",
                c.toString(), "--variant", "c");
        assertEquals(0, embedC.status(), embedC.err());
        try (EmbeddingStore s = EmbeddingStore.openExisting(c)) {
            assertEquals("InternVL-C", s.spec().settings().get("model_variant"));
        }

        Path report = work.resolve("report.json");
        Result eval = run("eval", "--dataset", "flickr30k", "--root", data.toString(), "--model", MODEL.toString(),
                "--store", work.resolve("eval-store").toString(), "--report", report.toString());
        assertEquals(0, eval.status(), eval.err());
        assertTrue(eval.out().contains("ITC only"), eval.out());
        assertTrue(Files.size(report) > 0);
    }

    @Test
    void theBuilderTakesTheVariantAndAOneModelFamilyRefusesIt() throws Exception {
        try (QPert c = QPert.builder().model(MODEL).variant("InternVL-C").build()) {
            assertEquals("InternVL-C", c.card().title());
            assertEquals(1, c.card().sites().size(), "InternVL-C perturbs its pooling block only");
        }
        try (QPert g = QPert.builder().model(MODEL).build()) {
            assertEquals("InternVL-G", g.card().title());
        }
        Path blip2 = DemoModel.extract(work.resolve("blip2"));
        Result r = run("search", "--text", "a cat", "--store", work.resolve("none").toString(), "--model",
                blip2.toString(), "--variant", "G");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("holds one model: variant 'G' does not apply"), r.err());
        Result bad = run("embed", "--images", data.toString(), "--model", MODEL.toString(), "--store",
                work.resolve("x").toString(), "--variant", "H");
        assertEquals(2, bad.status());
        assertTrue(bad.err().contains("InternVL variant 'H' is neither C (InternVL-C) nor G"), bad.err());
    }
}
