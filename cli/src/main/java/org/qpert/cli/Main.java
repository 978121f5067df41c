package org.qpert.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code qpert} command. Each subcommand is a thin user of the library API. */
@Command(name = "qpert", mixinStandardHelpOptions = true, version = "qpert 0.1.0",
        resourceBundle = "org.qpert.cli.help",
        description = "Object-aware image-text retrieval (BLIP-2 + Q-Perturbation) on the JVM.",
        subcommands = {
                CommandLine.HelpCommand.class,
                InfoCommand.class,
                EmbedCommand.class,
                SearchCommand.class,
                EvalCommand.class,
                DemoCommand.class,
                ServeCommand.class,
                ParityCommand.class,
                TokenizeCommand.class,
                PreprocessCommand.class,
                DetectCommand.class,
                DevicesCommand.class,
                StoreCommand.class,
                IndexCommand.class,
                ConvertCommand.class,
        })
public final class Main {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit status; errors are one clear line, not a stack trace. */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** The configured command line, before execution (tests redirect its output). */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + messageOf(ex));
            if (System.getenv("QPERT_DEBUG") != null) {
                ex.printStackTrace(cmd.getErr());
            }
            return 2;
        });
        // A usage error is one line and a pointer to --help, not the whole usage text.
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine cmd = ex.getCommandLine();
            String path = cmd.getCommandSpec().qualifiedName();
            cmd.getErr().println(path + ": " + ex.getMessage());
            cmd.getErr().println("Try '" + path + " --help' for more information.");
            return 2;
        });
        return cl;
    }

    /**
     * The user's one line for an exception: its message, with the path and the operating system's reason for file
     * errors (whose own message is only the path), never an exception class name.
     */
    static String messageOf(Throwable ex) {
        Throwable io = ex;
        while (io != null && !(io instanceof java.nio.file.FileSystemException)) {
            io = io.getCause();
        }
        if (io instanceof java.nio.file.FileSystemException fs) {
            String context = ex == fs || ex.getMessage() == null || ex.getMessage().equals(fs.toString()) ? ""
                    : stripCause(ex.getMessage(), fs);
            if (context.isBlank() || context.equals(fs.getMessage())) {
                return describe(fs);
            }
            return fs.getFile() != null && context.contains(fs.getFile()) ? context + ": " + reason(fs)
                    : context + ": " + describe(fs);
        }
        if (ex instanceof java.nio.charset.CharacterCodingException) {
            return "a file that should be UTF-8 text is not (is a binary file where a text file or folder was "
                    + "expected?)";
        }
        if (ex instanceof OutOfMemoryError) {
            return "out of memory (raise -Xmx, e.g. QPERT_JAVA_OPTS=-Xmx12g)";
        }
        String m = ex.getMessage();
        if (m == null || m.isBlank() || ex instanceof NullPointerException || ex instanceof ClassCastException
                || ex instanceof IndexOutOfBoundsException) {
            return "internal error" + (m == null || m.isBlank() ? "" : " (" + m + ")")
                    + "; set QPERT_DEBUG=1 for the stack trace and please report it";
        }
        return m;
    }

    /** "PATH: no such file or directory" and the like; java.nio's file exceptions carry only the path. */
    static String describe(java.nio.file.FileSystemException e) {
        String file = e.getFile() == null ? "file" : e.getFile();
        String other = e.getOtherFile() == null ? "" : " -> " + e.getOtherFile();
        return file + other + ": " + reason(e);
    }

    private static String reason(java.nio.file.FileSystemException e) {
        String file = e.getFile() == null ? "." : e.getFile();
        String reason;
        if (e instanceof java.nio.file.NoSuchFileException) {
            java.nio.file.Path parent = java.nio.file.Path.of(file).toAbsolutePath().getParent();
            reason = "no such file or directory" + (parent != null && !java.nio.file.Files.isDirectory(parent)
                    ? " (folder " + parent + " does not exist)" : "");
        } else if (e instanceof java.nio.file.AccessDeniedException) {
            reason = "permission denied";
        } else if (e instanceof java.nio.file.FileAlreadyExistsException) {
            reason = "already exists";
        } else if (e instanceof java.nio.file.NotDirectoryException) {
            reason = "not a directory";
        } else if (e instanceof java.nio.file.DirectoryNotEmptyException) {
            reason = "directory not empty";
        } else if (e.getReason() != null) {
            reason = e.getReason().toLowerCase(java.util.Locale.ROOT);
        } else {
            reason = "cannot be accessed";
        }
        return reason;
    }

    /** A wrapper's message often ends with its cause's bare message: drop that tail. */
    private static String stripCause(String context, Throwable cause) {
        for (String tail : new String[] {": " + cause, ": " + cause.getMessage(), " (" + cause.getMessage() + ")"}) {
            if (context.endsWith(tail)) {
                return context.substring(0, context.length() - tail.length());
            }
        }
        return context;
    }
}
