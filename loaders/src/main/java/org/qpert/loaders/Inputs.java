package org.qpert.loaders;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The one rule that keeps a run from writing over what it reads: every input a run reads (a file, or a folder it
 * scans) is listed here, and each output (a file, or a folder it writes into) is checked against all of them before
 * any work starts. An output file may not be an input file (by {@link Files#isSameFile}, so another spelling or a
 * link counts) nor lie inside an input folder; an output folder may not be, hold or lie inside an input. The message
 * names both paths and the flags they came from.
 */
public final class Inputs {

    private record Input(String what, Path path, boolean folder) {
    }

    private final List<Input> inputs = new ArrayList<>();

    /** An input file; {@code what} names it in messages (e.g. {@code "--boxes"} or {@code "input image"}). */
    public Inputs file(String what, Path file) {
        if (file != null) {
            inputs.add(new Input(what, file, false));
        }
        return this;
    }

    public Inputs files(String what, Collection<Path> files) {
        if (files != null) {
            files.forEach(f -> file(what, f));
        }
        return this;
    }

    /** A folder the run scans: nothing may be written inside it. */
    public Inputs folder(String what, Path folder) {
        if (folder != null) {
            inputs.add(new Input(what, folder, true));
        }
        return this;
    }

    public Inputs folders(String what, Collection<Path> folders) {
        if (folders != null) {
            folders.forEach(f -> folder(what, f));
        }
        return this;
    }

    /** A model given as a folder or a Hub id: the folder when one exists at that path (a Hub id reads the cache). */
    public Inputs model(String what, Path folderOrHubId) {
        return folderOrHubId != null && Files.isDirectory(folderOrHubId) ? folder(what, folderOrHubId) : this;
    }

    /** Refuses an output file that is an input file or lies inside an input folder. */
    public Inputs checkOutputFile(String what, Path out) {
        if (out == null) {
            return this;
        }
        for (Input in : inputs) {
            if (same(out, in.path)) {
                throw refused(what, out, "is the " + in.what + " " + in.path + " this run reads");
            }
            if (in.folder && inside(out, in.path)) {
                throw refused(what, out, "lies inside the " + in.what + " folder " + in.path + " this run reads");
            }
        }
        return this;
    }

    /** Refuses an output folder that is an input, holds one, or lies inside an input folder. */
    public Inputs checkOutputFolder(String what, Path out) {
        if (out == null) {
            return this;
        }
        for (Input in : inputs) {
            if (same(out, in.path)) {
                throw refused(what, out, "is the " + in.what + " " + in.path + " this run reads");
            }
            if (inside(in.path, out)) {
                throw refused(what, out, "holds the " + in.what + " " + in.path + " this run reads");
            }
            if (in.folder && inside(out, in.path)) {
                throw refused(what, out, "lies inside the " + in.what + " folder " + in.path + " this run reads");
            }
        }
        return this;
    }

    private static IllegalArgumentException refused(String what, Path out, String why) {
        return new IllegalArgumentException(what + " " + out + " " + why + "; writing there could overwrite it, "
                + "choose another output");
    }

    private static boolean same(Path a, Path b) {
        try {
            if (Files.exists(a) && Files.exists(b)) {
                return Files.isSameFile(a, b);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return real(a).equals(real(b));
    }

    /** Whether {@code path} lies strictly below {@code folder} (after resolving links of the parts that exist). */
    private static boolean inside(Path path, Path folder) {
        Path p = real(path), f = real(folder);
        return !p.equals(f) && p.startsWith(f);
    }

    /** The absolute path with links resolved as far as it exists (outputs often do not exist yet). */
    private static Path real(Path path) {
        Path abs = path.toAbsolutePath().normalize();
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return abs;
        }
        try {
            return existing.toRealPath().resolve(existing.relativize(abs));
        } catch (IOException e) {
            return abs;
        }
    }
}
