package org.qpert.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.qpert.loaders.store.EmbeddingStore;
import org.qpert.loaders.store.StoreCheck;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code qpert store verify STORE}: the store's shards against its index. */
@Command(name = "store", mixinStandardHelpOptions = true, description = "Inspect an embedding store.",
        subcommands = StoreCommand.Verify.class)
final class StoreCommand {

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Check every shard of an embedding store against its index (presence, size, CRC32C) and "
                    + "list files the index does not know. Exit status 0 when no shard is missing or corrupt, 1 "
                    + "otherwise; 'qpert embed' on the store re-embeds the images of the bad shards."})
    static final class Verify implements Callable<Integer> {
        @Parameters(paramLabel = "STORE", description = "Store folder (made by qpert embed).")
        Path store;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            StoreCheck c = EmbeddingStore.verify(store);
            PrintWriter out = spec.commandLine().getOut();
            out.println("store " + store + ": " + c.shards() + " shards, " + c.images() + " images");
            c.missing().forEach(f -> out.println("missing: " + f));
            c.corrupt().forEach(f -> out.println("corrupt: " + f));
            c.orphaned().forEach(f -> out.println("orphaned: " + f + " (not in the index: left by an interrupted "
                    + "write, safe to delete)"));
            for (Map.Entry<String, String> f : c.failed().entrySet()) {
                out.println("failed image: " + f.getKey() + ": " + f.getValue());
            }
            out.println(c.intact() ? "ok: every shard matches the index"
                    : c.lost() + " images in bad shards: run 'qpert embed' on this store to embed them again");
            out.flush();
            return c.intact() ? 0 : 1;
        }
    }
}
