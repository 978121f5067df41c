package org.qpert.cli;

import org.qpert.loaders.ModelInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.concurrent.Callable;

/** {@code qpert info --model DIR}: config, parameter count and dtypes of a checkpoint, from its headers only. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Print a checkpoint's config, parameter count and stored dtypes (reads headers only).")
public final class InfoCommand implements Callable<Integer> {

    @Mixin
    ModelOption model;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        spec.commandLine().getOut().print(ModelInfo.of(model.dir()).toText());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
