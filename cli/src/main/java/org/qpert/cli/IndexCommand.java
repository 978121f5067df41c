package org.qpert.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.qpert.index.IndexedSearch;
import org.qpert.index.VectorIndex;
import org.qpert.loaders.store.EmbeddingStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code qpert index STORE}: the Lucene index of a store's query embeddings, for search --index exact|hnsw. */
@Command(name = "index", mixinStandardHelpOptions = true,
        description = {"Build STORE/lucene: a Lucene index of the store's ITC query embeddings (per image a block of "
                + "its query vectors, cosine, plain and perturbed in separate fields) that search --index exact|hnsw "
                + "uses. Needs no model: the store holds the features."})
public final class IndexCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "STORE", description = "An embedding store made by qpert embed or eval.")
    Path store;

    @Option(names = "--int8", description = "Search int8 scalar-quantized vectors (Lucene's "
            + "Lucene99HnswScalarQuantizedVectorsFormat): the graph walk reads 4x fewer bytes, recall is slightly lower, "
            + "and the float vectors stay on disk beside them (the index is about 25%% larger on disk).")
    boolean int8;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try (EmbeddingStore s = EmbeddingStore.openExisting(store)) {
            Path dir = IndexedSearch.build(s, int8);
            try (VectorIndex index = VectorIndex.open(dir)) {
                spec.commandLine().getOut().println("indexed " + index.size() + " images in " + dir
                        + (index.hasPerturbed() ? " (plain and perturbed vectors)" : " (plain vectors)"));
            }
        }
        spec.commandLine().getOut().flush();
        return 0;
    }
}
