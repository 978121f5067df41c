package org.qpert.spark;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.qpert.engine.GalleryEmbedder;
import org.qpert.engine.StoreZ;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code spark-submit} entry point: parses the flags, runs {@link EmbedJob} and prints its summary. */
@Command(name = "qpert-spark-embed", mixinStandardHelpOptions = true,
        description = {"Embed the images a manifest lists (CSV, JSON lines or Parquet: path, optional id and boxes) "
                + "across a Spark application's executors into an embedding store, the format qpert embed writes. "
                + "Re-runs skip the partitions already done."})
public final class SparkEmbedJob implements Callable<Integer> {
    @Option(names = "--manifest", required = true, paramLabel = "FILE", description = "The gallery list.")
    Path manifest;

    @Option(names = "--format", paramLabel = "FMT", description = "csv, jsonl or parquet (default: from the "
            + "manifest's extension).")
    String format;

    @Option(names = "--store", required = true, paramLabel = "DIR", description = "The embedding store to write, on "
            + "a file system the driver and every executor mount; its parts/ folder holds each partition's work.")
    Path store;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Checkpoint folder of any "
            + "family, the same path on every executor.")
    String model;

    @Option(names = "--no-qpert", description = "Store plain features only (no Q-Perturbation).")
    boolean noQpert;

    @Option(names = "--alpha", paramLabel = "A", defaultValue = "8", description = "Q-Perturbation alpha "
            + "(default: ${DEFAULT-VALUE}).")
    double alpha;

    @Option(names = "--tau", paramLabel = "T", defaultValue = "0.99", description = "Q-Perturbation tau "
            + "(default: ${DEFAULT-VALUE}).")
    double tau;

    @Option(names = "--device", paramLabel = "DEV", defaultValue = "cpu", description = "cpu or cuda "
            + "(default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--precision", paramLabel = "P", defaultValue = "f32", description = "f32, tf32 or bf16 (cuda "
            + "only; default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(names = "--detector", paramLabel = "DIR", description = "OWLv2 checkpoint folder: images without boxes "
            + "in the manifest get detected ones (default detector settings).")
    String detector;

    @Option(names = "--detect", paramLabel = "WHICH", description = "With --detector: 'missing' (default) or 'all'.")
    String detect;

    @Option(names = "--variant", paramLabel = "NAME", description = "Which of the checkpoint's models embeds images, "
            + "where it holds several: InternVL C or G (default G, unless its config.json names one).")
    String variant;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "16", description = "Images per model pass and per "
            + "shard (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--partition-size", paramLabel = "N", defaultValue = "1024", description = "Manifest rows per "
            + "partition (default: ${DEFAULT-VALUE}); keep it for re-runs of a store.")
    int partitionSize;

    @Option(names = "--on-error", paramLabel = "WHAT", defaultValue = "stop", description = "stop (default) or skip: "
            + "record a failing image and go on; a re-run retries it.")
    String onError;

    @Option(names = "--index", description = "Build STORE/lucene after the merge (as qpert index does).")
    boolean index;

    @Option(names = "--int8", description = "With --index: int8 scalar-quantized vectors.")
    boolean int8;

    @Option(names = "--store-z", paramLabel = "f32|f16|bf16|none", defaultValue = "f32", description = "How the store "
            + "keeps each image's ViT output Z, which ITM re-ranking reads (as qpert embed --store-z; default: "
            + "${DEFAULT-VALUE}). f16 halves the store; none keeps ITC search only.")
    String storeZ;

    @Override
    public Integer call() throws Exception {
        GalleryEmbedder.OnError errors = switch (onError) {
            case "stop" -> GalleryEmbedder.OnError.STOP;
            case "skip" -> GalleryEmbedder.OnError.SKIP;
            default -> throw new IllegalArgumentException("--on-error must be stop or skip, got '" + onError + "'");
        };
        JobOptions options = new JobOptions(manifest, format, store, new ModelSettings(model, !noQpert, alpha, tau,
                device, precision, detector, detect, variant), batch, partitionSize, errors, index, int8, StoreZ.parse(storeZ));
        SparkSession spark = SparkSession.builder().appName("qpert embed " + manifest.getFileName()).getOrCreate();
        try {
            JobReport report = EmbedJob.run(spark, options);
            System.out.println(report.summary());
            return report.failed().isEmpty() ? 0 : 1;
        } finally {
            spark.stop();
        }
    }

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new SparkEmbedJob());
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            line.getErr().println("qpert-spark-embed: " + e.getMessage());
            if (System.getenv("QPERT_DEBUG") != null) {
                e.printStackTrace(line.getErr());
            }
            return 2;
        });
        System.exit(cli.execute(args));
    }
}
