package org.fdloop.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The fdloop command line: {@code fdloop tour}, and more to come. */
@Command(
        name = "fdloop",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Linux's fd-based events on the JVM: shows every mechanism working, watches files, devices and signals.",
        subcommands = {TourCommand.class, CommandLine.HelpCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (for tests). */
    public static int run(String... args) {
        return new CommandLine(new Main()).execute(args);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getModule().getDescriptor() != null
                    ? Main.class.getModule().getDescriptor().rawVersion().orElse("dev")
                    : "dev";
            return new String[] {"fdloop " + v, "JVM " + Runtime.version() + " on " + System.getProperty("os.arch")};
        }
    }
}
