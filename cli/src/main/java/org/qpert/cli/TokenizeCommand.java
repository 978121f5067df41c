package org.qpert.cli;

import org.qpert.loaders.text.BertTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code qpert tokenize --vocab FILE [--lavis] [--max-length N]}: one JSON array of token ids per input line. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Tokenize lines of stdin (UTF-8) as BERT/BLIP-2 does; print one JSON array of ids per line.")
public final class TokenizeCommand implements Callable<Integer> {

    @Option(names = "--vocab", required = true, paramLabel = "FILE",
            description = "vocab.txt, tokenizer.json, or a checkpoint folder holding one of them.")
    Path vocab;

    @Option(names = "--lavis", description = "Clean each line as LAVIS pre_caption does before tokenizing.")
    boolean lavis;

    @Option(names = "--max-length", paramLabel = "N",
            description = "Truncate to N tokens ([CLS] and [SEP] included) and pad to N (BLIP-2 uses 35).")
    Integer maxLength;

    @Spec
    CommandSpec spec;

    /** Where lines come from; standard input unless a test sets it. */
    InputStream input = System.in;

    @Override
    public Integer call() throws Exception {
        BertTokenizer tokenizer = BertTokenizer.load(vocab).withLavisCleaning(lavis);
        if (maxLength != null && maxLength < 2) {
            throw new IllegalArgumentException("--max-length must be at least 2, got " + maxLength);
        }
        PrintWriter out = spec.commandLine().getOut();
        BufferedReader lines = new BufferedReader(new InputStreamReader(input, StandardCharsets.UTF_8));
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            int[] ids = maxLength == null ? tokenizer.encode(line).ids() : tokenizer.encode(line, maxLength).ids();
            out.println(Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(", ", "[", "]")));
        }
        out.flush();
        return 0;
    }
}
