package org.qpert.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code qpert} command. Each subcommand is a thin user of the library API. */
@Command(name = "qpert", mixinStandardHelpOptions = true, version = "qpert 0.1.0",
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
            cmd.getErr().println("qpert " + cmd.getCommandName() + ": " + messageOf(ex));
            if (System.getenv("QPERT_DEBUG") != null) {
                ex.printStackTrace(cmd.getErr());
            }
            return 2;
        });
        return cl;
    }

    static String messageOf(Throwable ex) {
        String m = ex.getMessage();
        return m == null || m.isBlank() ? ex.getClass().getSimpleName() : m;
    }
}
