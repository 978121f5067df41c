package org.qpert.cli;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.qpert.family.CaptionEncoder;
import org.qpert.family.CaptionOptions;
import org.qpert.family.ModelFamilies;
import org.qpert.loaders.text.BertTokenizer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code qpert tokenize --model DIR [--max-length N]} (the model's own caption handling) or {@code qpert tokenize
 * --vocab FILE [--lavis] [--max-length N]} (a WordPiece vocabulary): one JSON array of token ids per input line.
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Tokenize lines of stdin (UTF-8) as a model does (its cleaning, tokenizer and length; no "
                + "padding) or with a WordPiece vocabulary; print one JSON array of ids per line.")
public final class TokenizeCommand implements Callable<Integer> {

    static final class Source {
        @ArgGroup(exclusive = false, multiplicity = "1")
        ModelOption model;

        @Option(names = "--vocab", paramLabel = "FILE",
                description = "vocab.txt, tokenizer.json, or a folder holding one of them (BERT WordPiece).")
        Path vocab;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--lavis", description = "With --vocab: clean each line as LAVIS pre_caption does first.")
    boolean lavis;

    @Option(names = "--max-length", paramLabel = "N",
            description = "Truncate to N tokens (start and end tokens included); with --vocab also pad to N.")
    Integer maxLength;

    @Spec
    CommandSpec spec;

    /** Where lines come from; standard input unless a test sets it. */
    InputStream input = System.in;

    @Override
    public Integer call() throws Exception {
        if (maxLength != null && maxLength < 2) {
            throw new IllegalArgumentException("--max-length must be at least 2, got " + maxLength);
        }
        if (source.model != null && lavis) {
            throw new IllegalArgumentException("--lavis goes with --vocab: --model cleans captions as its family does");
        }
        PrintWriter out = spec.commandLine().getOut();
        BufferedReader lines = new BufferedReader(new InputStreamReader(input, StandardCharsets.UTF_8));
        if (source.model != null) {
            Path dir = source.model.dir();
            CaptionEncoder captions = ModelFamilies.of(dir).captions(dir,
                    new CaptionOptions(maxLength == null ? 0 : maxLength, true));
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                print(out, captions.encode(line).ids());
            }
        } else {
            BertTokenizer tokenizer = BertTokenizer.load(source.vocab).withLavisCleaning(lavis);
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                print(out, maxLength == null ? tokenizer.encode(line).ids() : tokenizer.encode(line, maxLength).ids());
            }
        }
        out.flush();
        return 0;
    }

    private static void print(PrintWriter out, int[] ids) {
        out.println(Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(", ", "[", "]")));
    }
}
