package org.qpert.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.qpert.core.qpert.Box;
import org.qpert.engine.Rerank;
import org.qpert.engine.RetrievalEngine;
import org.qpert.engine.Searcher;
import org.qpert.engine.StoredImage;
import org.qpert.index.LuceneItc;
import org.qpert.loaders.store.EmbeddingStore;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code qpert search}: a text against a store of images, or an image against a list of captions. */
@Command(name = "search", mixinStandardHelpOptions = true,
        description = {"Search with one query and print the best results with their scores.",
                "--text searches the images of a store made by 'qpert embed' (use the same model and perturbation "
                        + "flags); --image searches the captions of --captions."})
public final class SearchCommand implements Callable<Integer> {
    private static final int DEFAULT_ITM_K = 16;

    static final class Query {
        @Option(names = "--text", required = true, paramLabel = "TEXT", description = "A caption to search images "
                + "with (needs --store).")
        String text;

        @Option(names = "--image", required = true, paramLabel = "FILE", description = "An image to search captions "
                + "with (needs --captions).")
        Path image;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Query query;

    @Mixin
    ModelOption model;

    @Option(names = "--store", paramLabel = "DIR", description = "Embedding store to search (for --text).")
    Path store;

    @Option(names = "--captions", paramLabel = "FILE", description = "Captions to search, one per line "
            + "(for --image).")
    Path captions;

    @Option(names = "--box", paramLabel = "X0,Y0,X1,Y1", split = ";",
            description = "An object box of --image in its pixels; repeat for several.")
    List<String> boxes = new ArrayList<>();

    @Option(names = "--top", paramLabel = "N", defaultValue = "10", description = "Results to print "
            + "(default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--itm-k", paramLabel = "K",
            description = "Re-rank the ITC top K with ITM; 0 = ITC only (default: 16 where the model has an ITM head "
                    + "and the store keeps Z, else 0).")
    Integer itmK;

    @Mixin
    IndexOptions index;

    @Mixin
    EngineOptions engineOptions;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Flags.atLeast("--top", top, 1);
        if (itmK != null) {
            Flags.atLeast("--itm-k", itmK, 0);
        }
        engineOptions.check();
        index.check();
        PrintWriter out = spec.commandLine().getOut();
        try (RetrievalEngine engine = engineOptions.load(model.dir())) {
            List<Searcher.Hit> hits;
            if (query.text != null) {
                if (store == null) {
                    throw new IllegalArgumentException("--text needs --store DIR (made by qpert embed)");
                }
                try (EmbeddingStore s = StoredImage.openForSearch(store, engine)) {
                    itmK = Rerank.depth(engine, s, itmK, DEFAULT_ITM_K);
                    hits = searchStore(engine, s, query.text);
                }
                out.println("images for \"" + query.text + "\":");
            } else {
                if (captions == null) {
                    throw new IllegalArgumentException("--image needs --captions FILE (one caption per line)");
                }
                List<String> list = Files.readAllLines(captions, StandardCharsets.UTF_8).stream()
                        .filter(l -> !l.isBlank()).toList();
                itmK = Rerank.depth(engine, null, itmK, DEFAULT_ITM_K);
                hits = Searcher.image(engine, query.image, parseBoxes(boxes), list, itmK, top);
                out.println("captions for " + query.image + ":");
            }
            print(out, hits, itmK);
        }
        return 0;
    }

    private List<Searcher.Hit> searchStore(RetrievalEngine engine, EmbeddingStore s, String text)
            throws java.io.IOException {
        try (LuceneItc itc = index.forSearch(s)) {
            return Searcher.text(engine, s, itc, text, itmK, top);
        }
    }

    static void print(PrintWriter out, List<Searcher.Hit> hits, int itmK) {
        out.println(itmK == 0 ? "rank    ITC  result" : "rank  score    ITC  result");
        for (int r = 0; r < hits.size(); r++) {
            Searcher.Hit h = hits.get(r);
            out.println(itmK == 0 ? String.format(Locale.ROOT, "%4d %6.3f  %s", r + 1, h.itc(), h.label())
                    : String.format(Locale.ROOT, "%4d %6.3f %6.3f  %s", r + 1, h.score(), h.itc(), h.label()));
        }
        out.flush();
    }

    static List<Box> parseBoxes(List<String> specs) {
        List<Box> out = new ArrayList<>();
        for (String s : specs) {
            String[] p = s.split(",");
            if (p.length != 4) {
                throw new IllegalArgumentException("--box '" + s + "' must be X0,Y0,X1,Y1");
            }
            try {
                out.add(new Box(Double.parseDouble(p[0].trim()), Double.parseDouble(p[1].trim()),
                        Double.parseDouble(p[2].trim()), Double.parseDouble(p[3].trim())));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--box '" + s + "' has a coordinate that is not a number");
            }
        }
        return out;
    }
}
