package org.fdloop.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code fdloop help [COMMAND]}: the usage of fdloop or of one command; anything else is a usage error. */
@Command(name = "help", description = "Print the usage of fdloop, or of COMMAND.")
final class HelpCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "COMMAND", description = "A command: tour, watch, monitor, signals, device, bench.")
    String command;

    @Override
    public Integer call() {
        CommandLine fdloop = spec.parent().commandLine();
        CommandLine shown = fdloop;
        if (command != null) {
            shown = fdloop.getSubcommands().get(command);
            if (shown == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "unknown command '" + command + "': the commands are "
                        + String.join(", ", fdloop.getSubcommands().keySet()));
            }
        }
        shown.usage(spec.commandLine().getOut());
        spec.commandLine().getOut().flush();
        return Main.OK;
    }
}
